//! `GET /api/openapi.json`: a valid OpenAPI 3 document that describes every JSON route.

use std::collections::BTreeSet;

use reqwest::StatusCode;

use cuocthi::web::ROUTES;

use crate::helpers::{json_of, spawn_app};

#[tokio::test]
async fn the_openapi_document_describes_every_api_route_and_nothing_else() {
    // Arrange
    let app = spawn_app().await;

    // Act
    let response = app.get("/api/openapi.json", None).await;

    // Assert
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    let (_, doc) = json_of(response).await;
    let version = doc["openapi"].as_str().expect("an openapi version");
    assert!(version.starts_with("3."), "{version}");
    let mut described = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in ["get", "post", "put", "patch", "delete"] {
            if item.get(method).is_some() {
                described.insert((method.to_owned(), path.clone()));
            }
        }
    }
    // Every JSON route of the route table: the API, and the health check.
    let registered: BTreeSet<(String, String)> = ROUTES
        .iter()
        .filter(|r| r.path.starts_with("/api/v1/") || (r.path == "/healthz" || r.path == "/readyz"))
        .map(|r| (r.method.to_lowercase(), r.path.to_owned()))
        .collect();
    let undescribed: Vec<_> = registered.difference(&described).collect();
    let unknown: Vec<_> = described.difference(&registered).collect();
    assert!(
        undescribed.is_empty(),
        "routes without a description: {undescribed:?}"
    );
    assert!(
        unknown.is_empty(),
        "described routes the app lacks: {unknown:?}"
    );
}

#[tokio::test]
async fn every_operation_documents_its_error_body_and_protected_ones_their_token() {
    // Arrange
    let app = spawn_app().await;

    // Act
    let (_, doc) = json_of(app.get("/api/openapi.json", None).await).await;

    // Assert
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let responses = op["responses"].as_object().expect("responses");
            assert!(
                responses.keys().any(|s| s.starts_with('2')),
                "{method} {path} has no success response"
            );
            // A route that answers 401 takes the bearer token, and says so.
            if responses.contains_key("401") && path != "/api/v1/auth/login" {
                assert!(
                    op["security"].is_array(),
                    "{method} {path} answers 401 but names no security"
                );
            }
        }
    }
}

/// Every `$ref` of a JSON value, with where it stands.
fn refs<'a>(value: &'a serde_json::Value, at: String, out: &mut Vec<(String, &'a str)>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, v) in map {
                match (key.as_str(), v.as_str()) {
                    ("$ref", Some(target)) => out.push((at.clone(), target)),
                    _ => refs(v, format!("{at}/{key}"), out),
                }
            }
        }
        serde_json::Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                refs(v, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

#[tokio::test]
async fn every_reference_in_the_document_resolves() {
    // Arrange
    let app = spawn_app().await;

    // Act
    let (_, doc) = json_of(app.get("/api/openapi.json", None).await).await;

    // Assert: a schema utoipa names but never adds to the components would leave a
    // reference pointing nowhere, which clients and schemathesis cannot follow.
    let mut found = Vec::new();
    refs(&doc, String::new(), &mut found);
    assert!(!found.is_empty(), "the document has no references at all");
    let dangling: Vec<_> = found
        .iter()
        .filter(|(_, target)| {
            target
                .strip_prefix('#')
                .is_none_or(|pointer| doc.pointer(pointer).is_none())
        })
        .collect();
    assert!(dangling.is_empty(), "references to nothing: {dangling:?}");
}

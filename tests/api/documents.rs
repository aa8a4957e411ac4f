//! A contest's documents and formatted rules over HTTP (issue #15): uploads checked by
//! their content, downloads with safe headers, drafts hidden, removals audited; the
//! Markdown of descriptions and rules on the contest page; the judges' contest results.

use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::helpers::{STAFF_PASSWORD, TestApp, json_of, round_spec, spawn_app};
use crate::pages::{browser, csrf_of, log_in};
use cuocthi::accounts::Role;
use cuocthi::entities::{audit, contest_document};

/// A small but well-formed PDF.
const PDF: &[u8] = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n\
2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n";

const PDF_NAME: &str = "Kế hoạch 857.pdf";

/// Uploads `bytes` as `name` (the client claiming `claimed` as its type) through the API.
async fn upload(
    app: &TestApp,
    token: Option<&str>,
    contest: i64,
    name: &str,
    claimed: &str,
    bytes: Vec<u8>,
) -> (StatusCode, Value) {
    let part = Part::bytes(bytes)
        .file_name(name.to_owned())
        .mime_str(claimed)
        .unwrap();
    let mut request = app
        .client
        .post(app.url(&format!("/api/v1/contests/{contest}/documents")))
        .multipart(Form::new().part("file", part));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    match request.send().await {
        Ok(response) => json_of(response).await,
        // A server refusing a body early may close the connection while it is being sent.
        Err(e) => panic!("upload failed to send: {e}"),
    }
}

/// Uploads [`PDF`] as [`PDF_NAME`] as `organiser`; the status and answer.
async fn upload_pdf(app: &TestApp, organiser: &str, contest: i64) -> (StatusCode, Value) {
    upload(
        app,
        Some(organiser),
        contest,
        PDF_NAME,
        "application/pdf",
        PDF.to_vec(),
    )
    .await
}

async fn list(app: &TestApp, token: Option<&str>, contest: i64) -> (StatusCode, Value) {
    json_of(
        app.get(&format!("/api/v1/contests/{contest}/documents"), token)
            .await,
    )
    .await
}

async fn stored(app: &TestApp) -> u64 {
    contest_document::Entity::find()
        .count(&app.state.db.read)
        .await
        .unwrap()
}

async fn audit_of(app: &TestApp, action: &str) -> Vec<Value> {
    audit::Entity::find()
        .filter(audit::Column::Action.eq(action))
        .order_by_asc(audit::Column::Id)
        .all(&app.state.db.read)
        .await
        .unwrap()
        .into_iter()
        .map(|a| serde_json::from_str(&a.details).unwrap())
        .collect()
}

#[tokio::test]
async fn a_pdf_is_uploaded_listed_and_downloaded_byte_for_byte_with_safe_headers() {
    // Arrange
    let app = spawn_app().await;
    let (organiser, contest) = app.seed_contest().await;
    let sha = format!("{:x}", Sha256::digest(PDF));

    // Act: the client claims HTML; the type stored is the one the bytes say.
    let (status, doc) = upload(
        &app,
        Some(&organiser),
        contest,
        PDF_NAME,
        "text/html",
        PDF.to_vec(),
    )
    .await;

    // Assert
    assert_eq!(status, StatusCode::CREATED, "{doc}");
    assert_eq!(doc["filename"], PDF_NAME);
    assert_eq!(doc["content_type"], "application/pdf");
    assert_eq!(doc["size"], PDF.len());
    assert_eq!(doc["sha256"], sha);
    let url = format!("/contests/{contest}/documents/{}", doc["id"]);
    assert_eq!(doc["url"], url);

    let (status, listed) = list(&app, None, contest).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    for field in ["id", "filename", "content_type", "size", "sha256", "url"] {
        assert_eq!(listed[0][field], doc[field], "{field}");
    }

    let response = app.get(&url, None).await;
    assert_eq!(response.status(), StatusCode::OK);
    let header = |name: &str| response.headers()[name].to_str().unwrap().to_owned();
    assert_eq!(header("content-type"), "application/pdf");
    assert_eq!(
        header("content-disposition"),
        "attachment; filename=\"Ke hoach 857.pdf\"; filename*=UTF-8''K%E1%BA%BF%20ho%E1%BA%A1ch%20857.pdf"
    );
    assert_eq!(header("x-content-type-options"), "nosniff");
    assert_eq!(header("etag"), format!("\"{sha}\""));
    assert_eq!(response.bytes().await.unwrap().as_ref(), PDF);

    // The ETag revalidates.
    let again = app
        .client
        .get(app.url(&url))
        .header("if-none-match", format!("\"{sha}\""))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);

    // Audited, without the bytes.
    let added = audit_of(&app, "contest.document_add").await;
    assert_eq!(added.len(), 1);
    assert_eq!(added[0]["after"]["filename"], PDF_NAME);
    assert_eq!(added[0]["after"]["sha256"], sha);
    assert!(added[0].get("data").is_none() && added[0]["after"].get("data").is_none());

    // A document of another contest is not this contest's.
    let (status, _) = json_of(
        app.get(
            &format!("/contests/{}/documents/{}", contest + 1, doc["id"]),
            None,
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn office_files_and_images_are_recognised_by_their_content() {
    let app = spawn_app().await;
    let (organiser, contest) = app.seed_contest().await;
    let mut workbook = rust_xlsxwriter::Workbook::new();
    workbook
        .add_worksheet()
        .write_string(0, 0, "Đơn vị")
        .unwrap();
    let xlsx = workbook.save_to_buffer().unwrap();
    let (status, doc) = upload(
        &app,
        Some(&organiser),
        contest,
        "Danh sách.xlsx",
        "application/octet-stream",
        xlsx,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{doc}");
    assert_eq!(
        doc["content_type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    let (status, doc) = upload(&app, Some(&organiser), contest, "poster", "image/gif", png).await;
    assert_eq!(status, StatusCode::CREATED, "{doc}");
    assert_eq!(doc["content_type"], "image/png");
    assert_eq!(doc["filename"], "poster.png");
}

#[tokio::test]
async fn spoofed_types_are_refused_and_nothing_is_stored() {
    // Arrange
    let app = spawn_app().await;
    let (organiser, contest) = app.seed_contest().await;
    let exe =
        b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0This program cannot be run in DOS mode".to_vec();
    let html = b"<!DOCTYPE html><html><script>alert(document.cookie)</script></html>".to_vec();

    for (name, claimed, bytes) in [
        ("the-le.pdf", "application/pdf", exe.clone()),
        ("the-le.pdf", "application/pdf", html.clone()),
        ("the-le.docx", "application/pdf", html),
        ("ke-hoach.exe", "application/pdf", PDF.to_vec()),
        ("ke-hoach.docx", "application/pdf", PDF.to_vec()),
        ("rong.pdf", "application/pdf", Vec::new()),
    ] {
        // Act
        let (status, body) = upload(&app, Some(&organiser), contest, name, claimed, bytes).await;

        // Assert
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {body}");
        assert_eq!(body["error"]["code"], "unsupported_document", "{name}");
        assert!(!body["error"]["message"].as_str().unwrap().is_empty());
    }
    assert_eq!(stored(&app).await, 0);
    assert!(audit_of(&app, "contest.document_add").await.is_empty());
}

#[tokio::test]
async fn an_oversized_document_is_refused_with_nothing_stored() {
    let app = spawn_app().await;
    let (organiser, contest) = app.seed_contest().await;
    let mut big = PDF.to_vec();
    big.resize(cuocthi::contest::documents::MAX_BYTES + 1, b'\n');

    let (status, body) = upload(
        &app,
        Some(&organiser),
        contest,
        "lon.pdf",
        "application/pdf",
        big.clone(),
    )
    .await;

    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert_eq!(body["error"]["code"], "payload_too_large");
    assert_eq!(stored(&app).await, 0);
    // At the limit exactly, it is taken.
    big.truncate(cuocthi::contest::documents::MAX_BYTES);
    let (status, body) = upload(
        &app,
        Some(&organiser),
        contest,
        "vua.pdf",
        "application/pdf",
        big,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

#[tokio::test]
async fn a_draft_contests_documents_are_hidden_from_the_public() {
    // Arrange
    let app = spawn_app().await;
    let (organiser, _) = app.seed_contest().await;
    let (status, body) = json_of(
        app.post_json(
            "/api/v1/contests",
            Some(&organiser),
            &json!({"code": "nhap", "title": "Cuộc thi nháp", "categories": ["official"], "status": "draft"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let draft = body["id"].as_i64().unwrap();
    let (status, doc) = upload_pdf(&app, &organiser, draft).await;
    assert_eq!(status, StatusCode::CREATED, "{doc}");
    let url = doc["url"].as_str().unwrap().to_owned();
    let participant = app.participant("0912000001").await;
    let judge = app.staff(Role::Judge, "bgk@example.vn").await;

    // Act + Assert: the public and participants get 404; staff see it.
    for token in [None, Some(participant.as_str())] {
        assert_eq!(list(&app, token, draft).await.0, StatusCode::NOT_FOUND);
        let response = app.get(&url, token).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        let page = response.text().await.unwrap();
        assert!(!page.contains("%PDF"), "{page}");
    }
    for token in [&judge, &organiser] {
        assert_eq!(list(&app, Some(token), draft).await.0, StatusCode::OK);
        let response = app.get(&url, Some(token)).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.bytes().await.unwrap().as_ref(), PDF);
    }

    // Published, it is everyone's.
    let response = app
        .client
        .patch(app.url(&format!("/api/v1/contests/{draft}")))
        .bearer_auth(&organiser)
        .json(&json!({"status": "published"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(app.get(&url, None).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn deleting_a_document_is_for_organisers_and_audited() {
    // Arrange
    let app = spawn_app().await;
    let (organiser, contest) = app.seed_contest().await;
    let judge = app.staff(Role::Judge, "bgk@example.vn").await;
    let (_, doc) = upload_pdf(&app, &organiser, contest).await;
    let path = format!("/api/v1/contests/{contest}/documents/{}", doc["id"]);
    let delete = |token: String| app.client.delete(app.url(&path)).bearer_auth(token).send();

    // Act + Assert: a judge may not; the organiser may, once.
    assert_eq!(delete(judge).await.unwrap().status(), StatusCode::FORBIDDEN);
    assert_eq!(stored(&app).await, 1);
    assert_eq!(
        delete(organiser.clone()).await.unwrap().status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(stored(&app).await, 0);
    assert_eq!(
        delete(organiser.clone()).await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(doc["url"].as_str().unwrap(), None).await.status(),
        StatusCode::NOT_FOUND
    );
    let deleted = audit_of(&app, "contest.document_delete").await;
    assert_eq!(deleted.len(), 1);
    assert_eq!(deleted[0]["before"]["filename"], PDF_NAME);
    assert_eq!(deleted[0]["before"]["id"], doc["id"]);
    assert_eq!(deleted[0]["after"], Value::Null);
}

#[tokio::test]
async fn the_contest_page_shows_formatted_rules_and_the_documents() {
    // Arrange
    let app = spawn_app().await;
    let (organiser, contest) = app.seed_contest().await;
    let response = app
        .client
        .patch(app.url(&format!("/api/v1/contests/{contest}")))
        .bearer_auth(&organiser)
        .json(&json!({
            "description": "Cuộc thi **đậm** đà bản sắc\n\n- Cán bộ\n- Người dân",
            "rules": "# Điều 1\n\n<script>alert('x')</script>\n\n[Cổng](javascript:alert(1)) và <img src=x onerror=alert(1)>\n\n1. Mỗi tuần *một* vòng",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    upload_pdf(&app, &organiser, contest).await;

    // Act
    let html = app
        .get(&format!("/contests/{contest}"), None)
        .await
        .text()
        .await
        .unwrap();

    // Assert
    assert!(html.contains("<strong>đậm</strong>"), "{html}");
    assert!(html.contains("<li>Cán bộ</li>"), "{html}");
    assert!(html.contains("<h3>Điều 1</h3>"), "{html}");
    assert!(html.contains("<em>một</em>"), "{html}");
    assert!(!html.contains("<script>alert"), "{html}");
    assert!(
        html.contains("&lt;script&gt;"),
        "raw HTML is shown as text: {html}"
    );
    assert!(!html.contains("javascript:"), "{html}");
    assert!(!html.contains("<img"), "{html}");
    // The handler is text inside the shown `<img …>`, in no element.
    assert!(
        html.contains("&lt;img src=x onerror=alert(1)&gt;"),
        "{html}"
    );
    assert!(html.contains("Tài liệu"), "{html}");
    assert!(
        html.contains(&format!("href=\"/contests/{contest}/documents/")),
        "{html}"
    );
    assert!(html.contains(PDF_NAME), "{html}");
}

#[tokio::test]
async fn the_organiser_console_uploads_previews_and_deletes_documents() {
    // Arrange
    let app = spawn_app().await;
    let (organiser, contest) = app.seed_contest().await;
    app.client
        .patch(app.url(&format!("/api/v1/contests/{contest}")))
        .bearer_auth(&organiser)
        .json(&json!({"rules": "Thể lệ **chính thức**"}))
        .send()
        .await
        .unwrap();
    let b = browser();
    let csrf = log_in(&b, &app, "btc@example.vn", STAFF_PASSWORD).await;
    let console = format!("/organiser/contests/{contest}");
    let send = |name: &'static str, bytes: Vec<u8>, csrf: String| {
        let form = Form::new()
            .text("csrf", csrf)
            .part("file", Part::bytes(bytes).file_name(name));
        b.post(app.url(&format!("{console}/documents")))
            .multipart(form)
            .send()
    };

    // Act: a good upload, then an HTML page named .pdf.
    let r = send(PDF_NAME, PDF.to_vec(), csrf.clone()).await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = send(
        "gia.pdf",
        b"<html><script>x</script></html>".to_vec(),
        csrf.clone(),
    )
    .await
    .unwrap();

    // Assert
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let refused = r.text().await.unwrap();
    assert!(refused.contains("Chỉ nhận tài liệu PDF"), "{refused}");
    let html = b
        .get(app.url(&console))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("<strong>chính thức</strong>"),
        "the preview: {html}"
    );
    assert!(html.contains(PDF_NAME), "{html}");
    assert!(html.contains("enctype=\"multipart/form-data\""), "{html}");
    assert_eq!(stored(&app).await, 1);

    // A forged form removes nothing; the console's button does.
    let id = contest_document::Entity::find()
        .one(&app.state.db.read)
        .await
        .unwrap()
        .unwrap()
        .id;
    let delete = format!("{console}/documents/{id}/delete");
    let r = b
        .post(app.url(&delete))
        .form(&[("csrf", "forged-0123456789abcdef0123456789abcdef")])
        .send()
        .await
        .unwrap();
    assert!(r.status().is_client_error(), "{}", r.status());
    assert_eq!(stored(&app).await, 1);
    let r = b
        .post(app.url(&delete))
        .form(&[("csrf", csrf_of(&html))])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(stored(&app).await, 0);
    assert_eq!(audit_of(&app, "contest.document_delete").await.len(), 1);
}

#[tokio::test]
async fn judges_see_the_contest_results_with_their_downloads() {
    // Arrange: two participants take the round.
    let app = spawn_app().await;
    let (organiser, contest) = app.seed_contest().await;
    let round = app.create_round(&organiser, contest, &round_spec()).await;
    let an = app.participant_named("Trần Thị Hoa", "0912000001").await;
    let binh = app.participant_named("Lê Văn Bình", "0912000002").await;
    app.take(&an, round, 5, Some(1)).await;
    app.take(&binh, round, 2, Some(1)).await;
    app.staff(Role::Judge, "bgk@example.vn").await;
    let path = format!("/judge/contests/{contest}");

    // Act
    let b = browser();
    log_in(&b, &app, "bgk@example.vn", STAFF_PASSWORD).await;
    let r = b.get(app.url(&path)).send().await.unwrap();

    // Assert
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    let (hoa, binh_at) = (
        html.find("Trần Thị Hoa").expect("Hoa is ranked"),
        html.find("Lê Văn Bình").expect("Bình is ranked"),
    );
    assert!(hoa < binh_at, "the higher score first");
    for link in ["results.xlsx", "results.csv", "units.xlsx", "units.csv"] {
        assert!(
            html.contains(&format!("href=\"/api/v1/contests/{contest}/{link}\"")),
            "{link}: {html}"
        );
    }
    assert!(
        html.contains("tổng điểm các vòng"),
        "the rule is stated: {html}"
    );
    let dashboard = b
        .get(app.url("/judge"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        dashboard.contains(&format!("href=\"{path}\"")),
        "{dashboard}"
    );

    // A participant is refused, an anonymous visitor sent to log in.
    let p = browser();
    log_in(&p, &app, "0912000001", crate::helpers::PASSWORD).await;
    assert_eq!(
        p.get(app.url(&path)).send().await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    let anonymous = browser().get(app.url(&path)).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::SEE_OTHER);
    assert_eq!(anonymous.headers()["location"], "/login");
}

//! Static assets, embedded in the binary and served with a content hash in their URL, so
//! they can be cached for a year and still change on every release.

use std::sync::LazyLock;

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use sha2::{Digest, Sha256};

/// One embedded asset.
pub struct Asset {
    pub name: &'static str,
    pub content_type: &'static str,
    pub body: &'static str,
    pub hash: String,
}

fn asset(name: &'static str, content_type: &'static str, body: &'static str) -> Asset {
    let hash = Sha256::digest(body.as_bytes())[..6]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Asset {
        name,
        content_type,
        body,
        hash,
    }
}

static ASSETS: LazyLock<Vec<Asset>> = LazyLock::new(|| {
    vec![
        asset(
            "app.css",
            "text/css; charset=utf-8",
            include_str!("../../static/app.css"),
        ),
        asset(
            "register.js",
            "text/javascript; charset=utf-8",
            include_str!("../../static/register.js"),
        ),
        asset(
            "attempt.js",
            "text/javascript; charset=utf-8",
            include_str!("../../static/attempt.js"),
        ),
        asset(
            "countdown.js",
            "text/javascript; charset=utf-8",
            include_str!("../../static/countdown.js"),
        ),
        asset(
            "awards.css",
            "text/css; charset=utf-8",
            include_str!("../../static/awards.css"),
        ),
    ]
});

/// The versioned URL of an asset, e.g. `/static/app.css?v=1a2b3c4d5e6f`.
pub fn url(name: &str) -> String {
    match ASSETS.iter().find(|a| a.name == name) {
        Some(a) => format!("/static/{}?v={}", a.name, a.hash),
        None => format!("/static/{name}"),
    }
}

/// `GET /static/{name}`.
pub async fn serve(path: web::Path<String>) -> HttpResponse {
    match ASSETS.iter().find(|a| a.name == path.as_str()) {
        Some(a) => HttpResponse::Ok()
            .content_type(a.content_type)
            .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
            .insert_header((header::ETAG, format!("\"{}\"", a.hash)))
            .body(a.body),
        None => HttpResponse::NotFound().finish(),
    }
}

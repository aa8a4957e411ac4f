//! Static assets, embedded in the binary and served with a content hash in their URL, so
//! they can be cached for a year and still change on every release.

use std::sync::LazyLock;

use actix_web::{HttpRequest, HttpResponse, web};
use sha2::{Digest, Sha256};

use crate::web::compress::Precompressed;

/// One embedded asset.
pub struct Asset {
    pub name: &'static str,
    pub content_type: &'static str,
    pub body: &'static str,
    pub hash: String,
    /// The body, compressed once (gzip and brotli) when first asked for.
    served: LazyLock<Precompressed, Box<dyn FnOnce() -> Precompressed + Send>>,
}

fn asset(name: &'static str, content_type: &'static str, body: &'static str) -> Asset {
    let hash = Sha256::digest(body.as_bytes())[..6]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    // Cached for a year: the URL changes with the content (`?v=` hash).
    let served = LazyLock::new(Box::new(move || {
        Precompressed::new(
            content_type,
            bytes::Bytes::from_static(body.as_bytes()),
            std::time::SystemTime::now(),
            "public, max-age=31536000, immutable".to_owned(),
            crate::web::compress::Effort::Best,
        )
    }) as Box<dyn FnOnce() -> Precompressed + Send>);
    Asset {
        name,
        content_type,
        body,
        hash,
        served,
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
            "favicon.svg",
            "image/svg+xml",
            include_str!("../../static/favicon.svg"),
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

/// `GET /static/{name}`: precompressed, 304 on a matching `If-None-Match`.
pub async fn serve(req: HttpRequest, path: web::Path<String>) -> HttpResponse {
    match ASSETS.iter().find(|a| a.name == path.as_str()) {
        Some(a) => a.served.respond(&req),
        None => HttpResponse::NotFound().finish(),
    }
}

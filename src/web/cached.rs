//! Public pages rendered from board snapshots once per snapshot, not once per request.
//!
//! A leaderboard page over a round's snapshot is the same for every anonymous visitor
//! until the snapshot is rebuilt, so its HTML is rendered once, compressed once (gzip and
//! brotli) and served with `ETag`, `Last-Modified` and `Cache-Control: public, max-age`
//! equal to the boards' staleness; a matching `If-None-Match` gets 304. Signed-in viewers
//! see their own navigation: they get the same rendered content inside their layout.
//!
//! A page is cached under its own key (round, category, …: everything it shows that is
//! not in the snapshots) and the ids of the snapshots it was rendered from, so a rebuilt
//! snapshot is a new entry and the old one ages out. Any page built from snapshots (the
//! results pages too) can use it: [`PageCache::key`], [`PageCache::get_or_render`],
//! [`PageCache::respond`].

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use bytes::Bytes;
use maud::{Markup, PreEscaped};

use crate::cache::TtlCache;
use crate::contest::boards::Snapshot;
use crate::error::AppError;
use crate::views::layout::{Viewer, page};
use crate::web::compress::{Effort, Precompressed};
use crate::web::pages::PageCtx;

/// What a cached page is made of: its title, its scripts, its main content.
pub struct BoardPage {
    pub title: String,
    pub scripts: &'static [&'static str],
    pub body: Markup,
}

/// A page rendered once from its snapshots.
pub struct CachedPage {
    title: String,
    scripts: &'static [&'static str],
    /// The main content, wrapped in a signed-in viewer's layout per request.
    body: String,
    /// The whole page as anonymous visitors see it, precompressed.
    public: Precompressed,
}

/// Rendered pages (and the JSON bodies of the board API) by key and snapshot ids.
pub struct PageCache {
    pages: TtlCache<String, CachedPage>,
    bodies: TtlCache<String, Precompressed>,
    cache_control: String,
}

/// Pages kept at most (each holds its HTML three times: plain, gzip, brotli).
const CAPACITY: u64 = 256;
/// JSON bodies kept at most (pages of leaderboards by category, limit and offset).
const BODY_CAPACITY: u64 = 1024;

impl PageCache {
    /// A cache for boards rebuilt every `staleness`: a snapshot is served up to twice
    /// that, and browsers may keep a page as long as the staleness.
    pub fn new(staleness: Duration) -> Self {
        let max_age = staleness.as_secs_f64().ceil() as u64;
        PageCache {
            pages: TtlCache::new(staleness.saturating_mul(2), CAPACITY),
            bodies: TtlCache::new(staleness.saturating_mul(2), BODY_CAPACITY),
            cache_control: format!("public, max-age={max_age}"),
        }
    }

    /// The cache key of page `page` rendered from `snapshots`.
    pub fn key(page: &str, snapshots: &[&Snapshot]) -> String {
        let mut key = page.to_owned();
        for s in snapshots {
            key.push_str(&format!(" #{}", s.id));
        }
        key
    }

    /// The page under `key`, or else the one `render` makes (rendered and compressed once;
    /// callers missing it together wait for one render). `Last-Modified` is the newest
    /// snapshot's build time. The page's header and footer show `site`, which is part of
    /// the key: a changed organiser or hotline is a new entry.
    pub async fn get_or_render<F>(
        &self,
        key: String,
        snapshots: &[&Snapshot],
        site: Arc<crate::site::SiteInfo>,
        render: impl Fn() -> F,
    ) -> Result<Arc<CachedPage>, AppError>
    where
        F: Future<Output = Result<BoardPage, AppError>>,
    {
        let key = format!(
            "{key} | {}|{}|{}|{}",
            site.organiser_name,
            site.province.as_deref().unwrap_or_default(),
            site.hotline.as_deref().unwrap_or_default(),
            site.contact_email.as_deref().unwrap_or_default()
        );
        let built = newest(snapshots);
        let cache_control = self.cache_control.clone();
        let rendered = std::sync::atomic::AtomicBool::new(false);
        let page = self
            .pages
            .get_or_load(key, || {
                rendered.store(true, std::sync::atomic::Ordering::Relaxed);
                let made = render();
                let cache_control = cache_control.clone();
                let site = site.clone();
                async move {
                    let made = made.await?;
                    let anonymous = Viewer::anonymous(site.clone());
                    let body = made.body.into_string();
                    let html = page(
                        &anonymous,
                        &made.title,
                        made.scripts,
                        PreEscaped(body.clone()),
                    );
                    let public = Precompressed::new(
                        "text/html; charset=utf-8",
                        Bytes::from(html.into_string()),
                        built,
                        cache_control,
                        Effort::Good,
                    );
                    Ok(CachedPage {
                        title: made.title,
                        scripts: made.scripts,
                        body,
                        public,
                    })
                }
            })
            .await;
        crate::metrics::cache_lookup(
            "board_page",
            !rendered.load(std::sync::atomic::Ordering::Relaxed),
        );
        page
    }

    /// The JSON body under `key` (see [`PageCache::key`]), or else the one `encode` makes:
    /// encoded and compressed (gzip and brotli) once per snapshot, with the validators of
    /// a public page ([`Precompressed::respond`] answers with it, or 304).
    pub async fn json(
        &self,
        key: String,
        snapshots: &[&Snapshot],
        encode: impl Fn() -> serde_json::Result<Vec<u8>>,
    ) -> Result<Arc<Precompressed>, AppError> {
        self.json_with(key, snapshots, || {
            std::future::ready(encode().map_err(|e| AppError::from(anyhow::Error::from(e))))
        })
        .await
    }

    /// [`PageCache::json`], for a body whose making reads something first (only when the
    /// body is not cached yet).
    pub async fn json_with<F>(
        &self,
        key: String,
        snapshots: &[&Snapshot],
        encode: impl Fn() -> F,
    ) -> Result<Arc<Precompressed>, AppError>
    where
        F: Future<Output = Result<Vec<u8>, AppError>>,
    {
        let built = newest(snapshots);
        let encoded = std::sync::atomic::AtomicBool::new(false);
        let body = self
            .bodies
            .get_or_load(key, || {
                encoded.store(true, std::sync::atomic::Ordering::Relaxed);
                let made = encode();
                let cache_control = self.cache_control.clone();
                async move {
                    Ok::<_, AppError>(Precompressed::new(
                        "application/json",
                        Bytes::from(made.await?),
                        built,
                        cache_control,
                        Effort::Good,
                    ))
                }
            })
            .await;
        crate::metrics::cache_lookup(
            "board_json",
            !encoded.load(std::sync::atomic::Ordering::Relaxed),
        );
        body
    }

    /// The response: an anonymous visitor gets the shared precompressed page (or 304); a
    /// signed-in viewer gets the content in their own layout, not stored by caches.
    pub fn respond(ctx: &PageCtx, req: &HttpRequest, cached: &CachedPage) -> HttpResponse {
        if ctx.viewer.user.is_none() {
            return cached.public.respond(req);
        }
        let mut response = ctx.ok(page(
            &ctx.viewer,
            &cached.title,
            cached.scripts,
            PreEscaped(cached.body.clone()),
        ));
        response.headers_mut().insert(
            header::CACHE_CONTROL,
            header::HeaderValue::from_static("private, no-cache"),
        );
        response
    }
}

/// When the newest of `snapshots` was built (`Last-Modified`).
fn newest(snapshots: &[&Snapshot]) -> SystemTime {
    snapshots
        .iter()
        .map(|s| s.built_at)
        .max()
        .unwrap_or_else(SystemTime::now)
}

/// A board's JSON answer: the shared precompressed body (or 304); not stored by shared
/// caches when the contest is not public (staff reading a draft).
pub fn respond_json(req: &HttpRequest, body: &Precompressed, public: bool) -> HttpResponse {
    let mut response = body.respond(req);
    if !public {
        response.headers_mut().insert(
            header::CACHE_CONTROL,
            header::HeaderValue::from_static("private, no-cache"),
        );
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use maud::html;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn a_page_is_rendered_once_per_snapshot() {
        let cache = PageCache::new(Duration::from_secs(1));
        let renders = AtomicUsize::new(0);
        let render = || {
            renders.fetch_add(1, Ordering::SeqCst);
            async {
                Ok(BoardPage {
                    title: "Bảng xếp hạng".into(),
                    scripts: &[],
                    body: html! { p { "Hạng 1" } },
                })
            }
        };
        let (a, b) = (Snapshot::empty(), Snapshot::empty());
        let key_a = PageCache::key("round 1 official", &[&a]);
        for _ in 0..3 {
            let page = cache
                .get_or_render(key_a.clone(), &[&a], Arc::default(), render)
                .await
                .unwrap();
            assert!(page.body.contains("Hạng 1"));
            assert!(page.public.identity.starts_with(b"<!DOCTYPE html>"));
        }
        assert_eq!(renders.load(Ordering::SeqCst), 1);
        let key_b = PageCache::key("round 1 official", &[&b]);
        assert_ne!(key_a, key_b, "a rebuilt snapshot is a new page");
        cache
            .get_or_render(key_b, &[&b], Arc::default(), render)
            .await
            .unwrap();
        assert_eq!(renders.load(Ordering::SeqCst), 2);
        assert_eq!(cache.cache_control, "public, max-age=1");
    }

    #[tokio::test]
    async fn a_json_body_is_encoded_and_compressed_once_per_snapshot() {
        let cache = PageCache::new(Duration::from_secs(1));
        let encodes = AtomicUsize::new(0);
        let encode = || {
            encodes.fetch_add(1, Ordering::SeqCst);
            serde_json::to_vec(&serde_json::json!({"entries": vec!["Hạng 1"; 50]}))
        };
        let (a, b) = (Snapshot::empty(), Snapshot::empty());
        for _ in 0..3 {
            let key = PageCache::key("round 1 leaderboard", &[&a]);
            let body = cache.json(key, &[&a], encode).await.unwrap();
            assert_eq!(body.content_type, "application/json");
            assert!(body.brotli.len() < body.identity.len());
            assert_eq!(body.cache_control, "public, max-age=1");
        }
        assert_eq!(encodes.load(Ordering::SeqCst), 1);
        let key = PageCache::key("round 1 leaderboard", &[&b]);
        cache.json(key, &[&b], encode).await.unwrap();
        assert_eq!(
            encodes.load(Ordering::SeqCst),
            2,
            "a new snapshot, a new body"
        );
    }
}

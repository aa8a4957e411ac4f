//! Response compression: brotli or gzip, negotiated from `Accept-Encoding`.
//!
//! Two paths. Bodies built per request (JSON, pages) go through [`compress`], a middleware
//! that compresses whole bodies above [`MIN_SIZE`] at a fast level, in place (a contest
//! page is a few tens of KB: cheaper than actix's `Compress`, which hands every chunk over
//! 1 KB to the blocking pool and allocates a 4 MB brotli window per response). Bodies that
//! many clients fetch unchanged — static assets, the public boards of a snapshot — are
//! compressed once at the highest levels and kept as a [`Precompressed`], which also
//! answers `If-None-Match` with 304.

use std::io::Write;
use std::time::SystemTime;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpRequest, HttpResponse};
use bytes::Bytes;

/// Bodies smaller than this are sent as they are: under a TCP segment, compression saves
/// no round trip and costs CPU on every save acknowledgement.
pub const MIN_SIZE: usize = 1024;

/// A content coding this server produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    Brotli,
    Gzip,
}

impl Coding {
    /// The `Content-Encoding` token.
    pub fn token(self) -> &'static str {
        match self {
            Coding::Brotli => "br",
            Coding::Gzip => "gzip",
        }
    }
}

/// The coding to answer with, from an `Accept-Encoding` value: the acceptable one with the
/// higher q-value, brotli on a tie (smaller); `*` covers codings not named; `q=0` refuses.
pub fn negotiate(accept_encoding: &str) -> Option<Coding> {
    let (mut br, mut gzip, mut any) = (None, None, None);
    for item in accept_encoding.split(',') {
        let mut parts = item.split(';');
        let name = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q=").or(p.trim().strip_prefix("Q=")))
            .find_map(|v| v.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        match name.as_str() {
            "br" => br = Some(q),
            "gzip" | "x-gzip" => gzip = Some(q),
            "*" => any = Some(q),
            _ => {}
        }
    }
    let br = br.or(any).unwrap_or(0.0);
    let gzip = gzip.or(any).unwrap_or(0.0);
    if br > 0.0 && br >= gzip {
        Some(Coding::Brotli)
    } else if gzip > 0.0 {
        Some(Coding::Gzip)
    } else {
        None
    }
}

/// The coding a request accepts, if any.
pub fn accepted(headers: &HeaderMap) -> Option<Coding> {
    headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .and_then(negotiate)
}

/// How hard to compress: per request (fast), once per snapshot for many readers (good:
/// a 50 KB board in a few milliseconds), once per process (best).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effort {
    Fast,
    Good,
    Best,
}

/// `body` compressed with `coding`.
pub fn encode(coding: Coding, body: &[u8], effort: Effort) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() / 4 + 64);
    match coding {
        Coding::Gzip => {
            let level = match effort {
                Effort::Fast => flate2::Compression::new(4),
                Effort::Good => flate2::Compression::new(6),
                Effort::Best => flate2::Compression::best(),
            };
            let mut gz = flate2::write::GzEncoder::new(out, level);
            // Writing to a Vec cannot fail.
            let _ = gz.write_all(body);
            out = gz.finish().unwrap_or_default();
        }
        Coding::Brotli => {
            let quality = match effort {
                Effort::Fast => 4,
                Effort::Good => 6,
                Effort::Best => 11,
            };
            // A window just large enough for the body keeps the encoder's tables small.
            let window = (usize::BITS - body.len().max(1).leading_zeros()).clamp(16, 22);
            let mut br = brotli::CompressorWriter::new(&mut out, 4096, quality, window);
            let _ = br.write_all(body);
            drop(br);
        }
    }
    out
}

/// Whether a response of this type is worth compressing (text; not images, PDFs, XLSX).
fn compressible_type(content_type: Option<&HeaderValue>) -> bool {
    let Some(t) = content_type.and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let t = t.to_ascii_lowercase();
    t.starts_with("text/")
        || t.starts_with("application/json")
        || t.starts_with("application/problem+json")
        || t.starts_with("application/javascript")
        || t.starts_with("application/xml")
        || t.starts_with("image/svg+xml")
}

/// Adds `Accept-Encoding` to the response's `Vary` (once).
fn vary(headers: &mut HeaderMap) {
    let named = headers.get_all(header::VARY).any(|v| {
        v.to_str()
            .is_ok_and(|v| v.to_ascii_lowercase().contains("accept-encoding"))
    });
    if !named {
        headers.append(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
}

/// The middleware: compresses every whole text body of [`MIN_SIZE`] or more with the
/// coding the client prefers. Responses already encoded (a [`Precompressed`]) pass as they
/// are, as do streamed bodies (downloads).
pub async fn compress(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let coding = accepted(req.headers());
    let res = next.call(req).await?;
    let eligible = !matches!(
        res.status(),
        StatusCode::NO_CONTENT | StatusCode::PARTIAL_CONTENT | StatusCode::NOT_MODIFIED
    ) && !res.headers().contains_key(header::CONTENT_ENCODING)
        && compressible_type(res.headers().get(header::CONTENT_TYPE));
    if !eligible {
        return Ok(res.map_into_boxed_body());
    }
    let (req, res) = res.into_parts();
    let (mut res, body) = res.into_parts();
    let body = match body.try_into_bytes() {
        Ok(bytes) => {
            vary(res.headers_mut());
            match coding {
                Some(coding) if bytes.len() >= MIN_SIZE => {
                    res.headers_mut().insert(
                        header::CONTENT_ENCODING,
                        HeaderValue::from_static(coding.token()),
                    );
                    BoxBody::new(Bytes::from(encode(coding, &bytes, Effort::Fast)))
                }
                _ => BoxBody::new(bytes),
            }
        }
        Err(stream) => BoxBody::new(stream),
    };
    Ok(ServiceResponse::new(req, res.set_body(body)))
}

/// A body compressed once, in every coding, with its validators: for what many clients
/// fetch unchanged (static assets, a snapshot's public board).
#[derive(Debug, Clone)]
pub struct Precompressed {
    pub content_type: &'static str,
    /// A weak validator (`W/"…"`), the same for every coding of the body.
    pub etag: String,
    pub last_modified: SystemTime,
    pub cache_control: String,
    pub identity: Bytes,
    pub gzip: Bytes,
    pub brotli: Bytes,
}

impl Precompressed {
    /// Compresses `body` (gzip and brotli) and names it by its content hash.
    pub fn new(
        content_type: &'static str,
        body: Bytes,
        last_modified: SystemTime,
        cache_control: String,
        effort: Effort,
    ) -> Self {
        use sha2::{Digest, Sha256};
        let hash: String = Sha256::digest(&body)[..12]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        Precompressed {
            content_type,
            etag: format!("W/\"{hash}\""),
            last_modified,
            cache_control,
            gzip: Bytes::from(encode(Coding::Gzip, &body, effort)),
            brotli: Bytes::from(encode(Coding::Brotli, &body, effort)),
            identity: body,
        }
    }

    /// Whether the request's `If-None-Match` names this body (weak comparison).
    pub fn not_modified(&self, req: &HttpRequest) -> bool {
        let Some(value) = req
            .headers()
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
        else {
            return false;
        };
        let ours = self.etag.trim_start_matches("W/");
        value
            .split(',')
            .map(str::trim)
            .any(|tag| tag == "*" || tag.trim_start_matches("W/") == ours)
    }

    /// The response to `req`: 304 when its `If-None-Match` matches, else the body in the
    /// coding it prefers.
    pub fn respond(&self, req: &HttpRequest) -> HttpResponse {
        let not_modified = self.not_modified(req);
        let mut response = if not_modified {
            HttpResponse::NotModified()
        } else {
            HttpResponse::Ok()
        };
        response
            .insert_header((header::ETAG, self.etag.as_str()))
            .insert_header((
                header::LAST_MODIFIED,
                header::HttpDate::from(self.last_modified),
            ))
            .insert_header((header::CACHE_CONTROL, self.cache_control.as_str()))
            .insert_header((header::VARY, "accept-encoding"));
        if not_modified {
            return response.finish();
        }
        response.content_type(self.content_type);
        let body = match accepted(req.headers()) {
            Some(coding) => {
                response.insert_header((header::CONTENT_ENCODING, coding.token()));
                match coding {
                    Coding::Brotli => self.brotli.clone(),
                    Coding::Gzip => self.gzip.clone(),
                }
            }
            None => self.identity.clone(),
        };
        response.body(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn brotli_is_preferred_and_q_values_and_wildcards_are_honoured() {
        assert_eq!(negotiate("gzip, deflate, br, zstd"), Some(Coding::Brotli));
        assert_eq!(negotiate("gzip"), Some(Coding::Gzip));
        assert_eq!(negotiate("br;q=0.5, gzip"), Some(Coding::Gzip));
        assert_eq!(negotiate("br;q=0, gzip;q=0.1"), Some(Coding::Gzip));
        assert_eq!(negotiate("*"), Some(Coding::Brotli));
        assert_eq!(negotiate("*;q=0.5, br;q=0"), Some(Coding::Gzip));
        assert_eq!(negotiate("identity"), None);
        assert_eq!(negotiate("gzip;q=0, br;q=0"), None);
        assert_eq!(negotiate(""), None);
    }

    #[test]
    fn both_codings_give_back_the_body() {
        let body = "Bảng xếp hạng — Nguyễn Văn An 10/10 ".repeat(200);
        let gz = encode(Coding::Gzip, body.as_bytes(), Effort::Fast);
        let mut out = String::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, body);
        let br = encode(Coding::Brotli, body.as_bytes(), Effort::Best);
        let mut out = String::new();
        brotli::Decompressor::new(&br[..], 4096)
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, body);
        assert!(br.len() * 10 < body.len(), "repetitive text shrinks");
    }

    proptest::proptest! {
        #[test]
        fn any_body_round_trips_through_brotli(body in proptest::collection::vec(0u8..=255, 0..5000)) {
            let br = encode(Coding::Brotli, &body, Effort::Fast);
            let mut out = Vec::new();
            brotli::Decompressor::new(&br[..], 4096).read_to_end(&mut out).unwrap();
            proptest::prop_assert_eq!(out, body);
        }
    }

    #[test]
    fn a_matching_if_none_match_is_not_modified() {
        let p = Precompressed::new(
            "text/html; charset=utf-8",
            Bytes::from_static(b"<p>x</p>"),
            SystemTime::UNIX_EPOCH,
            "public, max-age=1".into(),
            Effort::Fast,
        );
        let req = |v: &str| {
            actix_web::test::TestRequest::default()
                .insert_header((header::IF_NONE_MATCH, v))
                .to_http_request()
        };
        let bare = p.etag.trim_start_matches("W/").to_owned();
        assert!(p.not_modified(&req(&p.etag)));
        assert!(p.not_modified(&req(&bare)));
        assert!(p.not_modified(&req(&format!("\"other\", {}", p.etag))));
        assert!(!p.not_modified(&req("\"other\"")));
        assert_eq!(p.respond(&req(&p.etag)).status(), StatusCode::NOT_MODIFIED);
        assert_eq!(p.respond(&req("\"other\"")).status(), StatusCode::OK);
    }
}

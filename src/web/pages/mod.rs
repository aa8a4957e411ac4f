//! Server-rendered pages (maud): the participant's side of the contest. They work without
//! JavaScript; forms carry a CSRF token checked against a cookie (double submit).

pub mod admin;
pub mod attempt;
pub mod auth;
pub mod awards;
pub mod help;
pub mod items;
pub mod judge;
pub mod organiser;
pub mod profile;
pub mod public;
pub mod recovery;
pub mod results;

use std::future::Future;
use std::pin::Pin;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::{StatusCode, header};
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError, dev::Payload, web};
use base64::Engine;
use rand::RngCore;

use crate::error::AppError;
use crate::state::AppState;
use crate::views::layout::{self, Viewer};
use crate::web::extract::{Anyone, Guard, authenticate};

/// The cookie holding the CSRF token.
pub const CSRF_COOKIE: &str = "cuocthi_csrf";
/// Its name when cookies are `Secure` (`--secure-cookies`): browsers accept a `__Host-`
/// cookie only if it is `Secure`, has `Path=/` and no `Domain`, so a sibling subdomain or
/// a plain-HTTP page cannot plant a token of its choosing (issue #13).
pub const SECURE_CSRF_COOKIE: &str = "__Host-cuocthi_csrf";

/// The CSRF cookie's name for these settings.
pub fn csrf_cookie(secure: bool) -> &'static str {
    if secure {
        SECURE_CSRF_COOKIE
    } else {
        CSRF_COOKIE
    }
}

/// A page's request as its handler sees it: the viewer (for the layout and the forms'
/// CSRF token, a fresh one set as a cookie when the browser has none) and the caller the
/// guard `G` let through. `PageCtx<Organiser>` in a handler's signature says who may open
/// the page, as the API's role extractors do: nobody signed in is sent to the login page,
/// a role the guard does not admit gets the 403 page.
pub struct PageCtx<G: Guard = Anyone> {
    pub viewer: Viewer,
    /// The caller: `Option<AuthUser>` on public pages, the signed-in `AuthUser` on guarded
    /// ones.
    pub user: G::Caller,
    new_csrf: bool,
    secure: bool,
}

impl PageCtx {
    /// The request's viewer, signed in or not. A token that fails to authenticate
    /// (expired, logged out, voided) makes an anonymous viewer: the page then asks to log
    /// in rather than showing an error.
    async fn of(req: HttpRequest) -> Self {
        let user = authenticate(req.clone()).await.ok();
        let state = req.app_data::<web::Data<AppState>>();
        let secure = state.is_some_and(|s| s.settings.secure_cookies);
        let site = site_of(state).await;
        let existing = req
            .cookie(csrf_cookie(secure))
            .map(|c| c.value().to_owned())
            .filter(|v| v.len() >= 32);
        let new_csrf = existing.is_none();
        let csrf = existing.unwrap_or_else(|| {
            let mut bytes = [0u8; 32];
            rand::rng().fill_bytes(&mut bytes);
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
        });
        PageCtx {
            viewer: Viewer {
                user: user.as_ref().map(|u| (u.user.full_name.clone(), u.role)),
                csrf,
                site,
            },
            user,
            new_csrf,
            secure,
        }
    }

    /// The same request behind guard `G`, or its refusal.
    fn admit<G: Guard>(self) -> Result<PageCtx<G>, Refused> {
        match G::admit(self.user.clone()) {
            Ok(user) => Ok(PageCtx {
                viewer: self.viewer,
                user,
                new_csrf: self.new_csrf,
                secure: self.secure,
            }),
            Err(error) => Err(Refused {
                ctx: Box::new(self),
                error: error.into(),
            }),
        }
    }
}

impl<G: Guard + 'static> FromRequest for PageCtx<G> {
    type Error = Refused;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { PageCtx::of(req).await.admit::<G>() })
    }
}

/// A page's guard said no. It answers as the page would have: the login page for nobody
/// signed in, the 403 page for the wrong role. It keeps the request's viewer for the forms
/// that check their CSRF token before the guard answers ([`csrf_first`]).
pub struct Refused {
    ctx: Box<PageCtx>,
    error: PageError,
}

impl std::fmt::Debug for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Refused").field(&self.error).finish()
    }
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.error.fmt(f)
    }
}

impl ResponseError for Refused {
    fn status_code(&self) -> StatusCode {
        self.error.status_code()
    }

    fn error_response(&self) -> HttpResponse {
        self.error.error_response()
    }
}

/// Checks a form's CSRF token before the guard's answer, for the participant's forms
/// (start a round, save an attempt): a forged post is refused as forged, 403, whoever
/// sends it, signed in or not. Their handlers take `Result<PageCtx<G>, Refused>` so the
/// guard waits for this check.
pub fn csrf_first<G: Guard>(
    ctx: Result<PageCtx<G>, Refused>,
    submitted: &str,
) -> Result<PageCtx<G>, PageError> {
    match ctx {
        Ok(ctx) => ctx.check_csrf(submitted).map(|()| ctx),
        Err(refused) => {
            refused.ctx.check_csrf(submitted)?;
            Err(refused.error)
        }
    }
}

impl<G: Guard> PageCtx<G> {
    /// An HTML response, setting the CSRF cookie when it is new.
    pub fn html(&self, status: StatusCode, markup: maud::Markup) -> HttpResponse {
        let mut response = HttpResponse::build(status);
        response.content_type("text/html; charset=utf-8");
        if self.new_csrf {
            response.cookie(
                Cookie::build(csrf_cookie(self.secure), self.viewer.csrf.clone())
                    .path("/")
                    .http_only(true)
                    .same_site(SameSite::Strict)
                    .secure(self.secure)
                    .finish(),
            );
        }
        response.body(markup.into_string())
    }

    /// A 200 page.
    pub fn ok(&self, markup: maud::Markup) -> HttpResponse {
        self.html(StatusCode::OK, markup)
    }

    /// Checks a form's CSRF token against the cookie (constant time).
    pub fn check_csrf(&self, submitted: &str) -> Result<(), PageError> {
        let expected = self.viewer.csrf.as_bytes();
        let same = !self.new_csrf
            && bool::from(subtle::ConstantTimeEq::ct_eq(
                expected,
                submitted.as_bytes(),
            ));
        if same { Ok(()) } else { Err(PageError::csrf()) }
    }

    /// Reads an uploaded form (multipart: its fields and its file) and checks its CSRF
    /// field before anything in it is used.
    pub async fn read_upload(
        &self,
        req: &HttpRequest,
        payload: web::Payload,
    ) -> Result<crate::web::upload::Upload, PageError> {
        let upload = crate::web::upload::read(req, payload).await?;
        self.check_csrf(
            upload
                .fields
                .get("csrf")
                .map(String::as_str)
                .unwrap_or_default(),
        )?;
        Ok(upload)
    }
}

/// The site's identity for a page's header and footer. A failed read (the database is
/// down) still renders the page, with the defaults: an error page must not fail itself.
pub async fn site_of(state: Option<&web::Data<AppState>>) -> std::sync::Arc<crate::site::SiteInfo> {
    match state {
        Some(state) => state.site().await.unwrap_or_else(|e| {
            tracing::warn!(error = %e.log_text(), "site settings unreadable, defaults shown");
            std::sync::Arc::default()
        }),
        None => std::sync::Arc::default(),
    }
}

/// A redirect after a form post (303, so the browser follows with GET).
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location.to_owned()))
        .finish()
}

/// An error on a page: rendered as an HTML page (or a redirect to log in).
#[derive(Debug)]
pub struct PageError(pub AppError);

impl PageError {
    fn csrf() -> Self {
        PageError(AppError::conflict(
            "csrf",
            "Biểu mẫu đã hết hạn hoặc không hợp lệ. Vui lòng tải lại trang và thử lại.",
        ))
    }
}

impl std::fmt::Display for PageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl From<AppError> for PageError {
    fn from(e: AppError) -> Self {
        PageError(e)
    }
}

impl From<sea_orm::DbErr> for PageError {
    fn from(e: sea_orm::DbErr) -> Self {
        PageError(AppError::Db(e))
    }
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        match &self.0 {
            AppError::Conflict { code: "csrf", .. } => StatusCode::FORBIDDEN,
            other => other.status_code(),
        }
    }

    fn error_response(&self) -> HttpResponse {
        if matches!(self.0, AppError::Unauthorized) {
            return see_other("/login");
        }
        if self.status_code().is_server_error() {
            tracing::error!(error = %self.0.log_text(), "page failed");
        }
        let page = ErrorPage {
            title: error_title(self.status_code()),
            message: self.0.message(),
        };
        // Rendered here for nobody in particular; [`error_layout`] renders it again in
        // the request's own layout (the signed-in header, the site's identity).
        let viewer = Viewer::anonymous(std::sync::Arc::default());
        let mut response = HttpResponse::build(self.status_code());
        if let AppError::TooManyRequests { retry_after_secs } = &self.0 {
            response.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
        }
        let mut response = response
            .content_type("text/html; charset=utf-8")
            .body(layout::message(&viewer, page.title, &page.message).into_string());
        response.extensions_mut().insert(page);
        response
    }
}

/// The heading of an error page for its status.
fn error_title(status: StatusCode) -> &'static str {
    match status {
        StatusCode::NOT_FOUND => "Không tìm thấy trang",
        StatusCode::FORBIDDEN => "Không có quyền truy cập",
        s if s.is_server_error() => "Hệ thống gặp sự cố",
        _ => "Không thực hiện được",
    }
}

/// What an HTML error page says, left on its response for [`error_layout`].
#[derive(Debug, Clone)]
struct ErrorPage {
    title: &'static str,
    message: String,
}

/// Renders every HTML error page (403, 404, 409, 500 …) in the request's own layout: the
/// signed-in person keeps their name, their console links and the way to log out, and
/// every visitor sees the site's identity. `ResponseError` has no request and cannot wait
/// for the session check, so the page is made again here, where both are at hand.
pub async fn error_layout(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<actix_web::body::BoxBody>,
) -> Result<actix_web::dev::ServiceResponse, actix_web::Error> {
    let res = next.call(req).await?;
    let Some(page) = res.response().extensions().get::<ErrorPage>().cloned() else {
        return Ok(res);
    };
    let status = res.status();
    let retry_after = res.headers().get(header::RETRY_AFTER).cloned();
    // The request is shared only now the inner services are done with it (they need it
    // unshared while routing).
    let http = res.request().clone();
    drop(res);
    let ctx = PageCtx::of(http.clone()).await;
    let mut response = ctx.html(
        status,
        layout::message(&ctx.viewer, page.title, &page.message),
    );
    if let Some(value) = retry_after {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    Ok(actix_web::dev::ServiceResponse::new(http, response))
}

/// A page result.
pub type PageResult = Result<HttpResponse, PageError>;

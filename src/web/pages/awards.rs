//! Award pages (issue #17): the public results of a round or a contest, the certificate
//! verification page, and the staff's list and its printable version for signing.

use actix_web::{HttpRequest, web};

use super::{PageCtx, PageResult};
use crate::awards::workflow::{self, Scope};
use crate::error::AppError;
use crate::state::AppState;
use crate::views::awards as views;
use crate::web::extract::Staff;

/// The site's public address, without a trailing slash: `CUOCTHI_PUBLIC_URL` when set
/// (behind a proxy it is the only trustworthy one), else the scheme and host the request
/// came to. Certificates' QR codes and the share cards' URLs start with it.
pub fn public_base(req: &HttpRequest, state: &AppState) -> String {
    if let Some(mail) = &state.settings.mail {
        return mail.public_url.trim_end_matches('/').to_owned();
    }
    let info = req.connection_info();
    format!("{}://{}", info.scheme(), info.host())
}

async fn results(ctx: PageCtx, req: HttpRequest, state: &AppState, scope: Scope) -> PageResult {
    let list = workflow::public(&state.db.read, &scope).await?;
    let url = format!("{}{}", public_base(&req, state), req.path());
    Ok(ctx.ok(views::results_page(&ctx.viewer, &list, &url)))
}

/// `GET /ket-qua/vong/{id}` — a round's published award list (404 until published).
pub async fn round_results(
    ctx: PageCtx,
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> PageResult {
    let scope = Scope::of_round(&state.db.read, path.into_inner()).await?;
    results(ctx, req, &state, scope).await
}

/// `GET /ket-qua/cuoc-thi/{id}` — a contest's published award list.
pub async fn contest_results(
    ctx: PageCtx,
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> PageResult {
    let scope = Scope::of_contest(&state.db.read, path.into_inner()).await?;
    results(ctx, req, &state, scope).await
}

/// `GET /xac-minh/{code}` — verifies a certificate; 404 for an unknown code.
pub async fn verify(
    ctx: PageCtx,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> PageResult {
    let cert = workflow::certificate(&state.db.read, &path.into_inner()).await?;
    if !crate::contest::lifecycle::visible_to(
        crate::contest::load_contest(&state.db.read, cert.contest_id)
            .await?
            .status,
        None,
    ) {
        return Err(AppError::NotFound.into());
    }
    Ok(ctx.ok(views::verify_page(&ctx.viewer, &cert)))
}

async fn staff_list(
    ctx: PageCtx<Staff>,
    state: &AppState,
    scope: Scope,
    print: bool,
) -> PageResult {
    let base = match &scope {
        Scope::Round { round, .. } => format!("/judge/rounds/{}", round.id),
        Scope::Contest(c) => format!("/judge/contests/{}", c.id),
    };
    match workflow::current(&state.db.read, &state.engine, &scope, None).await {
        Ok(list) if print => Ok(ctx.ok(views::print_sheet(&list))),
        Ok(list) => Ok(ctx.ok(views::staff_page(&ctx.viewer, &list, &base))),
        Err(AppError::NotFound) => Ok(ctx.ok(views::no_list(
            &ctx.viewer,
            &format!("Danh sách giải — {}", scope.title()),
        ))),
        Err(e) => Err(e.into()),
    }
}

/// `GET /judge/rounds/{id}/giai` — the round's award list for staff.
pub async fn round_list(
    ctx: PageCtx<Staff>,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> PageResult {
    let scope = Scope::of_round(&state.db.read, path.into_inner()).await?;
    staff_list(ctx, &state, scope, false).await
}

/// `GET /judge/contests/{id}/giai` — the contest's award list for staff.
pub async fn contest_list(
    ctx: PageCtx<Staff>,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> PageResult {
    let scope = Scope::of_contest(&state.db.read, path.into_inner()).await?;
    staff_list(ctx, &state, scope, false).await
}

/// `GET /judge/rounds/{id}/giai/in` — the round's list, printable (A4) for signing.
pub async fn round_print(
    ctx: PageCtx<Staff>,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> PageResult {
    let scope = Scope::of_round(&state.db.read, path.into_inner()).await?;
    staff_list(ctx, &state, scope, true).await
}

/// `GET /judge/contests/{id}/giai/in` — the contest's list, printable (A4) for signing.
pub async fn contest_print(
    ctx: PageCtx<Staff>,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> PageResult {
    let scope = Scope::of_contest(&state.db.read, path.into_inner()).await?;
    staff_list(ctx, &state, scope, true).await
}

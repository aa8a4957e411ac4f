//! Award pages (issue #17): the public results of a round or a contest, the certificate
//! verification page, and the staff's list and its printable version for signing.

use actix_web::{HttpRequest, web};
use serde::Deserialize;

use super::{PageCtx, PageResult, see_other};
use crate::awards::workflow::{self, ExclusionSpec, Scope, UnpublishSpec};
use crate::error::AppError;
use crate::state::AppState;
use crate::views::award_review::{self as review, Shown};
use crate::views::awards as views;
use crate::web::extract::{Organiser, Staff};

/// The site's public address, without a trailing slash: `CUOCTHI_PUBLIC_URL` when set
/// (behind a proxy it is the only trustworthy one), else the scheme and host the request
/// came to. Certificates' QR codes and the share cards' URLs start with it.
pub fn public_base(req: &HttpRequest, state: &AppState) -> String {
    if let Some(url) = &state.settings.public_url {
        return url.clone();
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

/// `?xong=`: the action a form just completed, said on the page it returns to.
#[derive(Debug, Deserialize)]
pub struct DoneQuery {
    pub xong: Option<String>,
}

fn staff_base(scope: &Scope) -> String {
    match scope {
        Scope::Round { round, .. } => format!("/judge/rounds/{}", round.id),
        Scope::Contest(c) => format!("/judge/contests/{}", c.id),
    }
}

async fn staff_list(
    ctx: PageCtx<Staff>,
    state: &AppState,
    scope: Scope,
    print: bool,
    shown: Option<Shown>,
) -> PageResult {
    let base = staff_base(&scope);
    let status = match &shown {
        Some(Shown::Error(e)) => actix_web::ResponseError::status_code(e),
        _ => actix_web::http::StatusCode::OK,
    };
    let page = match workflow::current(&state.db.read, &state.engine, &scope, None).await {
        Ok(list) if print => views::print_sheet(&list),
        Ok(list) => review::staff_page(&ctx.viewer, &list, &base, shown.as_ref()),
        Err(AppError::NotFound) => review::no_list(
            &ctx.viewer,
            &format!("Danh sách giải — {}", scope.title()),
            &base,
            shown.as_ref(),
        ),
        Err(e) => return Err(e.into()),
    };
    Ok(ctx.html(status, page))
}

/// A form of the staff's list page: which action, and what it needs.
#[derive(Debug, Deserialize)]
pub struct AwardAction {
    pub csrf: String,
    /// `propose`, `exclude`, `restore`, `publish` or `unpublish`.
    pub action: String,
    pub participant_id: Option<i64>,
    #[serde(default)]
    pub reason: String,
    /// The publish form's "I have checked the list" box.
    pub confirm: Option<String>,
}

/// Runs one action of the award workflow for the signed-in staff member. Publishing and
/// unpublishing are the organiser's; proposing and reviewing are the judges' too.
async fn run(
    state: &AppState,
    scope: &Scope,
    form: &AwardAction,
    actor: &crate::web::extract::AuthUser,
) -> Result<(), AppError> {
    let db = &state.db.write;
    let id = Some(actor.user.id);
    let organiser = Organiser::admits(actor.role);
    match form.action.as_str() {
        "propose" => workflow::generate(db, &state.engine, scope, id)
            .await
            .map(drop),
        "exclude" => {
            let participant_id = form.participant_id.ok_or(AppError::NotFound)?;
            let spec = ExclusionSpec {
                participant_id,
                reason: form.reason.clone(),
            };
            workflow::exclude(db, &state.engine, scope, spec, id)
                .await
                .map(drop)
        }
        "restore" => {
            let participant_id = form.participant_id.ok_or(AppError::NotFound)?;
            workflow::restore(db, &state.engine, scope, participant_id, id)
                .await
                .map(drop)
        }
        "publish" | "unpublish" if !organiser => Err(AppError::Forbidden),
        "publish" if form.confirm.is_none() => Err(AppError::field(
            "confirm",
            "Hãy đánh dấu ô xác nhận đã kiểm tra danh sách trước khi công bố.",
        )),
        "publish" => workflow::publish(db, scope, id).await.map(drop),
        "unpublish" => {
            let spec = UnpublishSpec {
                reason: form.reason.clone(),
            };
            workflow::unpublish(db, scope, spec, id).await.map(drop)
        }
        _ => Err(AppError::bad_request(
            "unknown_action",
            "Thao tác không hợp lệ.",
        )),
    }
}

/// A form post on the staff's list page: done → back to the page with what was done;
/// refused (no reason, already published…) → the page again with the reason, in its
/// status; not allowed → the 403 page.
async fn act(ctx: PageCtx<Staff>, state: &AppState, scope: Scope, form: AwardAction) -> PageResult {
    ctx.check_csrf(&form.csrf)?;
    match run(state, &scope, &form, &ctx.user).await {
        Ok(()) => Ok(see_other(&format!(
            "{}/giai?xong={}",
            staff_base(&scope),
            form.action
        ))),
        Err(e)
            if e.status_code_is_client()
                && !matches!(
                    e,
                    AppError::Forbidden | AppError::Unauthorized | AppError::NotFound
                ) =>
        {
            staff_list(ctx, state, scope, false, Some(Shown::Error(e))).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /judge/rounds/{id}/giai` — an action on the round's list (see [`AwardAction`]).
pub async fn round_act(
    ctx: PageCtx<Staff>,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<AwardAction>,
) -> PageResult {
    let scope = Scope::of_round(&state.db.read, path.into_inner()).await?;
    act(ctx, &state, scope, form.into_inner()).await
}

/// `POST /judge/contests/{id}/giai` — an action on the contest's list.
pub async fn contest_act(
    ctx: PageCtx<Staff>,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<AwardAction>,
) -> PageResult {
    let scope = Scope::of_contest(&state.db.read, path.into_inner()).await?;
    act(ctx, &state, scope, form.into_inner()).await
}

/// `GET /judge/rounds/{id}/giai` — the round's award list for staff.
pub async fn round_list(
    ctx: PageCtx<Staff>,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    query: web::Query<DoneQuery>,
) -> PageResult {
    let scope = Scope::of_round(&state.db.read, path.into_inner()).await?;
    let shown = Shown::done(query.xong.as_deref());
    staff_list(ctx, &state, scope, false, shown).await
}

/// `GET /judge/contests/{id}/giai` — the contest's award list for staff.
pub async fn contest_list(
    ctx: PageCtx<Staff>,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    query: web::Query<DoneQuery>,
) -> PageResult {
    let scope = Scope::of_contest(&state.db.read, path.into_inner()).await?;
    let shown = Shown::done(query.xong.as_deref());
    staff_list(ctx, &state, scope, false, shown).await
}

/// `GET /judge/rounds/{id}/giai/in` — the round's list, printable (A4) for signing.
pub async fn round_print(
    ctx: PageCtx<Staff>,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> PageResult {
    let scope = Scope::of_round(&state.db.read, path.into_inner()).await?;
    staff_list(ctx, &state, scope, true, None).await
}

/// `GET /judge/contests/{id}/giai/in` — the contest's list, printable (A4) for signing.
pub async fn contest_print(
    ctx: PageCtx<Staff>,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> PageResult {
    let scope = Scope::of_contest(&state.db.read, path.into_inner()).await?;
    staff_list(ctx, &state, scope, true, None).await
}

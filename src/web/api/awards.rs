//! Prizes (issue #17): the contest's prize plan, the award workflow of a round and of a
//! whole contest (propose, exclude, publish, unpublish), and the published lists as the
//! public reads them. Handlers only translate HTTP: the rules live in `awards::workflow`.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::awards::plan::PrizePlan;
use crate::awards::workflow::{
    self, AwardListView, ExclusionSpec, PublicAwards, Scope, UnpublishSpec,
};
use crate::error::{AppError, Result};
use crate::state::AppState;
use crate::web::extract::{Organiser, Staff};

/// The plan with its rules stated in Vietnamese (`GET/PUT …/prize-plan`): the fields of
/// [`PrizePlan`] spelled out (the request schema refuses unknown fields, so a flattened
/// one would refuse `rules` too), then the rules.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct PlanView {
    pub individual: Vec<crate::awards::plan::PrizeCount>,
    pub one_per_person: bool,
    pub min_score: i64,
    pub collective: crate::awards::plan::CollectivePlan,
    pub organiser: Option<String>,
    pub signer: Option<String>,
    pub participation: Option<crate::awards::plan::ParticipationPlan>,
    /// The plan's rules, in Vietnamese (which tie-breaks, which optional rules apply).
    pub rules: Vec<String>,
}

fn plan_view(plan: PrizePlan) -> PlanView {
    let rules = plan.rules_vi();
    let PrizePlan {
        individual,
        one_per_person,
        min_score,
        collective,
        organiser,
        signer,
        participation,
    } = plan;
    PlanView {
        individual,
        one_per_person,
        min_score,
        collective,
        organiser,
        signer,
        participation,
        rules,
    }
}

/// `?version=`: an earlier version of a list (an unpublished one stays readable).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VersionQuery {
    pub version: Option<i32>,
}

#[utoipa::path(
    put, path = "/api/v1/contests/{id}/prize-plan", tag = "awards",
    params(("id" = i64, Path, example = 1, description = "Contest id")),
    request_body = PrizePlan,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The plan as stored", body = PlanView),
        crate::error::JsonBodyErrors,
        crate::error::AuthErrors,
        crate::error::NotFoundError,
        (status = 422, description = "Invalid fields (`invalid`)", body = crate::error::ErrorBody),
    )
)]
/// `PUT /api/v1/contests/{id}/prize-plan` — sets the contest's prize plan.
#[tracing::instrument(skip_all, fields(user.id = organiser.0.id()))]
pub async fn put_plan(
    organiser: Organiser,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    body: web::Json<PrizePlan>,
) -> Result<HttpResponse> {
    let plan = workflow::put_plan(
        &state.db.write,
        path.into_inner(),
        body.into_inner(),
        Some(organiser.0.id()),
    )
    .await?;
    Ok(HttpResponse::Ok().json(plan_view(plan)))
}

#[utoipa::path(
    get, path = "/api/v1/contests/{id}/prize-plan", tag = "awards",
    params(("id" = i64, Path, example = 1, description = "Contest id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The plan", body = PlanView),
        crate::error::AuthErrors,
        crate::error::NotFoundError,
    )
)]
/// `GET /api/v1/contests/{id}/prize-plan` — the contest's prize plan (404 when unset).
pub async fn get_plan(
    _staff: Staff,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse> {
    let id = path.into_inner();
    crate::contest::load_contest(&state.db.read, id).await?;
    let plan = workflow::load_plan(&state.db.read, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(HttpResponse::Ok().json(plan_view(plan)))
}

/// Which list a path names: `/rounds/{id}/awards…` or `/contests/{id}/awards…`.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Round,
    Contest,
}

async fn scope(state: &AppState, kind: Kind, id: i64) -> Result<Scope> {
    match kind {
        Kind::Round => Scope::of_round(&state.db.write, id).await,
        Kind::Contest => Scope::of_contest(&state.db.write, id).await,
    }
}

async fn propose(state: &AppState, kind: Kind, id: i64, actor: i64) -> Result<HttpResponse> {
    let scope = scope(state, kind, id).await?;
    let list = workflow::generate(&state.db.write, &state.engine, &scope, Some(actor)).await?;
    Ok(HttpResponse::Created().json(list))
}

async fn show(state: &AppState, kind: Kind, id: i64, version: Option<i32>) -> Result<HttpResponse> {
    let scope = scope(state, kind, id).await?;
    let list = workflow::current(&state.db.write, &state.engine, &scope, version).await?;
    Ok(HttpResponse::Ok().json(list))
}

async fn exclude(
    state: &AppState,
    kind: Kind,
    id: i64,
    spec: ExclusionSpec,
    actor: i64,
) -> Result<HttpResponse> {
    let scope = scope(state, kind, id).await?;
    let list = workflow::exclude(&state.db.write, &state.engine, &scope, spec, Some(actor)).await?;
    Ok(HttpResponse::Ok().json(list))
}

async fn restore(
    state: &AppState,
    kind: Kind,
    (id, participant_id): (i64, i64),
    actor: i64,
) -> Result<HttpResponse> {
    let scope = scope(state, kind, id).await?;
    let list = workflow::restore(
        &state.db.write,
        &state.engine,
        &scope,
        participant_id,
        Some(actor),
    )
    .await?;
    Ok(HttpResponse::Ok().json(list))
}

async fn publish(state: &AppState, kind: Kind, id: i64, actor: i64) -> Result<HttpResponse> {
    let scope = scope(state, kind, id).await?;
    let list = workflow::publish(&state.db.write, &scope, Some(actor)).await?;
    Ok(HttpResponse::Ok().json(list))
}

async fn unpublish(
    state: &AppState,
    kind: Kind,
    id: i64,
    spec: UnpublishSpec,
    actor: i64,
) -> Result<HttpResponse> {
    let scope = scope(state, kind, id).await?;
    let list = workflow::unpublish(&state.db.write, &scope, spec, Some(actor)).await?;
    Ok(HttpResponse::Ok().json(list))
}

async fn public(state: &AppState, kind: Kind, id: i64) -> Result<HttpResponse> {
    let scope = match kind {
        Kind::Round => Scope::of_round(&state.db.read, id).await?,
        Kind::Contest => Scope::of_contest(&state.db.read, id).await?,
    };
    let list: PublicAwards = workflow::public(&state.db.read, &scope).await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Defines the handlers of one kind of list (round or contest), each documented.
macro_rules! list_handlers {
    ($kind:expr, $what:literal, $prefix:literal,
     $propose:ident, $show:ident, $exclude:ident, $restore:ident, $publish:ident, $unpublish:ident, $public:ident) => {
        #[utoipa::path(
            post, path = concat!("/api/v1/", $prefix, "/{id}/awards"), tag = "awards",
            params(("id" = i64, Path, example = 1, description = $what)),
            security(("bearer" = [])),
            responses(
                (status = 201, description = "The proposed list", body = AwardListView),
                crate::error::AuthErrors,
                crate::error::NotFoundError,
                (status = 409, description = "Not settled (`round_not_settled`, `contest_not_settled`), a practice round (`round_not_ranked`), no plan (`no_prize_plan`), or already published (`awards_published`)", body = crate::error::ErrorBody),
            )
        )]
        /// Proposes the list from the ranking and the plan (judges and organisers).
        #[tracing::instrument(skip_all, fields(user.id = staff.0.id()))]
        pub async fn $propose(
            staff: Staff,
            state: web::Data<AppState>,
            path: web::Path<i64>,
        ) -> Result<HttpResponse> {
            propose(&state, $kind, path.into_inner(), staff.0.id()).await
        }

        #[utoipa::path(
            get, path = concat!("/api/v1/", $prefix, "/{id}/awards"), tag = "awards",
            params(("id" = i64, Path, example = 1, description = $what), VersionQuery),
            security(("bearer" = [])),
            responses(
                (status = 200, description = "The current list (or `version`), with `differs_from_ranking` when a published list no longer matches the ranking", body = AwardListView),
                crate::error::AuthErrors,
                crate::error::NotFoundError,
            )
        )]
        /// The current list, for staff.
        pub async fn $show(
            _staff: Staff,
            state: web::Data<AppState>,
            path: web::Path<i64>,
            query: web::Query<VersionQuery>,
        ) -> Result<HttpResponse> {
            show(&state, $kind, path.into_inner(), query.version).await
        }

        #[utoipa::path(
            post, path = concat!("/api/v1/", $prefix, "/{id}/awards/exclusions"), tag = "awards",
            params(("id" = i64, Path, example = 1, description = $what)),
            request_body = ExclusionSpec,
            security(("bearer" = [])),
            responses(
                (status = 200, description = "The list again: the next eligible person promoted", body = AwardListView),
                crate::error::JsonBodyErrors,
                crate::error::AuthErrors,
                crate::error::NotFoundError,
                (status = 409, description = "No proposal (`no_proposal`) or already published (`awards_published`)", body = crate::error::ErrorBody),
                (status = 422, description = "No reason (`invalid`), or a person not in the list (`not_in_list`)", body = crate::error::ErrorBody),
            )
        )]
        /// Excludes a person from the proposed list, with a reason.
        #[tracing::instrument(skip_all, fields(user.id = staff.0.id()))]
        pub async fn $exclude(
            staff: Staff,
            state: web::Data<AppState>,
            path: web::Path<i64>,
            body: web::Json<ExclusionSpec>,
        ) -> Result<HttpResponse> {
            exclude(&state, $kind, path.into_inner(), body.into_inner(), staff.0.id()).await
        }

        #[utoipa::path(
            delete, path = concat!("/api/v1/", $prefix, "/{id}/awards/exclusions/{participant_id}"), tag = "awards",
            params(
                ("id" = i64, Path, example = 1, description = $what),
                ("participant_id" = i64, Path, example = 1, description = "The excluded person"),
            ),
            security(("bearer" = [])),
            responses(
                (status = 200, description = "The list again: the exclusion withdrawn, the person back where the ranking puts them", body = AwardListView),
                crate::error::AuthErrors,
                (status = 404, description = "No such scope, or the person is not excluded (`not_found`)", body = crate::error::ErrorBody),
                (status = 409, description = "No proposal (`no_proposal`), no plan (`no_prize_plan`) or already published (`awards_published`)", body = crate::error::ErrorBody),
            )
        )]
        #[tracing::instrument(skip_all, fields(user.id = staff.0.id()))]
        pub async fn $restore(
            staff: Staff,
            state: web::Data<AppState>,
            path: web::Path<(i64, i64)>,
        ) -> Result<HttpResponse> {
            restore(&state, $kind, path.into_inner(), staff.0.id()).await
        }

        #[utoipa::path(
            post, path = concat!("/api/v1/", $prefix, "/{id}/awards/publish"), tag = "awards",
            params(("id" = i64, Path, example = 1, description = $what)),
            security(("bearer" = [])),
            responses(
                (status = 200, description = "Published: frozen, with its digest and certificate codes", body = AwardListView),
                crate::error::AuthErrors,
                crate::error::NotFoundError,
                (status = 409, description = "No proposal (`no_proposal`), no plan (`no_prize_plan`) or already published (`awards_published`)", body = crate::error::ErrorBody),
            )
        )]
        /// Approves and publishes the proposed list (organisers).
        #[tracing::instrument(skip_all, fields(user.id = organiser.0.id()))]
        pub async fn $publish(
            organiser: Organiser,
            state: web::Data<AppState>,
            path: web::Path<i64>,
        ) -> Result<HttpResponse> {
            publish(&state, $kind, path.into_inner(), organiser.0.id()).await
        }

        #[utoipa::path(
            post, path = concat!("/api/v1/", $prefix, "/{id}/awards/unpublish"), tag = "awards",
            params(("id" = i64, Path, example = 1, description = $what)),
            request_body = UnpublishSpec,
            security(("bearer" = [])),
            responses(
                (status = 200, description = "Withdrawn; the version stays readable to staff", body = AwardListView),
                crate::error::JsonBodyErrors,
                crate::error::AuthErrors,
                crate::error::NotFoundError,
                (status = 409, description = "Not published (`not_published`), or no plan (`no_prize_plan`)", body = crate::error::ErrorBody),
                (status = 422, description = "No reason (`invalid`)", body = crate::error::ErrorBody),
            )
        )]
        /// Withdraws the published list (organisers), with a reason.
        #[tracing::instrument(skip_all, fields(user.id = organiser.0.id()))]
        pub async fn $unpublish(
            organiser: Organiser,
            state: web::Data<AppState>,
            path: web::Path<i64>,
            body: web::Json<UnpublishSpec>,
        ) -> Result<HttpResponse> {
            unpublish(&state, $kind, path.into_inner(), body.into_inner(), organiser.0.id()).await
        }

        #[utoipa::path(
            get, path = concat!("/api/v1/", $prefix, "/{id}/awards/public"), tag = "awards",
            params(("id" = i64, Path, example = 1, description = $what)),
            responses(
                (status = 200, description = "The published list: names and units only", body = PublicAwards),
                crate::error::NotFoundError,
            )
        )]
        /// The published list, for everyone (404 until one is published).
        pub async fn $public(state: web::Data<AppState>, path: web::Path<i64>) -> Result<HttpResponse> {
            public(&state, $kind, path.into_inner()).await
        }
    };
}

list_handlers!(
    Kind::Round,
    "Round id",
    "rounds",
    round_propose,
    round_show,
    round_exclude,
    round_restore,
    round_publish,
    round_unpublish,
    round_public
);
list_handlers!(
    Kind::Contest,
    "Contest id",
    "contests",
    contest_propose,
    contest_show,
    contest_exclude,
    contest_restore,
    contest_publish,
    contest_unpublish,
    contest_public
);

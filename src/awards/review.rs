//! The judges' review of a proposed list: excluding a person (with a reason), which
//! promotes the next eligible one, and withdrawing an exclusion made by mistake, which
//! gives the place back. Each change recomputes the list from the ranking and is audited.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};
use serde_json::json;

use super::Exclusion;
use super::compute::compute;
use super::workflow::{
    AwardListView, ExclusionSpec, Scope, body_of, clean_reason, encode, exclusions_of, latest,
    no_proposal, published_conflict, required_plan, view,
};
use crate::contest::Engine;
use crate::entities::award_list::{self, Status};
use crate::error::{AppError, Result};

/// The scope's list while it is a proposal; a published list is frozen.
async fn proposed<C: ConnectionTrait>(db: &C, scope: &Scope) -> Result<award_list::Model> {
    let list = latest(db, scope, None).await?.ok_or_else(no_proposal)?;
    match list.status {
        Status::Published => Err(published_conflict()),
        Status::Unpublished => Err(no_proposal()),
        Status::Proposed => Ok(list),
    }
}

/// Recomputes `list` with `exclusions`, stores both and records the action in the audit.
async fn revise<C: ConnectionTrait>(
    db: &C,
    engine: &Engine,
    scope: &Scope,
    list: award_list::Model,
    exclusions: Vec<Exclusion>,
    actor: Option<i64>,
    (action, mut details): (&str, serde_json::Value),
) -> Result<AwardListView> {
    let plan = required_plan(db, scope).await?;
    let body = compute(db, engine, scope, &plan, &exclusions).await?;
    let saved = award_list::ActiveModel {
        id: Set(list.id),
        body: Set(encode(&body)?),
        exclusions: Set(serde_json::to_string(&exclusions).map_err(anyhow::Error::from)?),
        ..Default::default()
    }
    .update(db)
    .await?;
    details["list"] = json!(saved.id);
    crate::audit::record(db, actor, action, Some(scope.subject()), details).await?;
    view(scope, &saved, &plan, false)
}

/// `POST …/awards/exclusions`: the judges exclude a person (with a reason); the list is
/// proposed again, so the next eligible person takes the place.
pub async fn exclude<C: ConnectionTrait>(
    db: &C,
    engine: &Engine,
    scope: &Scope,
    spec: ExclusionSpec,
    actor: Option<i64>,
) -> Result<AwardListView> {
    let reason = clean_reason(&spec.reason)?;
    required_plan(db, scope).await?;
    let list = proposed(db, scope).await?;
    let body = body_of(&list)?;
    let Some(entry) = body
        .entries
        .iter()
        .find(|e| e.participant_id == spec.participant_id)
    else {
        return Err(AppError::Unprocessable {
            code: "not_in_list",
            message: "Người này không có trong danh sách đề xuất.".into(),
            details: serde_json::Map::new(),
        });
    };
    let mut exclusions = exclusions_of(&list)?;
    exclusions.push(Exclusion {
        participant_id: spec.participant_id,
        name: entry.name.clone(),
        reason: reason.clone(),
        by: actor,
        at: Utc::now(),
    });
    let details = json!({ "participant_id": spec.participant_id, "reason": reason });
    revise(
        db,
        engine,
        scope,
        list,
        exclusions,
        actor,
        ("awards.exclude", details),
    )
    .await
}

/// `DELETE …/awards/exclusions/{participant_id}`: withdraws an exclusion made by mistake;
/// the list is proposed again, so the person takes back the place the ranking gives.
pub async fn restore<C: ConnectionTrait>(
    db: &C,
    engine: &Engine,
    scope: &Scope,
    participant_id: i64,
    actor: Option<i64>,
) -> Result<AwardListView> {
    required_plan(db, scope).await?;
    let list = proposed(db, scope).await?;
    let mut exclusions = exclusions_of(&list)?;
    let before = exclusions.len();
    exclusions.retain(|x| x.participant_id != participant_id);
    if exclusions.len() == before {
        return Err(AppError::NotFound);
    }
    let details = json!({ "participant_id": participant_id });
    revise(
        db,
        engine,
        scope,
        list,
        exclusions,
        actor,
        ("awards.restore", details),
    )
    .await
}

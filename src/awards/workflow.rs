//! The award workflow over the database: the plan, proposing a list from the ranking,
//! the judges' exclusions, publishing (frozen, digest, certificate codes) and unpublishing,
//! each audited; and the reads of staff and of the public.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::compute::compute;
use super::plan::PrizePlan;
pub use super::published::{
    CertificateView, PublicAwards, PublicEntry, certificate, certificates_of, public,
    published_certificates,
};
pub use super::review::{exclude, restore};
use super::{AwardBody, AwardEntry, Exclusion, UnitAward};
use crate::contest::Engine;
use crate::entities::award_list::{self, Status};
use crate::entities::{certificate, contest, prize_plan, round};
use crate::error::{AppError, Result};
use crate::text;

/// Characters of an exclusion's reason at most.
pub const MAX_REASON_CHARS: usize = 500;

/// What an award list covers: one round, or the whole contest.
#[derive(Debug, Clone)]
pub enum Scope {
    Round {
        round: round::Model,
        contest: contest::Model,
    },
    Contest(contest::Model),
}

impl Scope {
    /// The round's scope, or 404.
    pub async fn of_round<C: ConnectionTrait>(db: &C, round_id: i64) -> Result<Scope> {
        let round = round::Entity::find_by_id(round_id)
            .one(db)
            .await?
            .ok_or(AppError::NotFound)?;
        let contest = crate::contest::load_contest(db, round.contest_id).await?;
        Ok(Scope::Round { round, contest })
    }

    /// The contest's scope, or 404.
    pub async fn of_contest<C: ConnectionTrait>(db: &C, contest_id: i64) -> Result<Scope> {
        Ok(Scope::Contest(
            crate::contest::load_contest(db, contest_id).await?,
        ))
    }

    pub fn contest(&self) -> &contest::Model {
        match self {
            Scope::Round { contest, .. } | Scope::Contest(contest) => contest,
        }
    }

    pub fn round_id(&self) -> Option<i64> {
        match self {
            Scope::Round { round, .. } => Some(round.id),
            Scope::Contest(_) => None,
        }
    }

    /// The audit trail's subject.
    pub fn subject(&self) -> (&'static str, i64) {
        match self {
            Scope::Round { round, .. } => ("round", round.id),
            Scope::Contest(c) => ("contest", c.id),
        }
    }

    /// The title lists and certificates print: the round's, or the contest's.
    pub fn title(&self) -> String {
        match self {
            Scope::Round { round, .. } => round.title.clone(),
            Scope::Contest(c) => format!("Toàn cuộc thi: {}", c.title),
        }
    }
}

/// An award list as staff see it (`GET/POST /api/v1/rounds/{id}/awards…`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AwardListView {
    pub id: i64,
    pub contest_id: i64,
    /// `null` for the whole contest's list.
    pub round_id: Option<i64>,
    pub version: i32,
    pub status: Status,
    pub title: String,
    pub contest_title: String,
    pub entries: Vec<AwardEntry>,
    pub units: Vec<UnitAward>,
    /// The participation certificates (round lists whose plan enables them).
    pub participation: Vec<AwardEntry>,
    pub exclusions: Vec<Exclusion>,
    /// Lowercase hex SHA-256 of the published body (published lists only).
    pub digest: Option<String>,
    pub published_at: Option<DateTime<Utc>>,
    pub unpublished_at: Option<DateTime<Utc>>,
    /// True when the list is published and the ranking has changed since (a re-score):
    /// the published list stays as it was; `warning` says so.
    pub differs_from_ranking: bool,
    pub warning: Option<String>,
    /// The plan's rules, in Vietnamese.
    pub rules: Vec<String>,
}

/// The body of `POST …/awards/exclusions`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExclusionSpec {
    pub participant_id: i64,
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
}

/// The body of `POST …/awards/unpublish`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnpublishSpec {
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
}

/// The contest's plan, or 404 when none was set.
pub async fn load_plan<C: ConnectionTrait>(db: &C, contest_id: i64) -> Result<Option<PrizePlan>> {
    let Some(row) = prize_plan::Entity::find_by_id(contest_id).one(db).await? else {
        return Ok(None);
    };
    crate::entities::decode_json(format_args!("prize plan {contest_id}"), "plan", &row.plan)
        .map(Some)
}

/// Sets the contest's plan (audited); lists already proposed keep theirs until regenerated.
pub async fn put_plan<C: ConnectionTrait>(
    db: &C,
    contest_id: i64,
    plan: PrizePlan,
    actor: Option<i64>,
) -> Result<PrizePlan> {
    crate::contest::load_contest(db, contest_id).await?;
    let plan = plan.validated()?;
    let text = serde_json::to_string(&plan).map_err(anyhow::Error::from)?;
    let row = prize_plan::ActiveModel {
        contest_id: Set(contest_id),
        plan: Set(text),
        updated_by: Set(actor),
        updated_at: Set(Utc::now()),
    };
    if prize_plan::Entity::find_by_id(contest_id)
        .one(db)
        .await?
        .is_some()
    {
        row.update(db).await?;
    } else {
        row.insert(db).await?;
    }
    crate::audit::record(
        db,
        actor,
        "awards.plan",
        Some(("contest", contest_id)),
        json!({ "plan": plan }),
    )
    .await?;
    Ok(plan)
}

/// The latest list of a scope (or the given version).
pub(super) async fn latest<C: ConnectionTrait>(
    db: &C,
    scope: &Scope,
    version: Option<i32>,
) -> Result<Option<award_list::Model>> {
    let mut q = award_list::Entity::find()
        .filter(award_list::Column::ContestId.eq(scope.contest().id))
        .order_by_desc(award_list::Column::Version);
    q = match scope.round_id() {
        Some(id) => q.filter(award_list::Column::RoundId.eq(id)),
        None => q.filter(award_list::Column::RoundId.is_null()),
    };
    if let Some(v) = version {
        q = q.filter(award_list::Column::Version.eq(v));
    }
    Ok(q.one(db).await?)
}

pub(super) fn body_of(list: &award_list::Model) -> Result<AwardBody> {
    crate::entities::decode_json(format_args!("award list {}", list.id), "body", &list.body)
}

pub(super) fn exclusions_of(list: &award_list::Model) -> Result<Vec<Exclusion>> {
    crate::entities::decode_json(
        format_args!("award list {}", list.id),
        "exclusions",
        &list.exclusions,
    )
}

pub(super) async fn required_plan<C: ConnectionTrait>(db: &C, scope: &Scope) -> Result<PrizePlan> {
    load_plan(db, scope.contest().id).await?.ok_or_else(|| {
        AppError::conflict(
            "no_prize_plan",
            "Cuộc thi chưa có cơ cấu giải: Ban Tổ chức cần đặt cơ cấu giải trước.",
        )
    })
}

/// A reason (of an exclusion, an unpublish), cleaned; never empty.
pub(super) fn clean_reason(raw: &str) -> Result<String> {
    let reason = text::clean(raw);
    if reason.is_empty() || text::char_len(&reason) > MAX_REASON_CHARS {
        return Err(AppError::field(
            "reason",
            format!("Lý do không được trống và tối đa {MAX_REASON_CHARS} ký tự."),
        ));
    }
    Ok(reason)
}

pub(super) fn published_conflict() -> AppError {
    AppError::conflict(
        "awards_published",
        "Danh sách giải đã công bố và không thể sửa; hãy hủy công bố trước nếu cần lập lại.",
    )
}

pub(super) fn no_proposal() -> AppError {
    AppError::conflict(
        "no_proposal",
        "Chưa có danh sách đề xuất: hãy lập danh sách giải trước.",
    )
}

pub(super) fn encode(body: &AwardBody) -> Result<String> {
    Ok(serde_json::to_string(body).map_err(anyhow::Error::from)?)
}

/// `POST …/awards`: proposes the list from the ranking (a new version after an
/// unpublish; the judges' exclusions carry over). Refused while a list is published.
pub async fn generate<C: ConnectionTrait>(
    db: &C,
    engine: &Engine,
    scope: &Scope,
    actor: Option<i64>,
) -> Result<AwardListView> {
    let plan = required_plan(db, scope).await?;
    let current = latest(db, scope, None).await?;
    let exclusions = match &current {
        Some(l) if l.status == Status::Published => return Err(published_conflict()),
        Some(l) => exclusions_of(l)?,
        None => Vec::new(),
    };
    let body = compute(db, engine, scope, &plan, &exclusions).await?;
    let now = Utc::now();
    let saved = match current {
        Some(l) if l.status == Status::Proposed => {
            award_list::ActiveModel {
                id: Set(l.id),
                body: Set(encode(&body)?),
                created_by: Set(actor),
                created_at: Set(now),
                ..Default::default()
            }
            .update(db)
            .await?
        }
        other => {
            award_list::ActiveModel {
                contest_id: Set(scope.contest().id),
                round_id: Set(scope.round_id()),
                version: Set(other.map_or(1, |l| l.version + 1)),
                status: Set(Status::Proposed),
                body: Set(encode(&body)?),
                exclusions: Set(serde_json::to_string(&exclusions).map_err(anyhow::Error::from)?),
                created_by: Set(actor),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(db)
            .await?
        }
    };
    crate::audit::record(
        db,
        actor,
        "awards.propose",
        Some(scope.subject()),
        json!({ "list": saved.id, "version": saved.version, "entries": body.entries.len(), "units": body.units.len() }),
    )
    .await?;
    view(scope, &saved, &plan, false)
}

/// `POST …/awards/publish`: freezes the proposed list as it stands — certificate codes
/// given, body stored for good, its SHA-256 recorded — in one transaction, audited.
pub async fn publish(
    db: &DatabaseConnection,
    scope: &Scope,
    actor: Option<i64>,
) -> Result<AwardListView> {
    let plan = required_plan(db, scope).await?;
    let list = latest(db, scope, None).await?.ok_or_else(no_proposal)?;
    match list.status {
        Status::Published => return Err(published_conflict()),
        Status::Unpublished => return Err(no_proposal()),
        Status::Proposed => {}
    }
    let mut body = body_of(&list)?;
    {
        let mut rng = rand::rng();
        let mut seen = HashSet::new();
        for e in body.entries.iter_mut().chain(&mut body.participation) {
            let code = loop {
                let code = super::new_code(&mut rng);
                if seen.insert(code.clone()) {
                    break code;
                }
            };
            e.certificate_code = Some(code);
        }
    }
    let bytes = encode(&body)?;
    let digest = super::digest(bytes.as_bytes());
    let now = Utc::now();
    let txn = db.begin().await?;
    // Only a list still proposed is published: two organisers publishing at once cannot
    // both succeed.
    let updated = award_list::Entity::update_many()
        .filter(award_list::Column::Id.eq(list.id))
        .filter(award_list::Column::Status.eq(Status::Proposed))
        .set(award_list::ActiveModel {
            status: Set(Status::Published),
            body: Set(bytes),
            digest: Set(Some(digest.clone())),
            published_by: Set(actor),
            published_at: Set(Some(now)),
            ..Default::default()
        })
        .exec(&txn)
        .await?;
    if updated.rows_affected != 1 {
        return Err(published_conflict());
    }
    let rows: Vec<certificate::ActiveModel> = body
        .certified()
        .enumerate()
        .filter_map(|(i, e)| {
            Some(certificate::ActiveModel {
                code: Set(e.certificate_code.clone()?),
                award_list_id: Set(list.id),
                participant_id: Set(e.participant_id),
                position: Set(i as i32),
            })
        })
        .collect();
    for chunk in rows.chunks(crate::exports::IN_CHUNK / 5) {
        certificate::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&txn)
            .await?;
    }
    crate::audit::record(
        &txn,
        actor,
        "awards.publish",
        Some(scope.subject()),
        json!({ "list": list.id, "version": list.version, "digest": digest, "entries": body.entries.len(), "participation": body.participation.len() }),
    )
    .await?;
    txn.commit().await?;
    let saved = award_list::Entity::find_by_id(list.id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    view(scope, &saved, &plan, false)
}

/// `POST …/awards/unpublish`: withdraws the published list (audited, with a reason); it
/// stays readable to staff (`?version=`), and a new proposal gets the next version.
pub async fn unpublish<C: ConnectionTrait>(
    db: &C,
    scope: &Scope,
    spec: UnpublishSpec,
    actor: Option<i64>,
) -> Result<AwardListView> {
    let reason = clean_reason(&spec.reason)?;
    let plan = required_plan(db, scope).await?;
    let list = latest(db, scope, None).await?;
    let Some(list) = list.filter(|l| l.status == Status::Published) else {
        return Err(AppError::conflict(
            "not_published",
            "Danh sách giải chưa được công bố.",
        ));
    };
    let saved = award_list::ActiveModel {
        id: Set(list.id),
        status: Set(Status::Unpublished),
        unpublished_by: Set(actor),
        unpublished_at: Set(Some(Utc::now())),
        ..Default::default()
    }
    .update(db)
    .await?;
    crate::audit::record(
        db,
        actor,
        "awards.unpublish",
        Some(scope.subject()),
        json!({ "list": list.id, "version": list.version, "digest": list.digest, "reason": reason }),
    )
    .await?;
    view(scope, &saved, &plan, false)
}

/// `GET …/awards`: the latest list (or `version`), for staff. A published list is compared
/// with what the ranking gives today: after a re-score it stays as published, and the
/// answer says that it differs.
pub async fn current<C: ConnectionTrait>(
    db: &C,
    engine: &Engine,
    scope: &Scope,
    version: Option<i32>,
) -> Result<AwardListView> {
    let list = latest(db, scope, version)
        .await?
        .ok_or(AppError::NotFound)?;
    let plan = load_plan(db, scope.contest().id)
        .await?
        .unwrap_or(PrizePlan {
            individual: Vec::new(),
            one_per_person: false,
            min_score: 0,
            collective: Default::default(),
            organiser: None,
            signer: None,
            participation: None,
        });
    let differs = if list.status == Status::Published {
        let published = body_of(&list)?;
        let today = compute(db, engine, scope, &plan, &exclusions_of(&list)?).await?;
        !same_awards(&published, &today)
    } else {
        false
    };
    view(scope, &list, &plan, differs)
}

/// Whether two lists award the same people and units the same prizes (and the same
/// participation certificates).
pub fn same_awards(a: &AwardBody, b: &AwardBody) -> bool {
    let people = |x: &AwardBody| -> Vec<(i64, String, String)> {
        x.certified()
            .map(|e| (e.participant_id, e.category.clone(), e.prize.clone()))
            .collect()
    };
    let units = |x: &AwardBody| -> Vec<(String, String)> {
        x.units
            .iter()
            .map(|u| (u.unit_code.clone(), u.prize.clone()))
            .collect()
    };
    people(a) == people(b) && units(a) == units(b)
}

pub(super) fn view(
    scope: &Scope,
    list: &award_list::Model,
    plan: &PrizePlan,
    differs: bool,
) -> Result<AwardListView> {
    let body = body_of(list)?;
    Ok(AwardListView {
        id: list.id,
        contest_id: list.contest_id,
        round_id: list.round_id,
        version: list.version,
        status: list.status,
        title: scope.title(),
        contest_title: scope.contest().title.clone(),
        entries: body.entries,
        units: body.units,
        participation: body.participation,
        exclusions: exclusions_of(list)?,
        digest: list.digest.clone(),
        published_at: list.published_at,
        unpublished_at: list.unpublished_at,
        differs_from_ranking: differs,
        warning: differs.then(|| {
            "Kết quả xếp hạng đã thay đổi sau khi công bố (chấm lại): danh sách đã công bố \
             được giữ nguyên và khác với xếp hạng hiện tại."
                .to_owned()
        }),
        rules: plan.rules_vi(),
    })
}

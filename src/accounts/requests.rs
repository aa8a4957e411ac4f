//! Participants' requests to the organisers about their own personal data (Decree
//! 13/2023/NĐ-CP, issue #16): a correction (what is wrong and the right value) or a
//! deletion; and how the organisers handle them. A deletion handled as done anonymises the
//! participant exactly as the retention period would ([`super::anonymise::participant`]):
//! phone, email, CCCD and birth date go, results and the name and unit as published stay.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::{BTreeSet, HashMap};

use crate::entities::data_request::{self, RequestKind, RequestStatus};
use crate::entities::{unit, user};
use crate::error::{AppError, Result};
use crate::text;

/// The longest note a request (or an organiser's answer) may carry.
const MAX_NOTE_CHARS: usize = 1000;

/// A participant's request to the organisers about their data.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RequestEntry {
    pub id: i64,
    pub user_id: i64,
    pub full_name: String,
    pub unit_name: Option<String>,
    pub kind: RequestKind,
    pub note: String,
    pub status: RequestStatus,
    pub created_at: DateTime<Utc>,
    /// When an organiser handled it.
    pub resolved_at: Option<DateTime<Utc>>,
    /// The organiser's answer (the reason of a rejection).
    pub resolution: Option<String>,
}

/// The body of `POST /api/v1/me/requests`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRequest {
    /// `correction` or `deletion`.
    pub kind: Option<RequestKind>,
    /// What to correct (required for a correction), or why (optional for a deletion).
    pub note: Option<String>,
}

/// The body of `POST /api/v1/requests/{id}/resolve`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Resolve {
    /// `done` (the default: corrected — or, for a deletion, anonymise the participant now)
    /// or `rejected` (a note saying why is then required).
    pub outcome: Option<Outcome>,
    /// The answer the participant reads on their profile.
    pub note: Option<String>,
}

/// How an organiser handled a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Done,
    Rejected,
}

/// A note, cleaned and bounded.
fn note_of(note: Option<&str>) -> Result<String> {
    let note = text::clean_opt(note).unwrap_or_default();
    if text::char_len(&note) > MAX_NOTE_CHARS {
        return Err(AppError::field(
            "note",
            format!("Ghi chú không được dài quá {MAX_NOTE_CHARS} ký tự."),
        ));
    }
    Ok(note)
}

/// Stores a participant's request for the organisers, audited. A correction needs a note;
/// one pending deletion at a time (another is `409 request_pending`).
pub async fn create_request<C: ConnectionTrait>(
    db: &C,
    u: &user::Model,
    request: NewRequest,
) -> Result<RequestEntry> {
    let kind = request.kind.ok_or_else(|| {
        AppError::field(
            "kind",
            "Hãy chọn loại yêu cầu: chỉnh sửa (correction) hoặc xoá (deletion).",
        )
    })?;
    let note = note_of(request.note.as_deref())?;
    if kind == RequestKind::Correction && note.is_empty() {
        return Err(AppError::field(
            "note",
            "Hãy ghi rõ thông tin nào cần chỉnh sửa và giá trị đúng.",
        ));
    }
    if kind == RequestKind::Deletion && pending_deletion(db, u.id).await?.is_some() {
        return Err(AppError::conflict(
            "request_pending",
            "Bạn đã gửi yêu cầu xoá dữ liệu; Ban Tổ chức đang xử lý.",
        ));
    }
    let saved = data_request::ActiveModel {
        user_id: Set(u.id),
        kind: Set(kind),
        note: Set(note),
        status: Set(RequestStatus::Pending),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    crate::audit::record(
        db,
        Some(u.id),
        "data_request.create",
        Some(("user", u.id)),
        json!({
            "request_id": saved.id,
            "before": null,
            "after": { "kind": saved.kind, "status": saved.status },
        }),
    )
    .await?;
    entry_of(db, saved).await
}

/// Handles a pending request (an organiser's decision, audited): `done` — for a deletion,
/// the participant is anonymised first —, or `rejected` with a reason. A request handled
/// already answers `409 request_handled`. Returns the request and whether a participant
/// was anonymised (whose cached account the caller must drop).
pub async fn resolve(
    db: &DatabaseConnection,
    request_id: i64,
    actor: i64,
    body: Resolve,
    now: DateTime<Utc>,
) -> Result<(RequestEntry, bool)> {
    let outcome = body.outcome.unwrap_or(Outcome::Done);
    let note = note_of(body.note.as_deref())?;
    if outcome == Outcome::Rejected && note.is_empty() {
        return Err(AppError::field(
            "note",
            "Hãy ghi lý do từ chối để thí sinh được biết.",
        ));
    }
    let request = data_request::Entity::find_by_id(request_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    if request.status != RequestStatus::Pending {
        return Err(AppError::conflict(
            "request_handled",
            "Yêu cầu này đã được xử lý.",
        ));
    }
    // Anonymising is idempotent: if marking the request fails below, a retry is safe.
    let anonymised = match (request.kind, outcome) {
        (RequestKind::Deletion, Outcome::Done) => {
            super::anonymise::participant(db, request.user_id, Some(actor)).await?
        }
        _ => false,
    };
    let status = match outcome {
        Outcome::Done => RequestStatus::Done,
        Outcome::Rejected => RequestStatus::Rejected,
    };
    // Only a still-pending request moves: two organisers at once handle it once.
    let moved = data_request::Entity::update_many()
        .col_expr(
            data_request::Column::Status,
            sea_orm::sea_query::Expr::value(status),
        )
        .col_expr(
            data_request::Column::ResolvedAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .col_expr(
            data_request::Column::ResolvedBy,
            sea_orm::sea_query::Expr::value(actor),
        )
        .col_expr(
            data_request::Column::Resolution,
            sea_orm::sea_query::Expr::value((!note.is_empty()).then(|| note.clone())),
        )
        .filter(data_request::Column::Id.eq(request.id))
        .filter(data_request::Column::Status.eq(RequestStatus::Pending))
        .exec(db)
        .await?;
    if moved.rows_affected == 0 {
        return Err(AppError::conflict(
            "request_handled",
            "Yêu cầu này đã được xử lý.",
        ));
    }
    crate::audit::record(
        db,
        Some(actor),
        "data_request.resolve",
        Some(("user", request.user_id)),
        json!({
            "request_id": request.id,
            "kind": request.kind,
            "before": { "status": request.status },
            "after": { "status": status, "anonymised": anonymised },
        }),
    )
    .await?;
    let saved = data_request::Entity::find_by_id(request.id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((entry_of(db, saved).await?, anonymised))
}

/// The pending deletion request of `user_id`, if any.
pub async fn pending_deletion<C: ConnectionTrait>(
    db: &C,
    user_id: i64,
) -> Result<Option<data_request::Model>> {
    Ok(data_request::Entity::find()
        .filter(data_request::Column::UserId.eq(user_id))
        .filter(data_request::Column::Kind.eq(RequestKind::Deletion))
        .filter(data_request::Column::Status.eq(RequestStatus::Pending))
        .one(db)
        .await?)
}

/// One request as listed.
async fn entry_of<C: ConnectionTrait>(db: &C, r: data_request::Model) -> Result<RequestEntry> {
    entries_of(db, vec![r])
        .await?
        .pop()
        .ok_or(AppError::NotFound)
}

/// Every request (newest first) for the organisers, or one participant's.
pub async fn requests_where<C: ConnectionTrait>(
    db: &C,
    user_id: Option<i64>,
) -> Result<Vec<RequestEntry>> {
    let mut query = data_request::Entity::find().order_by_desc(data_request::Column::Id);
    if let Some(id) = user_id {
        query = query.filter(data_request::Column::UserId.eq(id));
    }
    entries_of(db, query.all(db).await?).await
}

/// Requests with their participant's name and unit: three queries however many there are.
async fn entries_of<C: ConnectionTrait>(
    db: &C,
    rows: Vec<data_request::Model>,
) -> Result<Vec<RequestEntry>> {
    let user_ids: BTreeSet<i64> = rows.iter().map(|r| r.user_id).collect();
    let users: HashMap<i64, user::Model> = user::Entity::find()
        .filter(user::Column::Id.is_in(user_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    let unit_ids: BTreeSet<i64> = users.values().filter_map(|u| u.unit_id).collect();
    let units: HashMap<i64, String> = unit::Entity::find()
        .filter(unit::Column::Id.is_in(unit_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    rows.into_iter()
        .map(|r| {
            let u = users.get(&r.user_id).ok_or(AppError::NotFound)?;
            Ok(RequestEntry {
                id: r.id,
                user_id: r.user_id,
                full_name: u.full_name.clone(),
                unit_name: u.unit_id.and_then(|id| units.get(&id).cloned()),
                kind: r.kind,
                note: r.note,
                status: r.status,
                created_at: r.created_at,
                resolved_at: r.resolved_at,
                resolution: r.resolution,
            })
        })
        .collect()
}

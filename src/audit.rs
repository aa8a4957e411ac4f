//! The audit trail: every staff action that changes data or exports it is recorded with
//! who, when and what, so results can be checked afterwards.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, QueryOrder, QuerySelect, Set};
use serde_json::Value;

use crate::entities::audit;
use crate::error::Result;

/// Records one action. `actor` is the staff user (`None` for the command line);
/// `subject` names what was acted on, e.g. `("round", 12)`.
pub async fn record<C: ConnectionTrait>(
    db: &C,
    actor: Option<i64>,
    action: &str,
    subject: Option<(&str, i64)>,
    details: Value,
) -> Result<()> {
    audit::ActiveModel {
        at: Set(Utc::now()),
        actor_id: Set(actor),
        action: Set(action.to_owned()),
        subject_type: Set(subject.map(|(t, _)| t.to_owned())),
        subject_id: Set(subject.map(|(_, id)| id)),
        details: Set(details.to_string()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    tracing::info!(actor.id = ?actor, action, subject = ?subject, "audited");
    Ok(())
}

/// One entry of the audit trail.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor_id: Option<i64>,
    pub action: String,
    pub subject_type: Option<String>,
    pub subject_id: Option<i64>,
    /// Free-form details of the action.
    pub details: Value,
}

/// The most recent entries first.
pub async fn list<C: ConnectionTrait>(db: &C, limit: u64, offset: u64) -> Result<Vec<AuditEntry>> {
    let rows = audit::Entity::find()
        .order_by_desc(audit::Column::Id)
        .limit(limit.clamp(1, 1000))
        // Past i64::MAX the database driver cannot bind the offset; no trail is that long.
        .offset(offset.min(i64::MAX.unsigned_abs()))
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| AuditEntry {
            details: serde_json::from_str(&r.details).unwrap_or(Value::Null),
            id: r.id,
            at: r.at,
            actor_id: r.actor_id,
            action: r.action,
            subject_type: r.subject_type,
            subject_id: r.subject_id,
        })
        .collect())
}

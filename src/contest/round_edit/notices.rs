//! The dated notices that tell participants what changed in a round, and the round views
//! that carry them.

use super::*;

/// A notice on a round, as participants read it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RoundNotice {
    pub id: i64,
    pub kind: Kind,
    /// In Vietnamese, e.g. "Ban Tổ chức gia hạn vòng thi đến 9h00 thứ Hai 14/12/2020.".
    pub message: String,
    pub created_at: DateTime<Utc>,
}

impl From<round_notice::Model> for RoundNotice {
    fn from(n: round_notice::Model) -> Self {
        RoundNotice {
            id: n.id,
            kind: n.kind,
            message: n.message,
            created_at: n.created_at,
        }
    }
}

/// The notices of some rounds, oldest first, by round id.
pub async fn notices_of<C: ConnectionTrait>(
    db: &C,
    round_ids: &[i64],
) -> Result<HashMap<i64, Vec<RoundNotice>>> {
    let mut by_round: HashMap<i64, Vec<RoundNotice>> = HashMap::new();
    if round_ids.is_empty() {
        return Ok(by_round);
    }
    let rows = round_notice::Entity::find()
        .filter(round_notice::Column::RoundId.is_in(round_ids.iter().copied()))
        .order_by_asc(round_notice::Column::CreatedAt)
        .order_by_asc(round_notice::Column::Id)
        .all(db)
        .await?;
    for n in rows {
        by_round.entry(n.round_id).or_default().push(n.into());
    }
    Ok(by_round)
}

/// Rounds as the API shows them at `now`, each with its notices.
pub async fn round_views<C: ConnectionTrait>(
    db: &C,
    rounds: &[round::Model],
    now: DateTime<Utc>,
) -> Result<Vec<RoundView>> {
    let ids: Vec<i64> = rounds.iter().map(|r| r.id).collect();
    let mut notices = notices_of(db, &ids).await?;
    rounds
        .iter()
        .map(|r| {
            let mut view = round_view(r, now)?;
            view.notices = notices.remove(&r.id).unwrap_or_default();
            Ok(view)
        })
        .collect()
}

/// One round as the API shows it at `now`, with its notices.
pub async fn round_view_full<C: ConnectionTrait>(
    db: &C,
    round: &round::Model,
    now: DateTime<Utc>,
) -> Result<RoundView> {
    let mut views = round_views(db, std::slice::from_ref(round), now).await?;
    views
        .pop()
        .ok_or_else(|| AppError::Unexpected(anyhow::anyhow!("round {} has no view", round.id)))
}

/// The message of a notice (what the participants read).
pub fn notice_message(kind: Kind, params: &Value) -> String {
    let time = |k: &str| {
        params[k]
            .as_str()
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| vn_time::display(t.with_timezone(&Utc)))
            .unwrap_or_default()
    };
    match kind {
        Kind::Extended => format!("Ban Tổ chức gia hạn vòng thi đến {}.", time("closes_at")),
        Kind::ClosesEarlier => format!(
            "Ban Tổ chức dời giờ đóng vòng thi sớm hơn, đến {}.",
            time("closes_at")
        ),
        Kind::ClosedEarly => format!(
            "Ban Tổ chức đóng vòng thi sớm lúc {}. Lý do: {}",
            time("closed_at"),
            params["reason"].as_str().unwrap_or_default()
        ),
        Kind::AttemptsRaised => match params["max_attempts"].as_i64() {
            Some(0) => "Ban Tổ chức bỏ giới hạn số lượt thi của vòng thi.".to_owned(),
            Some(n) => format!("Ban Tổ chức tăng số lượt thi lên {n} lượt."),
            None => "Ban Tổ chức tăng số lượt thi.".to_owned(),
        },
    }
}

pub(super) async fn add_notice<C: ConnectionTrait>(
    db: &C,
    round_id: i64,
    kind: Kind,
    params: Value,
    at: DateTime<Utc>,
    actor: Option<i64>,
) -> Result<()> {
    round_notice::ActiveModel {
        round_id: Set(round_id),
        kind: Set(kind),
        message: Set(notice_message(kind, &params)),
        params: Set(params.to_string()),
        created_at: Set(at),
        created_by: Set(actor),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

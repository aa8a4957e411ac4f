//! The prediction question's actual value, which the ranking's prediction tie-break
//! measures each prediction against ([`super::ranking::prediction_diff`]).

use sea_orm::{ConnectionTrait, Statement};

use crate::entities::round::PredictionAnswer;
use crate::error::Result;

/// The actual value of a round's prediction question, counted over its standings
/// (voided participants excluded): perfect scores, or participants.
pub(super) async fn prediction_actual<C: ConnectionTrait>(
    db: &C,
    round_id: i64,
    answer: PredictionAnswer,
) -> Result<i64> {
    let perfect = if answer == PredictionAnswer::PerfectScores {
        " AND s.score = s.max_score"
    } else {
        ""
    };
    let backend = db.get_database_backend();
    let sql = crate::db::placeholders(
        backend,
        &format!(
            "SELECT COUNT(*) AS n FROM standings s JOIN users u ON u.id = s.user_id \
             WHERE s.round_id = ?1 AND u.voided = false{perfect}"
        ),
    );
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [round_id.into()],
        ))
        .await?;
    Ok(match row {
        Some(row) => row.try_get("", "n")?,
        None => 0,
    })
}

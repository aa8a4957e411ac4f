//! Figures about a round for the judges' charts (not exports): participants per day.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, FromQueryResult};

use crate::error::Result;
use crate::exports::vietnam_time;

#[derive(Debug, FromQueryResult)]
struct FirstAttempt {
    first: DateTime<Utc>,
}

/// New participants per day of a round: each (not voided) participant counts on the
/// Vietnam date of their first attempt's start. Days without anyone are included, so a
/// chart shows the gaps.
pub async fn participants_per_day<C: ConnectionTrait>(
    db: &C,
    round_id: i64,
) -> Result<Vec<(NaiveDate, i64)>> {
    let backend = db.get_database_backend();
    let sql = crate::db::placeholders(
        backend,
        "SELECT MIN(a.started_at) AS first FROM attempts a JOIN users u ON u.id = a.user_id \
         WHERE a.round_id = ?1 AND u.voided = false GROUP BY a.user_id",
    );
    let rows = FirstAttempt::find_by_statement(sea_orm::Statement::from_sql_and_values(
        backend,
        sql,
        [round_id.into()],
    ))
    .all(db)
    .await?;
    let mut days: BTreeMap<NaiveDate, i64> = Default::default();
    for r in rows {
        *days.entry(vietnam_time(r.first).date()).or_default() += 1;
    }
    let (Some(first), Some(last)) = (
        days.keys().next().copied(),
        days.keys().next_back().copied(),
    ) else {
        return Ok(Vec::new());
    };
    Ok(first
        .iter_days()
        .take_while(|d| *d <= last)
        .map(|d| (d, days.get(&d).copied().unwrap_or(0)))
        .collect())
}

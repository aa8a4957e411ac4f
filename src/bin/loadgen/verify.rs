//! The benchmark's durability check: every answer the server acknowledged is in the
//! database, as the option the participant chose.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, Database, EntityTrait, QueryFilter};

use super::target::Acked;

/// How many acknowledged answers are missing or different in the database at `url`.
pub async fn lost_answers(url: &str, acked: &Acked) -> anyhow::Result<usize> {
    let db = Database::connect(url).await?;
    let attempt_ids: Vec<i64> = {
        let mut v: Vec<i64> = acked.iter().map(|a| a.0).collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let mut stored: HashMap<(i64, i32), Vec<usize>> = HashMap::new();
    let mut first_option: HashMap<(i64, i32), usize> = HashMap::new();
    for chunk in attempt_ids.chunks(500) {
        for a in cuocthi::entities::attempt::Entity::find()
            .filter(cuocthi::entities::attempt::Column::Id.is_in(chunk.to_vec()))
            .all(&db)
            .await?
        {
            for (i, d) in cuocthi::contest::attempts::drawn_of(&a)
                .map_err(|e| anyhow::anyhow!("{e}"))?
                .iter()
                .enumerate()
            {
                first_option.insert(
                    (a.id, i as i32 + 1),
                    d.option_order.first().copied().unwrap_or(usize::MAX),
                );
            }
        }
        for row in cuocthi::entities::answer::Entity::find()
            .filter(cuocthi::entities::answer::Column::AttemptId.is_in(chunk.to_vec()))
            .all(&db)
            .await?
        {
            stored.insert(
                (row.attempt_id, row.position),
                serde_json::from_str(&row.choices).unwrap_or_default(),
            );
        }
    }
    let lost = acked
        .iter()
        .filter(|(a, p, _)| {
            stored.get(&(*a, *p))
                != Some(&vec![
                    first_option.get(&(*a, *p)).copied().unwrap_or(usize::MAX),
                ])
        })
        .count();
    db.close().await.ok();
    Ok(lost)
}

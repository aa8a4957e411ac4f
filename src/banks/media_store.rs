//! Pictures in the database: stored once by name (the content hash), read back to serve.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set};

use super::media::Media;
use crate::db::OneByKey;
use crate::entities::media;
use crate::error::Result;

/// Stores the pictures not stored yet. Two imports (or two instances) storing the same
/// picture at once are fine: the name is the content, so the second insert does nothing.
pub async fn insert_missing<C: ConnectionTrait>(
    db: &C,
    pictures: &[Media],
    now: DateTime<Utc>,
) -> Result<()> {
    if pictures.is_empty() {
        return Ok(());
    }
    let mut stored: HashSet<String> = HashSet::new();
    let names: Vec<String> = pictures.iter().map(|m| m.name.clone()).collect();
    for chunk in names.chunks(400) {
        let found: Vec<String> = media::Entity::find()
            .select_only()
            .column(media::Column::Name)
            .filter(media::Column::Name.is_in(chunk.to_vec()))
            .into_tuple()
            .all(db)
            .await?;
        stored.extend(found);
    }
    // One row per statement: a picture is up to a megabyte.
    for m in pictures.iter().filter(|m| !stored.contains(&m.name)) {
        let row = media::ActiveModel {
            name: Set(m.name.clone()),
            content_type: Set(m.content_type.to_owned()),
            width: Set(m.width as i32),
            height: Set(m.height as i32),
            bytes: Set(m.bytes.clone()),
            small_width: Set(m.small.as_ref().map(|s| s.width as i32)),
            small_height: Set(m.small.as_ref().map(|s| s.height as i32)),
            small_bytes: Set(m.small.as_ref().map(|s| s.bytes.clone())),
            created_at: Set(now),
        };
        media::Entity::insert(row)
            .on_conflict(
                OnConflict::column(media::Column::Name)
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// A stored picture's content type and bytes: the phone variant when `small` and the
/// picture has one, else the picture itself. `None` if no picture has that name.
pub async fn read<C: ConnectionTrait>(
    db: &C,
    name: &str,
    small: bool,
) -> Result<Option<(String, Vec<u8>)>> {
    let Some(row) = media::Entity::find_by_id(name.to_owned())
        .one_by_key(db)
        .await?
    else {
        return Ok(None);
    };
    let bytes = match (small, row.small_bytes) {
        (true, Some(variant)) => variant,
        _ => row.bytes,
    };
    Ok(Some((row.content_type, bytes)))
}

/// The pictures of `names` (stored names), as a map of name to the picture's bytes: what
/// an export writes beside the bank.
pub async fn read_many<C: ConnectionTrait>(
    db: &C,
    names: &[String],
) -> Result<Vec<(String, Vec<u8>)>> {
    let mut out = Vec::with_capacity(names.len());
    for chunk in names.chunks(100) {
        let rows = media::Entity::find()
            .filter(media::Column::Name.is_in(chunk.to_vec()))
            .all(db)
            .await?;
        out.extend(rows.into_iter().map(|r| (r.name, r.bytes)));
    }
    Ok(out)
}

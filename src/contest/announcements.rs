//! Announcements (thông báo, issue #15): an organiser posts one for a contest or for the
//! whole site, with a publish time and an optional expiry; the home page and the contest
//! page show those live by the engine's clock. Withdrawing hides one at once and keeps
//! its row for the record.
//!
//! The rules (bounds, which are live, who sees a contest's) are plain functions with unit
//! tests below; the functions that write call them, record the audit trail and are shared
//! by the JSON handlers and the organiser's console.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::Engine;
use crate::entities::{announcement, contest};
use crate::error::{AppError, Result};
use crate::text;

/// The longest title, in characters.
pub const TITLE_MAX: usize = 200;
/// The longest body, in characters.
pub const BODY_MAX: usize = 5_000;
/// The most announcements one list returns (public lists and the organiser's).
pub const LIST_LIMIT: u64 = 200;

/// The body of `POST /api/v1/announcements`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnnouncementSpec {
    /// The contest it belongs to; absent for a site-wide announcement.
    pub contest_id: Option<i64>,
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    /// Plain text; line breaks are kept.
    #[schema(min_length = 1, max_length = 5000)]
    pub body: String,
    /// When it becomes public; now when absent.
    pub publish_at: Option<DateTime<Utc>>,
    /// When it stops being shown; never when absent. Must be after `publish_at`.
    pub expires_at: Option<DateTime<Utc>>,
}

/// An announcement as the API returns it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AnnouncementView {
    pub id: i64,
    /// Null for a site-wide announcement.
    pub contest_id: Option<i64>,
    pub title: String,
    pub body: String,
    pub publish_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    /// Set once withdrawn (only organisers see withdrawn announcements).
    pub withdrawn_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl From<&announcement::Model> for AnnouncementView {
    fn from(a: &announcement::Model) -> Self {
        AnnouncementView {
            id: a.id,
            contest_id: a.contest_id,
            title: a.title.clone(),
            body: a.body.clone(),
            publish_at: a.publish_at,
            expires_at: a.expires_at,
            withdrawn_at: a.withdrawn_at,
            created_at: a.created_at,
        }
    }
}

/// A spec's values, checked and cleaned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CleanAnnouncement {
    pub title: String,
    pub body: String,
    pub publish_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// The body in NFC, each line trimmed at its end, blank lines at either end dropped: the
/// organiser's line breaks are kept, since pages show them.
fn clean_body(raw: &str) -> String {
    let nfc = text::nfc(raw);
    let lines: Vec<&str> = nfc.lines().map(str::trim_end).collect();
    lines.join("\n").trim_matches('\n').trim().to_owned()
}

/// Checks a spec's bounds: a title of 1 to 200 characters, a body of 1 to 5,000, an
/// expiry after the publish time (`now` when absent). Every problem is named (422).
pub fn validate(spec: &AnnouncementSpec, now: DateTime<Utc>) -> Result<CleanAnnouncement> {
    let mut fields = BTreeMap::new();
    let title = text::clean(&spec.title);
    if title.is_empty() || text::char_len(&title) > TITLE_MAX {
        fields.insert(
            "title".to_owned(),
            "Tiêu đề thông báo không được trống và tối đa 200 ký tự.".to_owned(),
        );
    }
    let body = clean_body(&spec.body);
    if body.is_empty() || text::char_len(&body) > BODY_MAX {
        fields.insert(
            "body".to_owned(),
            "Nội dung thông báo không được trống và tối đa 5.000 ký tự.".to_owned(),
        );
    }
    let publish_at = spec.publish_at.unwrap_or(now);
    if spec.expires_at.is_some_and(|e| e <= publish_at) {
        fields.insert(
            "expires_at".to_owned(),
            "Thời điểm hết hạn phải sau thời điểm đăng.".to_owned(),
        );
    }
    if !fields.is_empty() {
        return Err(AppError::Validation { fields });
    }
    Ok(CleanAnnouncement {
        title,
        body,
        publish_at,
        expires_at: spec.expires_at,
    })
}

/// Whether an announcement is shown at `now`: published, not expired, not withdrawn.
pub fn is_live(a: &announcement::Model, now: DateTime<Utc>) -> bool {
    a.withdrawn_at.is_none() && a.publish_at <= now && a.expires_at.is_none_or(|e| now < e)
}

/// Where an announcement stands at `now`, as the organiser's list says it.
pub fn state_vi(a: &announcement::Model, now: DateTime<Utc>) -> &'static str {
    if a.withdrawn_at.is_some() {
        "Đã thu hồi"
    } else if a.publish_at > now {
        "Chờ đăng"
    } else if a.expires_at.is_some_and(|e| e <= now) {
        "Đã hết hạn"
    } else {
        "Đang hiển thị"
    }
}

/// Newest first: the latest publish time first, then the latest created.
fn newest_first(list: &mut [announcement::Model]) {
    list.sort_by(|a, b| b.publish_at.cmp(&a.publish_at).then(b.id.cmp(&a.id)));
}

/// Posts an announcement (one transaction with its audit entry). An unknown contest is a
/// 422 on `contest_id`.
pub async fn create(
    db: &DatabaseConnection,
    engine: &Engine,
    spec: AnnouncementSpec,
    actor: Option<i64>,
) -> Result<announcement::Model> {
    let now = engine.now();
    let clean = validate(&spec, now)?;
    let txn = db.begin().await?;
    if let Some(id) = spec.contest_id
        && contest::Entity::find_by_id(id).one(&txn).await?.is_none()
    {
        return Err(AppError::field("contest_id", "Không tìm thấy cuộc thi."));
    }
    let created = announcement::ActiveModel {
        contest_id: Set(spec.contest_id),
        title: Set(clean.title),
        body: Set(clean.body),
        publish_at: Set(clean.publish_at),
        expires_at: Set(clean.expires_at),
        withdrawn_at: Set(None),
        created_by: Set(actor),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    crate::audit::record(
        &txn,
        actor,
        "announcement.create",
        Some(("announcement", created.id)),
        json!({
            "before": null,
            "after": {
                "contest_id": created.contest_id,
                "title": created.title,
                "body": created.body,
                "publish_at": created.publish_at,
                "expires_at": created.expires_at,
            },
        }),
    )
    .await?;
    txn.commit().await?;
    Ok(created)
}

/// Withdraws an announcement: it is shown nowhere public from now on (404 if unknown,
/// 409 `announcement_withdrawn` if already withdrawn). Audited.
pub async fn withdraw(
    db: &DatabaseConnection,
    engine: &Engine,
    id: i64,
    actor: Option<i64>,
) -> Result<announcement::Model> {
    let txn = db.begin().await?;
    let current = announcement::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if current.withdrawn_at.is_some() {
        return Err(AppError::conflict(
            "announcement_withdrawn",
            "Thông báo này đã được thu hồi.",
        ));
    }
    let now = engine.now();
    let updated = announcement::ActiveModel {
        id: Set(current.id),
        withdrawn_at: Set(Some(now)),
        ..Default::default()
    }
    .update(&txn)
    .await?;
    crate::audit::record(
        &txn,
        actor,
        "announcement.withdraw",
        Some(("announcement", id)),
        json!({
            "before": {"withdrawn_at": null},
            "after": {"withdrawn_at": now},
            "title": current.title,
            "contest_id": current.contest_id,
        }),
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

/// Which announcements a public list reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The site-wide ones only.
    Site,
    /// One contest's only (the caller checks that the contest may be seen).
    Contest(i64),
    /// Site-wide and every contest's: the home page groups them, and leaves out those of
    /// contests it does not list.
    Everywhere,
}

/// The live announcements of `scope`, newest first.
pub async fn live<C: ConnectionTrait>(
    db: &C,
    scope: Scope,
    now: DateTime<Utc>,
) -> Result<Vec<announcement::Model>> {
    let mut query = announcement::Entity::find()
        .filter(announcement::Column::WithdrawnAt.is_null())
        .filter(announcement::Column::PublishAt.lte(now));
    query = match scope {
        Scope::Site => query.filter(announcement::Column::ContestId.is_null()),
        Scope::Contest(id) => query.filter(announcement::Column::ContestId.eq(id)),
        Scope::Everywhere => query,
    };
    let mut list: Vec<_> = query
        .order_by_desc(announcement::Column::PublishAt)
        .limit(LIST_LIMIT)
        .all(db)
        .await?
        .into_iter()
        .filter(|a| is_live(a, now))
        .collect();
    newest_first(&mut list);
    Ok(list)
}

/// Every announcement, withdrawn ones included, newest first (the organiser's list).
pub async fn all<C: ConnectionTrait>(db: &C) -> Result<Vec<announcement::Model>> {
    let mut list = announcement::Entity::find()
        .order_by_desc(announcement::Column::PublishAt)
        .limit(LIST_LIMIT)
        .all(db)
        .await?;
    newest_first(&mut list);
    Ok(list)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn at(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 2, h, 0, 0).unwrap()
    }

    fn spec(title: &str, body: &str) -> AnnouncementSpec {
        AnnouncementSpec {
            title: title.into(),
            body: body.into(),
            ..Default::default()
        }
    }

    fn model(publish: DateTime<Utc>, expires: Option<DateTime<Utc>>) -> announcement::Model {
        announcement::Model {
            id: 1,
            contest_id: None,
            title: "T".into(),
            body: "B".into(),
            publish_at: publish,
            expires_at: expires,
            withdrawn_at: None,
            created_by: None,
            created_at: publish,
        }
    }

    #[test]
    fn a_valid_spec_is_cleaned_and_published_now_by_default() {
        let clean = validate(&spec("  Lịch   thi ", "\n Dòng 1  \nDòng 2\n\n"), at(8)).unwrap();
        assert_eq!(clean.title, "Lịch thi");
        assert_eq!(clean.body, "Dòng 1\nDòng 2");
        assert_eq!(clean.publish_at, at(8));
        assert_eq!(clean.expires_at, None);
    }

    #[test]
    fn sizes_are_bounded_and_every_bad_field_is_named() {
        let long_title = "a".repeat(TITLE_MAX + 1);
        let long_body = "b".repeat(BODY_MAX + 1);
        let err = validate(&spec(&long_title, &long_body), at(8)).unwrap_err();
        let AppError::Validation { fields } = err else {
            panic!("{err:?}")
        };
        assert_eq!(
            fields.keys().collect::<Vec<_>>(),
            ["body", "title"],
            "{fields:?}"
        );
        assert!(validate(&spec(&"a".repeat(TITLE_MAX), &"b".repeat(BODY_MAX)), at(8)).is_ok());
        assert!(validate(&spec(" ", "x"), at(8)).is_err());
    }

    #[test]
    fn the_expiry_must_follow_the_publish_time() {
        let mut s = spec("T", "B");
        s.publish_at = Some(at(10));
        s.expires_at = Some(at(10));
        let err = validate(&s, at(8)).unwrap_err();
        assert!(
            matches!(&err, AppError::Validation { fields } if fields.contains_key("expires_at"))
        );
        s.expires_at = Some(at(11));
        assert!(validate(&s, at(8)).is_ok());
        // Without a publish time, the expiry is compared with now.
        let mut s = spec("T", "B");
        s.expires_at = Some(at(7));
        assert!(validate(&s, at(8)).is_err());
    }

    #[test]
    fn an_announcement_is_live_from_its_publish_time_until_it_expires_or_is_withdrawn() {
        let a = model(at(10), Some(at(12)));
        assert!(!is_live(&a, at(10) - Duration::seconds(1)));
        assert!(is_live(&a, at(10)));
        assert!(is_live(&a, at(12) - Duration::seconds(1)));
        assert!(!is_live(&a, at(12)));
        assert!(is_live(&model(at(10), None), at(23)));
        let withdrawn = announcement::Model {
            withdrawn_at: Some(at(11)),
            ..a
        };
        assert!(!is_live(&withdrawn, at(11)));
        assert_eq!(state_vi(&withdrawn, at(11)), "Đã thu hồi");
    }

    #[test]
    fn lists_put_the_newest_first() {
        let mut list = vec![model(at(8), None), model(at(10), None), model(at(9), None)];
        newest_first(&mut list);
        let hours: Vec<_> = list.iter().map(|a| a.publish_at).collect();
        assert_eq!(hours, [at(10), at(9), at(8)]);
    }
}

//! Who runs this site, as people read it: the organiser's name (the data controller named
//! in the consent text, #16), the province, a hotline and a contact address. Kept in
//! `app_settings` (so several instances share them), set by an admin on `/admin` or with
//! `PATCH /api/v1/site`, read by every page through a short cache ([`SITE_CACHE_TTL`]).
//!
//! Only these keys are ever read or written here: `app_settings` also holds secrets (the
//! token key), which no setting API may reach.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, TransactionTrait};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::entities::app_setting;
use crate::error::{AppError, Result};
use crate::text;

/// How long an instance serves the settings it read (another instance's change shows
/// within this).
pub const SITE_CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(10);

/// The organiser's name when none is set.
pub const DEFAULT_ORGANISER: &str = "Ban Tổ chức cuộc thi";

/// The `app_settings` keys, and the longest value each takes (characters).
const ORGANISER_NAME: (&str, usize) = ("organiser_name", 200);
const PROVINCE: (&str, usize) = ("site.province", 100);
const HOTLINE: (&str, usize) = ("site.hotline", 30);
const CONTACT_EMAIL: (&str, usize) = ("site.contact_email", 200);
const KEYS: [&str; 4] = [ORGANISER_NAME.0, PROVINCE.0, HOTLINE.0, CONTACT_EMAIL.0];

/// The site's identity, as pages and `GET /api/v1/site` show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SiteInfo {
    /// The organiser (Ban Tổ chức), who processes participants' data.
    pub organiser_name: String,
    /// The province or ministry the contest belongs to, e.g. "Tỉnh Vĩnh Long".
    pub province: Option<String>,
    /// A phone number participants call for help.
    pub hotline: Option<String>,
    /// An address participants write to.
    pub contact_email: Option<String>,
}

impl Default for SiteInfo {
    fn default() -> Self {
        SiteInfo {
            organiser_name: DEFAULT_ORGANISER.to_owned(),
            province: None,
            hotline: None,
            contact_email: None,
        }
    }
}

/// The body of `PATCH /api/v1/site`: each field given replaces the value (an empty string
/// clears it; a cleared organiser name falls back to [`DEFAULT_ORGANISER`]).
#[derive(Debug, Default, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SitePatch {
    pub organiser_name: Option<String>,
    pub province: Option<String>,
    pub hotline: Option<String>,
    pub contact_email: Option<String>,
}

/// Reads the settings (defaults for what is not set).
pub async fn load<C: ConnectionTrait>(db: &C) -> Result<SiteInfo> {
    let rows = app_setting::Entity::find()
        .filter(app_setting::Column::Key.is_in(KEYS))
        .all(db)
        .await?;
    let get = |key: &str| {
        rows.iter()
            .find(|r| r.key == key)
            .map(|r| r.value.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    Ok(SiteInfo {
        organiser_name: get(ORGANISER_NAME.0).unwrap_or_else(|| DEFAULT_ORGANISER.to_owned()),
        province: get(PROVINCE.0),
        hotline: get(HOTLINE.0),
        contact_email: get(CONTACT_EMAIL.0),
    })
}

/// A value checked against its key's rule (an email normalised); `""` clears.
fn checked(field: &str, (_, max): (&str, usize), value: &str) -> Result<String> {
    let value = text::clean(value);
    if text::char_len(&value) > max {
        return Err(AppError::field(
            field,
            format!("Không được dài quá {max} ký tự."),
        ));
    }
    match field {
        "hotline"
            if !value
                .chars()
                .all(|c| c.is_ascii_digit() || " +.-()".contains(c)) =>
        {
            Err(AppError::field(
                field,
                "Số điện thoại chỉ gồm chữ số, dấu cách và các ký tự + . - ( ).",
            ))
        }
        "contact_email" if !value.is_empty() => crate::accounts::normalize_email(&value)
            .ok_or_else(|| AppError::field(field, "Địa chỉ email không hợp lệ.")),
        _ => Ok(value),
    }
}

/// Applies a change (every field checked before anything is written), audited with the
/// values before and after; returns the settings now.
pub async fn update(
    db: &sea_orm::DatabaseConnection,
    actor: i64,
    patch: SitePatch,
) -> Result<SiteInfo> {
    let fields = [
        ("organiser_name", ORGANISER_NAME, patch.organiser_name),
        ("province", PROVINCE, patch.province),
        ("hotline", HOTLINE, patch.hotline),
        ("contact_email", CONTACT_EMAIL, patch.contact_email),
    ];
    let mut changes = Vec::new();
    for (field, rule, value) in fields {
        if let Some(value) = value {
            changes.push((rule.0, checked(field, rule, &value)?));
        }
    }
    if changes.is_empty() {
        return Err(AppError::bad_request(
            "empty_change",
            "Cần ít nhất một trường để sửa: organiser_name, province, hotline hoặc contact_email.",
        ));
    }
    let txn = db.begin().await?;
    let before = load(&txn).await?;
    for (key, value) in changes {
        app_setting::Entity::delete_by_id(key.to_owned())
            .exec(&txn)
            .await?;
        if !value.is_empty() {
            app_setting::Entity::insert(app_setting::ActiveModel {
                key: Set(key.to_owned()),
                value: Set(value),
            })
            .exec(&txn)
            .await?;
        }
    }
    let after = load(&txn).await?;
    crate::audit::record(
        &txn,
        Some(actor),
        "site.update",
        None,
        json!({ "before": before, "after": after }),
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_checked_by_their_rule() {
        assert!(checked("hotline", HOTLINE, " 0270 3822 xxx ").is_err());
        assert_eq!(
            checked("hotline", HOTLINE, "(0270) 3.822-111").unwrap(),
            "(0270) 3.822-111"
        );
        assert!(checked("contact_email", CONTACT_EMAIL, "khong-phai-email").is_err());
        assert_eq!(checked("contact_email", CONTACT_EMAIL, "").unwrap(), "");
        assert_eq!(
            checked("contact_email", CONTACT_EMAIL, " HoTro@VinhLong.gov.vn").unwrap(),
            "hotro@vinhlong.gov.vn"
        );
        assert!(checked("province", PROVINCE, &"x".repeat(101)).is_err());
        assert_eq!(
            checked("province", PROVINCE, "  Tỉnh Vĩnh Long ").unwrap(),
            "Tỉnh Vĩnh Long"
        );
    }

    #[test]
    fn only_the_site_keys_are_ever_read() {
        assert!(
            KEYS.iter()
                .all(|k| *k == "organiser_name" || k.starts_with("site."))
        );
    }
}

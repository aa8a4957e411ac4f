//! Accounts: participants and staff, registration, login, roles.
//!
//! One account per person: the phone number is unique, and so is the national ID
//! number (CCCD) when given. Staff (organisers, judges, admins) log in with an email and
//! may not compete.

pub mod anonymise;
mod identity;
mod login;
pub mod mail;
pub mod participants;
pub mod password;
pub mod phone;
pub mod profile;
pub mod recovery;
pub mod requests;
pub mod sessions;
pub mod staff;
pub mod throttle;
pub mod token;

pub use identity::*;
pub use login::{
    Client, account_voided, change_password, check_login, end_session, register, revoke_tokens,
};

use crate::db::OneByKey;
use std::collections::BTreeMap;

use chrono::{NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    QueryOrder, Set, TransactionSession, TransactionTrait, UpdateMany,
};
use serde::Deserialize;

use crate::entities::{category, identity_conflict, unit, user};
use crate::error::{AppError, Result, map_unique, unique_violation};
use crate::text;

pub use crate::entities::user::Role;

/// The body of `POST /api/v1/auth/register`. Every field is optional at the type level
/// so that a missing field is reported by name, like any other bad field.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Registration {
    pub full_name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub national_id: Option<String>,
    pub birth_date: Option<String>,
    pub gender: Option<String>,
    pub category: Option<String>,
    pub unit_code: Option<String>,
    pub password: Option<String>,
    /// Consent to the processing of the personal data for the purposes stated on the form
    /// (Decree 13/2023/NĐ-CP, text version [`profile::CONSENT_VERSION`]); `true` is required.
    pub consent: Option<bool>,
}

/// A registration that passed validation: normalised, ready to store.
#[derive(Debug, Clone)]
pub struct ValidRegistration {
    pub full_name: String,
    pub phone: String,
    pub email: Option<String>,
    pub national_id: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub gender: Option<String>,
    pub category: String,
    pub unit_code: String,
    pub password: String,
}

const REQUIRED: &str = "Trường này là bắt buộc.";
/// Passwords shorter than this are refused.
pub const MIN_PASSWORD_CHARS: usize = 8;
const MAX_PASSWORD_CHARS: usize = 128;

/// Normalises an email address, or `None` when it is not plausible.
pub fn normalize_email(input: &str) -> Option<String> {
    let email = text::clean(input).to_lowercase();
    let (local, domain) = email.split_once('@')?;
    let plausible = !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.contains(' ')
        && email.len() <= 254
        && !domain.contains('@');
    plausible.then_some(email)
}

/// Checks a password's length, the one rule we impose (NIST 800-63B).
pub fn check_password(password: &str) -> std::result::Result<(), String> {
    let n = text::char_len(password);
    if n < MIN_PASSWORD_CHARS {
        Err(format!(
            "Mật khẩu phải có ít nhất {MIN_PASSWORD_CHARS} ký tự."
        ))
    } else if n > MAX_PASSWORD_CHARS {
        Err(format!(
            "Mật khẩu không được dài quá {MAX_PASSWORD_CHARS} ký tự."
        ))
    } else {
        Ok(())
    }
}

impl Registration {
    /// Validates every field, normalising as it goes; the error names each bad field.
    /// Whether the category and unit exist is checked against the database separately.
    pub fn validate(self, today: NaiveDate) -> Result<ValidRegistration> {
        let mut errors = BTreeMap::new();
        let mut bad = |field: &str, message: String| {
            errors.insert(field.to_owned(), message);
        };

        let full_name = text::clean_opt(self.full_name.as_deref());
        match &full_name {
            None => bad("full_name", REQUIRED.into()),
            Some(name) if text::char_len(name) < 2 || text::char_len(name) > 100 => {
                bad("full_name", "Họ và tên phải có từ 2 đến 100 ký tự.".into())
            }
            Some(name) => {
                if let Err(message) = text::check_person_name(name) {
                    bad("full_name", message.into());
                }
            }
        }

        let phone = match text::clean_opt(self.phone.as_deref()) {
            None => {
                bad("phone", REQUIRED.into());
                None
            }
            Some(raw) => {
                let normalized = phone::normalize(&raw);
                if normalized.is_none() {
                    bad(
                        "phone",
                        "Số điện thoại không hợp lệ (ví dụ: 0912345678 hoặc +84912345678).".into(),
                    );
                }
                normalized
            }
        };

        let email = match text::clean_opt(self.email.as_deref()) {
            None => None,
            Some(raw) => {
                let normalized = normalize_email(&raw);
                if normalized.is_none() {
                    bad("email", "Địa chỉ email không hợp lệ.".into());
                }
                normalized
            }
        };

        let national_id = text::clean_opt(self.national_id.as_deref()).map(|s| s.replace(' ', ""));
        if let Some(id) = &national_id
            && !(id.len() == 12 && id.chars().all(|c| c.is_ascii_digit()))
        {
            bad("national_id", "Số CCCD phải gồm đúng 12 chữ số.".into());
        }

        let birth_date = match text::clean_opt(self.birth_date.as_deref()) {
            None => None,
            Some(raw) => match NaiveDate::parse_from_str(&raw, "%Y-%m-%d") {
                Ok(date)
                    if date <= today
                        && date >= NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(date) =>
                {
                    Some(date)
                }
                Ok(_) => {
                    bad("birth_date", "Ngày sinh không hợp lệ.".into());
                    None
                }
                Err(_) => {
                    bad(
                        "birth_date",
                        "Ngày sinh phải theo dạng NNNN-TT-NN (ví dụ 1990-05-31).".into(),
                    );
                    None
                }
            },
        };

        let gender = text::clean_opt(self.gender.as_deref());
        if let Some(g) = &gender
            && !matches!(g.as_str(), "male" | "female" | "other")
        {
            bad(
                "gender",
                "Giới tính phải là male, female hoặc other.".into(),
            );
        }

        let category = text::clean_opt(self.category.as_deref());
        if category.is_none() {
            bad("category", REQUIRED.into());
        }
        let unit_code = text::clean_opt(self.unit_code.as_deref());
        if unit_code.is_none() {
            bad("unit_code", REQUIRED.into());
        }

        // Passwords are not trimmed or normalised beyond NFC: every character counts.
        let password = self.password.map(|p| text::nfc(&p));
        match &password {
            None => bad("password", REQUIRED.into()),
            Some(p) => {
                if let Err(message) = check_password(p) {
                    bad("password", message);
                }
            }
        }

        // Decree 13/2023: no processing of personal data without the subject's consent.
        if self.consent != Some(true) {
            bad("consent", profile::CONSENT_REQUIRED.into());
        }

        match (full_name, phone, category, unit_code, password) {
            (Some(full_name), Some(phone), Some(category), Some(unit_code), Some(password))
                if errors.is_empty() =>
            {
                Ok(ValidRegistration {
                    full_name,
                    phone,
                    email,
                    national_id,
                    birth_date,
                    gender,
                    category,
                    unit_code,
                    password,
                })
            }
            _ => Err(AppError::Validation { fields: errors }),
        }
    }
}

/// The columns whose uniqueness registration relies on, and what to answer.
const UNIQUE_USER_COLUMNS: &[(&str, &str, &str)] = &[
    ("phone", "phone_taken", PHONE_TAKEN),
    (
        "national_id",
        "national_id_taken",
        "Số CCCD này đã được dùng để đăng ký.",
    ),
    ("email", "email_taken", "Địa chỉ email này đã được dùng."),
];

const PHONE_TAKEN: &str = "Số điện thoại này đã được dùng để đăng ký.";

/// Registration answers only a taken phone number (it has to: the number is the login).
const UNIQUE_PHONE: &[(&str, &str, &str)] = &[("phone", "phone_taken", PHONE_TAKEN)];

/// Creates a staff account (organiser, judge or admin) that logs in with `email`.
pub async fn create_staff<C: ConnectionTrait>(
    db: &C,
    role: Role,
    email: &str,
    full_name: &str,
    password_hash: String,
) -> Result<user::Model> {
    if !role.is_staff() {
        return Err(AppError::field(
            "role",
            "Vai trò phải là admin, organiser hoặc judge.",
        ));
    }
    let email = normalize_email(email)
        .ok_or_else(|| AppError::field("login", "Địa chỉ email không hợp lệ."))?;
    let full_name = text::clean(full_name);
    if full_name.is_empty() {
        return Err(AppError::field("name", REQUIRED));
    }
    text::check_person_name(&full_name).map_err(|message| AppError::field("name", message))?;
    let now = Utc::now();
    let model = user::ActiveModel {
        role: Set(role),
        search_name: Set(text::fold(&full_name)),
        full_name: Set(full_name),
        email: Set(Some(email)),
        password_hash: Set(password_hash),
        voided: Set(false),
        token_version: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .map_err(|e| map_unique(e, UNIQUE_USER_COLUMNS))?;
    Ok(model)
}

/// Moves a user's token version on by one — every token issued before dies — together with
/// the other changes of `also` (a new password hash, a void), in one update. The increment
/// is done by the database, never from a row read earlier, which another instance may have
/// moved meanwhile. Returns the user as it now stands. Callers drop the user from the
/// signed-in cache (`AppState::users`).
pub async fn bump_token_version<C: ConnectionTrait>(
    db: &C,
    user_id: i64,
    also: impl FnOnce(UpdateMany<user::Entity>) -> UpdateMany<user::Entity>,
) -> Result<user::Model> {
    let update = user::Entity::update_many()
        .col_expr(
            user::Column::TokenVersion,
            Expr::col(user::Column::TokenVersion).add(1),
        )
        .col_expr(user::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(user::Column::Id.eq(user_id));
    also(update).exec(db).await?;
    user::Entity::find_by_id(user_id)
        .one_by_key(db)
        .await?
        .ok_or(AppError::NotFound)
}

/// Every participant category, in display order.
pub async fn categories<C: ConnectionTrait>(db: &C) -> Result<Vec<category::Model>> {
    Ok(category::Entity::find()
        .order_by_asc(category::Column::Position)
        .all(db)
        .await?)
}

/// Finds the account a login names: a phone number (any format) or an email address.
pub async fn find_by_login<C: ConnectionTrait>(db: &C, login: &str) -> Result<Option<user::Model>> {
    let Some(key) = login_key(login) else {
        return Ok(None);
    };
    let filter = if key.contains('@') {
        user::Column::Email.eq(key)
    } else {
        user::Column::Phone.eq(key)
    };
    Ok(user::Entity::find().filter(filter).one_by_key(db).await?)
}

/// The account a login identifier names, normalised (a phone number in one format, an
/// email in lower case), or `None` when it cannot name one. Every spelling of one
/// account gives one key: the per-account login limit counts by it.
pub fn login_key(login: &str) -> Option<String> {
    let login = text::clean(login);
    if login.contains('@') {
        normalize_email(&login)
    } else {
        phone::normalize(&login)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
    }

    fn valid() -> Registration {
        Registration {
            full_name: Some("  Nguyễn   Văn An ".into()),
            phone: Some("+84 912 345 678".into()),
            email: Some("An@Example.VN".into()),
            national_id: Some("086123456789".into()),
            birth_date: Some("1990-05-31".into()),
            gender: None,
            category: Some("official".into()),
            unit_code: Some("SO-TP".into()),
            password: Some("mật khẩu dài".into()),
            consent: Some(true),
        }
    }

    #[test]
    fn a_valid_registration_is_normalised() {
        let v = valid().validate(today()).unwrap();
        assert_eq!(v.full_name, "Nguyễn Văn An");
        assert_eq!(v.phone, "0912345678");
        assert_eq!(v.email.as_deref(), Some("an@example.vn"));
    }

    #[test]
    fn every_bad_field_is_named() {
        let reg = Registration {
            full_name: Some(" ".into()),
            phone: Some("12".into()),
            email: Some("not-an-email".into()),
            national_id: Some("123".into()),
            birth_date: Some("31/05/1990".into()),
            gender: Some("x".into()),
            category: None,
            unit_code: None,
            password: Some("short".into()),
            consent: Some(false),
        };
        let Err(AppError::Validation { fields }) = reg.validate(today()) else {
            panic!("expected a validation error");
        };
        let names: Vec<_> = fields.keys().map(String::as_str).collect();
        assert_eq!(
            names,
            [
                "birth_date",
                "category",
                "consent",
                "email",
                "full_name",
                "gender",
                "national_id",
                "password",
                "phone",
                "unit_code"
            ]
        );
    }

    async fn database() -> (crate::db::Db, tempfile::TempDir) {
        let (db, dir) = crate::db::test_database().await;
        crate::units::import_csv(
            &db.write,
            "code,name,parent_code,kind,block,headcount\nSO-TP,Sở Tư pháp,,department,,48\n"
                .as_bytes(),
            None,
        )
        .await
        .unwrap();
        (db, dir)
    }

    fn with_phone(phone: &str) -> ValidRegistration {
        let mut reg = valid().validate(today()).unwrap();
        reg.phone = phone.into();
        reg
    }

    #[tokio::test]
    async fn a_value_taken_after_the_look_is_retried_not_a_conflict() {
        // Arrange: a look made before another registration takes the same CCCD and email.
        let (db, _dir) = database().await;
        let db = &db.write;
        let late = with_phone("0912000002");
        let stale = plan_identity(db, &late, Identity::Unless).await.unwrap();
        assert!(stale.aside.is_empty());
        let (first, _) = create_participant(db, with_phone("0912000001"), "h".into())
            .await
            .unwrap();

        // Act / Assert: inserting on the stale look hits the unique index, which the retry
        // recognises; registering looks again and sets both values aside.
        let err = insert_participant(db, &late, first.unit_id.unwrap(), "h", stale)
            .await
            .unwrap_err();
        assert!(is_identity_violation(&err), "{err}");
        let (second, _) = create_participant(db, late, "h".into()).await.unwrap();
        assert_eq!((second.national_id, second.email), (None, None));
        let aside = set_aside_of(db, second.id).await.unwrap();
        assert_eq!(aside.national_id.as_deref(), Some("086123456789"));
        assert_eq!(aside.email.as_deref(), Some("an@example.vn"));
        let groups = taken_identity_groups(db).await.unwrap();
        let ids: Vec<(&str, Vec<i64>)> = groups
            .iter()
            .map(|(reason, users)| (*reason, users.iter().map(|u| u.id).collect()))
            .collect();
        assert_eq!(
            ids,
            [
                ("same_national_id", vec![first.id, second.id]),
                ("same_email", vec![first.id, second.id])
            ]
        );
        // A taken phone is still the one conflict registration answers.
        let again = create_participant(db, with_phone("0912000001"), "h".into()).await;
        assert!(matches!(
            again,
            Err(AppError::Conflict {
                code: "phone_taken",
                ..
            })
        ));
    }

    #[test]
    fn a_birth_date_in_the_future_is_refused() {
        let mut reg = valid();
        reg.birth_date = Some("2027-01-01".into());
        assert!(reg.validate(today()).is_err());
    }
}

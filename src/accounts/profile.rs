//! A participant's own personal data (Decree 13/2023/NĐ-CP, issue #16): the consent they
//! gave at registration, a copy of everything the contest holds about them (JSON or CSV),
//! and their requests to the organisers to correct or delete it ([`super::requests`]).
//!
//! Fairness comes before completeness in the copy: answers are included only for rounds
//! whose review is public ([`fairness::review_visible`]) and scores only where the round
//! shows them ([`fairness::scores_visible`]); an open round's answers would help nobody
//! but someone collecting the key.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};
use serde::Serialize;
use serde_json::json;

use super::requests::{RequestEntry, requests_where};
use crate::contest::attempts::drawn_of;
use crate::contest::fairness;
use crate::db::OneByKey;
use crate::entities::{answer, attempt, consent, round, unit, user};
use crate::error::{AppError, Result};

/// The version of the consent text ([`consent_text`]); a change of the text is a new
/// version, and the record keeps the version each participant agreed to.
pub const CONSENT_VERSION: &str = "2026-12-01";

/// The answer to a registration without consent.
pub const CONSENT_REQUIRED: &str = "Bạn cần đồng ý để Ban Tổ chức xử lý dữ liệu cá nhân theo mục đích nêu trên thì mới đăng ký được.";

/// The consent text shown on the registration form: what the data is for, who processes
/// it, how long it is kept and what the participant may ask — in the words of the decree.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ConsentText {
    pub version: &'static str,
    /// Who processes the data (the data controller).
    pub controller: String,
    pub purpose: &'static str,
    pub data: &'static str,
    pub retention: &'static str,
    pub rights: &'static str,
}

/// The consent text, naming `controller` as the one who processes the data.
pub fn consent_text(controller: String) -> ConsentText {
    ConsentText {
        version: CONSENT_VERSION,
        controller,
        purpose: "Tổ chức cuộc thi: xác nhận người dự thi, chấm điểm và xếp hạng, \
                  xét và trao giải, liên hệ với người đạt giải.",
        data: "Họ và tên, số điện thoại, đơn vị, đối tượng dự thi; email, số CCCD và ngày sinh \
               nếu bạn cung cấp; bài làm và kết quả. Kết quả công bố chỉ gồm họ tên và đơn vị.",
        retention: "Lưu trong thời gian cuộc thi diễn ra và tối đa 12 tháng sau khi cuộc thi \
                    kết thúc (hoặc thời hạn Ban Tổ chức công bố); sau đó số điện thoại, email, \
                    số CCCD và ngày sinh được xoá không thể khôi phục, kết quả đã công bố được giữ lại.",
        rights: "Bạn có quyền xem và tải dữ liệu của mình, yêu cầu chỉnh sửa hoặc xoá, \
                 rút lại sự đồng ý tại trang Tài khoản.",
    }
}

/// Records that `user_id` consented to the current text at `at` (inside the registration's
/// transaction).
pub async fn record_consent<C: ConnectionTrait>(
    db: &C,
    user_id: i64,
    at: DateTime<Utc>,
) -> std::result::Result<(), DbErr> {
    consent::ActiveModel {
        user_id: Set(user_id),
        version: Set(CONSENT_VERSION.to_owned()),
        given_at: Set(at),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// A consent given: the text version and when.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ConsentRecord {
    pub version: String,
    pub given_at: DateTime<Utc>,
}

/// The latest consent `user_id` gave, if any (staff and accounts older than consent have
/// none).
pub async fn consent_of<C: ConnectionTrait>(db: &C, user_id: i64) -> Result<Option<ConsentRecord>> {
    Ok(consent::Entity::find()
        .filter(consent::Column::UserId.eq(user_id))
        .order_by_desc(consent::Column::GivenAt)
        .one(db)
        .await?
        .map(|c| ConsentRecord {
            version: c.version,
            given_at: c.given_at,
        }))
}

/// The personal data of an account, as registered.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Profile {
    pub id: i64,
    pub role: user::Role,
    pub full_name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub national_id: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub gender: Option<String>,
    pub category: Option<String>,
    pub unit_code: Option<String>,
    pub unit_name: Option<String>,
    pub registered_at: DateTime<Utc>,
}

/// The profile of `u`, with the ID number and email set aside at registration (they are
/// the participant's own data too).
pub async fn profile_of<C: ConnectionTrait>(db: &C, u: &user::Model) -> Result<Profile> {
    let aside = super::set_aside_of(db, u.id).await?;
    let unit = match u.unit_id {
        Some(id) => unit::Entity::find_by_id(id).one_by_key(db).await?,
        None => None,
    };
    Ok(Profile {
        id: u.id,
        role: u.role,
        full_name: u.full_name.clone(),
        phone: u.phone.clone(),
        email: u.email.clone().or(aside.email),
        national_id: u.national_id.clone().or(aside.national_id),
        birth_date: u.birth_date,
        gender: u.gender.clone(),
        category: u.category_code.clone(),
        unit_code: unit.as_ref().map(|x| x.code.clone()),
        unit_name: unit.map(|x| x.name),
        registered_at: u.created_at,
    })
}

/// An ID number shown on screen: its last four digits only.
pub fn mask_national_id(id: &str) -> String {
    let n = id.chars().count();
    id.chars()
        .enumerate()
        .map(|(i, c)| if i + 4 < n { '•' } else { c })
        .collect()
}

/// One saved answer of an attempt whose round's review is public.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MyAnswer {
    /// 1-based place of the question in the attempt.
    pub position: i32,
    pub question_id: Option<i64>,
    /// The chosen options, as indexes in the bank's order (0-based).
    pub choices: Vec<usize>,
    pub saved_at: DateTime<Utc>,
}

/// One attempt, as its owner may see it now.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MyAttempt {
    pub id: i64,
    pub round_id: i64,
    pub round_title: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub status: attempt::Status,
    /// `None` while the round holds scores back.
    pub score: Option<i32>,
    pub max_score: i32,
    pub correct: Option<i32>,
    pub time_taken_ms: Option<i64>,
    /// Whether [`MyAttempt::answers`] is given: only once the round is settled and its
    /// review public (an open round's answers stay out, for fairness).
    pub answers_included: bool,
    pub answers: Vec<MyAnswer>,
}

/// Everything the contest holds about one account: `GET /api/v1/me/data`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MyData {
    pub exported_at: DateTime<Utc>,
    pub profile: Profile,
    /// The consent given at registration; `None` for staff.
    pub consent: Option<ConsentRecord>,
    pub attempts: Vec<MyAttempt>,
    pub requests: Vec<RequestEntry>,
}

/// Collects the data of `u` (see the module's note on what is left out).
pub async fn my_data<C: ConnectionTrait>(db: &C, u: &user::Model) -> Result<MyData> {
    let profile = profile_of(db, u).await?;
    let consent = consent_of(db, u.id).await?;
    let mine = attempt::Entity::find()
        .filter(attempt::Column::UserId.eq(u.id))
        .order_by_asc(attempt::Column::StartedAt)
        .all(db)
        .await?;
    let mut attempts = Vec::with_capacity(mine.len());
    for a in mine {
        let r = round::Entity::find_by_id(a.round_id)
            .one_by_key(db)
            .await?
            .ok_or(AppError::NotFound)?;
        let scores = a.status == attempt::Status::Finished && fairness::scores_visible(&r);
        let answers_included = fairness::review_visible(&r);
        let answers = if answers_included {
            let drawn = drawn_of(&a)?;
            let mut rows = Vec::new();
            for saved in answer::Entity::find()
                .filter(answer::Column::AttemptId.eq(a.id))
                .order_by_asc(answer::Column::Position)
                .all(db)
                .await?
            {
                rows.push(MyAnswer {
                    position: saved.position,
                    question_id: usize::try_from(saved.position - 1)
                        .ok()
                        .and_then(|i| drawn.get(i))
                        .map(|d| d.question_id),
                    choices: saved.choices()?,
                    saved_at: saved.saved_at,
                });
            }
            rows
        } else {
            Vec::new()
        };
        attempts.push(MyAttempt {
            id: a.id,
            round_id: r.id,
            round_title: r.title,
            started_at: a.started_at,
            finished_at: a.finished_at,
            status: a.status,
            score: a.score.filter(|_| scores),
            max_score: a.max_score,
            correct: a.correct.filter(|_| scores),
            time_taken_ms: a.time_taken_ms,
            answers_included,
            answers,
        });
    }
    let requests = requests_where(db, Some(u.id)).await?;
    Ok(MyData {
        exported_at: Utc::now(),
        profile,
        consent,
        attempts,
        requests,
    })
}

/// The data as one CSV file, one fact per row: `section,item,field,value`. `section` is
/// `profile`, `consent`, `attempt` (item = attempt id), `answer` (item = attempt id/
/// position) or `request` (item = request id) — a spreadsheet filters it by section.
pub fn my_data_csv(data: &MyData) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut row = |section: &str, item: String, field: &str, value: String| {
        w.write_record([section, &item, field, &value])
    };
    let csv_err = |e: csv::Error| AppError::Unexpected(anyhow::anyhow!("Failed to write CSV: {e}"));
    let opt = |v: Option<String>| v.unwrap_or_default();
    (|| -> std::result::Result<(), csv::Error> {
        row("section", "item".into(), "field", "value".into())?;
        let p = &data.profile;
        row("profile", String::new(), "full_name", p.full_name.clone())?;
        row("profile", String::new(), "phone", opt(p.phone.clone()))?;
        row("profile", String::new(), "email", opt(p.email.clone()))?;
        row(
            "profile",
            String::new(),
            "national_id",
            opt(p.national_id.clone()),
        )?;
        row(
            "profile",
            String::new(),
            "birth_date",
            opt(p.birth_date.map(|d| d.to_string())),
        )?;
        row("profile", String::new(), "gender", opt(p.gender.clone()))?;
        row(
            "profile",
            String::new(),
            "category",
            opt(p.category.clone()),
        )?;
        row(
            "profile",
            String::new(),
            "unit_code",
            opt(p.unit_code.clone()),
        )?;
        row(
            "profile",
            String::new(),
            "unit_name",
            opt(p.unit_name.clone()),
        )?;
        row(
            "profile",
            String::new(),
            "registered_at",
            p.registered_at.to_rfc3339(),
        )?;
        if let Some(c) = &data.consent {
            row("consent", String::new(), "version", c.version.clone())?;
            row(
                "consent",
                String::new(),
                "given_at",
                c.given_at.to_rfc3339(),
            )?;
        }
        for a in &data.attempts {
            let id = a.id.to_string();
            row("attempt", id.clone(), "round", a.round_title.clone())?;
            row(
                "attempt",
                id.clone(),
                "started_at",
                a.started_at.to_rfc3339(),
            )?;
            row(
                "attempt",
                id.clone(),
                "finished_at",
                opt(a.finished_at.map(|t| t.to_rfc3339())),
            )?;
            row(
                "attempt",
                id.clone(),
                "score",
                opt(a.score.map(|s| s.to_string())),
            )?;
            row("attempt", id.clone(), "max_score", a.max_score.to_string())?;
            row(
                "attempt",
                id.clone(),
                "correct",
                opt(a.correct.map(|s| s.to_string())),
            )?;
            for answer in &a.answers {
                let choices: Vec<String> = answer.choices.iter().map(usize::to_string).collect();
                row(
                    "answer",
                    format!("{}/{}", a.id, answer.position),
                    "choices",
                    choices.join(" "),
                )?;
            }
        }
        for r in &data.requests {
            let id = r.id.to_string();
            row(
                "request",
                id.clone(),
                "kind",
                json!(r.kind).as_str().unwrap_or_default().to_owned(),
            )?;
            row(
                "request",
                id.clone(),
                "status",
                json!(r.status).as_str().unwrap_or_default().to_owned(),
            )?;
            row("request", id.clone(), "note", r.note.clone())?;
            row("request", id, "created_at", r.created_at.to_rfc3339())?;
        }
        Ok(())
    })()
    .map_err(csv_err)?;
    w.into_inner()
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("Failed to finish CSV: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_number_shows_its_last_four_digits_only() {
        assert_eq!(mask_national_id("086123456789"), "••••••••6789");
        assert_eq!(mask_national_id("123"), "123");
    }
}

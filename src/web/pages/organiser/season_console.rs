//! "Tạo cả mùa thi": the form creating a whole season of rounds on the contest console,
//! and its handler (`contest::season`).

use std::collections::BTreeMap;

use actix_web::web;
use maud::html;

use crate::banks::store;
use crate::contest::season::{self, SeasonRound, SeasonSpec};
use crate::error::AppError;
use crate::state::AppState;
use crate::views::form::FormOutcome;
use crate::views::layout::csrf_field;
use crate::vn_time;
use crate::web::extract::Organiser;
use crate::web::pages::{PageCtx, PageResult, see_other};

use super::contest_console::{contest_page, round_spec_of};

/// The season form ("Tạo cả mùa thi"): N rounds from a pattern, weekly by default.
pub(super) fn season_form(
    viewer: &crate::views::layout::Viewer,
    contest_id: i64,
    form: &BTreeMap<String, String>,
    now: chrono::DateTime<chrono::Utc>,
    banks: &[store::BankSummary],
) -> maud::Markup {
    let value = |k: &str, default: &str| {
        form.get(&format!("season-{k}"))
            .cloned()
            .unwrap_or_else(|| default.to_owned())
    };
    html! {
        form #season-create .card method="post" action={ "/organiser/contests/" (contest_id) "/season" } {
            h2 { "Tạo cả mùa thi" }
            p.hint { "Tạo nhiều vòng thi cùng lúc, cách đều nhau (mặc định mỗi tuần một vòng). Từng vòng thi sửa được sau khi tạo." }
            (csrf_field(viewer))
            label for="season-title" { "Tên vòng thi ({n} là số thứ tự)" }
            input #season-title type="text" name="season-title" value=(value("title", "Tuần {n}")) required;
            label for="season-first" { "Vòng đầu tiên mở lúc (giờ Việt Nam)" }
            input #season-first type="datetime-local" name="season-first_opens_at" value=(value("first_opens_at", &vn_time::input_value(now))) required;
            label for="season-count" { "Số vòng thi" }
            input #season-count type="number" name="season-count" min="1" max="52" value=(value("count", "8")) required;
            label for="season-period" { "Chu kỳ (ngày)" }
            input #season-period type="number" name="season-period_days" min="1" max="366" value=(value("period_days", "7")) required;
            label for="season-hours" { "Mỗi vòng mở trong (giờ)" }
            input #season-hours type="number" name="season-open_hours" min="1" value=(value("open_hours", "167")) required;
            label for="season-minutes" { "Thời gian làm bài (phút)" }
            input #season-minutes type="number" name="season-minutes" min="1" max="360" value=(value("minutes", "20")) required;
            label for="season-attempts" { "Số lượt thi (0 = không giới hạn)" }
            input #season-attempts type="number" name="season-max_attempts" min="0" max="1000" value=(value("max_attempts", "3")) required;
            label for="season-bank" { "Ngân hàng câu hỏi" }
            select #season-bank name="season-quota-0-bank" {
                @for b in banks {
                    option value=(b.code) selected[form.get("season-quota-0-bank") == Some(&b.code)] { (b.code) " — " (b.questions) " câu" }
                }
            }
            label for="season-questions" { "Số câu mỗi lượt thi" }
            input #season-questions type="number" name="season-quota-0-count" min="1" max="200" value=(value("quota-0-count", "20")) required;
            label for="season-prediction" { "Câu hỏi dự đoán (để trống nếu không dùng)" }
            input #season-prediction type="text" name="season-prediction"
                value=(value("prediction", "Theo bạn, vòng thi này có bao nhiêu người trả lời đúng tất cả các câu hỏi?"));
            div.actions { button type="submit" { "Tạo cả mùa thi" } }
        }
    }
}

/// The season a form asks for: its `season-` fields, the round's settings read as the
/// round form's.
fn season_spec_of(form: &BTreeMap<String, String>) -> Result<SeasonSpec, AppError> {
    let mut round_form: BTreeMap<String, String> = form
        .iter()
        .filter_map(|(k, v)| k.strip_prefix("season-").map(|k| (k.to_owned(), v.clone())))
        .collect();
    let first = round_form
        .get("first_opens_at")
        .cloned()
        .unwrap_or_default();
    round_form.insert("opens_at".into(), first.clone());
    round_form.insert("closes_at".into(), first);
    round_form.insert("order".into(), "by_difficulty".into());
    let number = |k: &str| round_form.get(k).and_then(|v| v.trim().parse::<i64>().ok());
    let mut fields = BTreeMap::new();
    let count = number("count");
    let period_days = number("period_days");
    let open_hours = number("open_hours");
    for (k, v) in [
        ("count", count),
        ("period_days", period_days),
        ("open_hours", open_hours),
    ] {
        if v.is_none() {
            fields.insert(k.to_owned(), "Phải là một số.".to_owned());
        }
    }
    let round = round_spec_of(&round_form);
    match (round, count, period_days, open_hours) {
        (Ok(r), Some(count), Some(period_days), Some(open_hours)) if fields.is_empty() => {
            Ok(SeasonSpec {
                first_opens_at: r.opens_at,
                period_days: Some(period_days),
                count,
                open_hours,
                round: SeasonRound {
                    title: r.title,
                    time_limit_secs: r.time_limit_secs,
                    max_attempts: r.max_attempts,
                    practice: false,
                    draw: r.draw,
                    draw_by_category: None,
                    order: r.order,
                    prediction: r.prediction,
                    score_shown: r.score_shown,
                    allow_overlap: false,
                },
            })
        }
        (Err(AppError::Validation { fields: more }), ..) => {
            fields.extend(more);
            Err(AppError::Validation { fields })
        }
        (Err(e), ..) => Err(e),
        _ => Err(AppError::Validation { fields }),
    }
}

/// `POST /organiser/contests/{id}/season` — creates a whole season (`contest::season`).
pub async fn create_season(
    ctx: PageCtx<Organiser>,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<BTreeMap<String, String>>,
) -> PageResult {
    ctx.check_csrf(form.get("csrf").map(String::as_str).unwrap_or_default())?;
    let contest_id = path.into_inner();
    let form = form.into_inner();
    let result = async {
        let spec = season_spec_of(&form)?;
        season::create_season(
            &state.db.write,
            &state.engine,
            contest_id,
            spec,
            Some(ctx.user.id()),
        )
        .await
    }
    .await;
    match result {
        Ok(rounds) => {
            tracing::info!(
                contest.id = contest_id,
                rounds = rounds.len(),
                "season created from the console"
            );
            Ok(see_other(&format!(
                "/organiser/contests/{contest_id}?ok=season"
            )))
        }
        Err(e) => contest_page(&ctx, &state, contest_id, &form, FormOutcome::refused(e)?).await,
    }
}

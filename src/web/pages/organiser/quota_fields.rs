//! The question groups of the round form: for each group a bank, a topic picked from the
//! banks' own topics, a difficulty and a count. The first group starts filled with the
//! first bank and a count that bank can fill, so a round can be created as the form opens.

use std::collections::BTreeMap;

use maud::{Markup, html};

use super::contest_console::QUOTA_ROWS;
use crate::banks::{Difficulty, store};
use crate::contest::difficulty_vi;
use crate::views::format::capitalised;

/// Questions the first group asks for by default (fewer if the bank has fewer).
const DEFAULT_COUNT: i64 = 20;

/// The groups' fields, showing `form` as typed (after "Kiểm tra" or a refusal).
pub(super) fn quota_fields(
    form: &BTreeMap<String, String>,
    banks: &[store::BankSummary],
    topics: &[store::BankTopic],
) -> Markup {
    let typed = |k: String| form.get(&k).cloned();
    html! {
        fieldset #round-quotas {
            legend { "Nhóm câu hỏi (để trống số câu nếu không dùng)" }
            @if banks.is_empty() {
                p.error role="alert" { "Chưa có ngân hàng câu hỏi. " a href="/organiser/banks" { "Tải lên ngân hàng câu hỏi" } " trước khi tạo vòng thi." }
            }
            @for i in 0..QUOTA_ROWS {
                @let chosen_bank = typed(format!("quota-{i}-bank"));
                @let bank = chosen_bank.as_deref().and_then(|c| banks.iter().find(|b| b.code == c)).or(banks.first());
                @let default_count = match (i, bank) {
                    (0, Some(b)) => DEFAULT_COUNT.min(b.questions).to_string(),
                    _ => String::new(),
                };
                @let chosen_topic = typed(format!("quota-{i}-topic")).unwrap_or_default();
                div.card {
                    label for={ "quota-" (i) "-bank" } { "Ngân hàng" }
                    select id={ "quota-" (i) "-bank" } name={ "quota-" (i) "-bank" } {
                        @for b in banks {
                            option value=(b.code) selected[bank.is_some_and(|x| x.id == b.id)] { (b.code) " — " (b.questions) " câu" }
                        }
                    }
                    label for={ "quota-" (i) "-topic" } { "Chủ đề (của ngân hàng đã chọn)" }
                    select id={ "quota-" (i) "-topic" } name={ "quota-" (i) "-topic" } {
                        option value="" selected[chosen_topic.is_empty()] { "Mọi chủ đề" }
                        @for b in banks {
                            optgroup label={ "Ngân hàng " (b.code) } {
                                @for t in topics.iter().filter(|t| t.bank_id == b.id) {
                                    option value=(t.topic) selected[chosen_topic == t.topic && bank.is_some_and(|x| x.id == b.id)] { (t.topic) " (" (t.questions) " câu)" }
                                }
                            }
                        }
                    }
                    label for={ "quota-" (i) "-difficulty" } { "Mức độ" }
                    select id={ "quota-" (i) "-difficulty" } name={ "quota-" (i) "-difficulty" } {
                        @let chosen = typed(format!("quota-{i}-difficulty")).unwrap_or_default();
                        option value="" selected[chosen.is_empty()] { "Mọi mức độ" }
                        @for d in [Difficulty::Easy, Difficulty::Medium, Difficulty::Hard] {
                            option value=(d.as_str()) selected[chosen == d.as_str()] { (capitalised(difficulty_vi(d))) }
                        }
                    }
                    label for={ "quota-" (i) "-count" } { "Số câu" }
                    input id={ "quota-" (i) "-count" } type="number" inputmode="numeric" name={ "quota-" (i) "-count" } min="0" max="200"
                        value=(typed(format!("quota-{i}-count")).unwrap_or(default_count));
                }
            }
        }
    }
}

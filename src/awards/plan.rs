//! A contest's prize plan: how many prizes of each level go to each category (per round
//! and for the whole contest), the optional rules real contests use, and the collective
//! prizes per block of units.

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::error::{AppError, Result};
use crate::text;

/// Prize levels in a plan at most (Nhất, Nhì, Ba, Khuyến khích… with room to spare).
pub const MAX_LEVELS: usize = 10;
/// Prizes of one level at most.
pub const MAX_COUNT: u32 = 1000;
/// Characters of a prize name at most.
pub const MAX_PRIZE_CHARS: usize = 60;
/// Characters of the certificate's organiser and signer lines at most.
pub const MAX_LINE_CHARS: usize = 200;

/// One prize level and how many of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PrizeCount {
    /// The prize's name as printed, e.g. `Giải Nhất`.
    #[schema(example = "Giải Nhất")]
    pub prize: String,
    pub count: u32,
}

/// The collective prizes: units compared within their block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CollectivePlan {
    /// The prizes of each block, best first.
    #[serde(default)]
    pub per_block: Vec<PrizeCount>,
    /// A unit with fewer participants is not eligible.
    #[serde(default = "one")]
    pub min_participants: u32,
}

fn one() -> u32 {
    1
}

impl Default for CollectivePlan {
    fn default() -> Self {
        CollectivePlan {
            per_block: Vec::new(),
            min_participants: 1,
        }
    }
}

/// Participation certificates: everyone who finished a ranked round with at least
/// `min_score` gets a "Giấy chứng nhận tham gia" with that round's list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ParticipationPlan {
    /// The least score of the round that earns the certificate.
    #[serde(default)]
    pub min_score: i64,
}

/// The body of `PUT /api/v1/contests/{id}/prize-plan`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PrizePlan {
    /// The individual prizes, best first; they apply per category, to each round and to
    /// the whole contest.
    pub individual: Vec<PrizeCount>,
    /// At most one individual prize per person across the contest: a person already
    /// awarded in another published list of the contest is skipped and the next takes
    /// the place.
    #[serde(default)]
    pub one_per_person: bool,
    /// The least score that may win an individual prize.
    #[serde(default)]
    pub min_score: i64,
    #[serde(default)]
    pub collective: CollectivePlan,
    /// The organiser named on certificates (the contest's title is printed anyway).
    #[serde(default)]
    pub organiser: Option<String>,
    /// The signer line of certificates, e.g. `TM. BAN TỔ CHỨC — Trưởng ban`.
    #[serde(default)]
    pub signer: Option<String>,
    /// Participation certificates with each round's list (absent: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub participation: Option<ParticipationPlan>,
}

impl PrizePlan {
    /// The plan with its text cleaned (NFC, trimmed), or the invalid fields.
    pub fn validated(mut self) -> Result<PrizePlan> {
        let mut fields = BTreeMap::new();
        check_levels("individual", &mut self.individual, &mut fields);
        check_levels(
            "collective.per_block",
            &mut self.collective.per_block,
            &mut fields,
        );
        if self.min_score < 0 {
            fields.insert("min_score".into(), "Điểm tối thiểu không được âm.".into());
        }
        if self.participation.as_ref().is_some_and(|p| p.min_score < 0) {
            fields.insert(
                "participation.min_score".into(),
                "Điểm tối thiểu không được âm.".into(),
            );
        }
        self.collective.min_participants = self.collective.min_participants.max(1);
        for (name, line) in [
            ("organiser", &mut self.organiser),
            ("signer", &mut self.signer),
        ] {
            *line = text::clean_opt(line.as_deref());
            if line
                .as_deref()
                .is_some_and(|l| text::char_len(l) > MAX_LINE_CHARS)
            {
                fields.insert(name.into(), format!("Tối đa {MAX_LINE_CHARS} ký tự."));
            }
        }
        if fields.is_empty() {
            Ok(self)
        } else {
            Err(AppError::Validation { fields })
        }
    }

    /// The plan's rules, in Vietnamese, as the plan's page and the printed list state them.
    pub fn rules_vi(&self) -> Vec<String> {
        let mut rules = vec![
            "Giải cá nhân xét riêng theo từng đối tượng, theo thứ hạng của bảng xếp hạng \
             (điểm cao hơn, rồi thời gian làm bài ít hơn…); tài khoản bị vô hiệu không được xét."
                .to_owned(),
        ];
        if self.min_score > 0 {
            rules.push(format!(
                "Chỉ xét giải cá nhân cho người đạt từ {} điểm trở lên.",
                self.min_score
            ));
        }
        if self.one_per_person {
            rules.push(
                "Mỗi người nhận tối đa một giải cá nhân trong toàn cuộc thi: người đã có giải \
                 trong một danh sách đã công bố được bỏ qua, người xếp kế tiếp được xét thay."
                    .to_owned(),
            );
        }
        if !self.collective.per_block.is_empty() {
            rules.push(format!(
                "Giải tập thể xét theo từng khối: tỷ lệ tham gia cao hơn, rồi điểm trung bình \
                 của người dự thi cao hơn, rồi nhiều bài đạt điểm tuyệt đối hơn; đơn vị có \
                 dưới {} người dự thi không được xét.",
                self.collective.min_participants
            ));
        }
        if let Some(p) = &self.participation {
            rules.push(format!(
                "Giấy chứng nhận tham gia: cấp cho mọi người hoàn thành vòng thi xếp hạng với \
                 từ {} điểm trở lên (tài khoản bị vô hiệu và người bị loại không được cấp).",
                p.min_score
            ));
        }
        rules
    }
}

fn check_levels(name: &str, levels: &mut [PrizeCount], fields: &mut BTreeMap<String, String>) {
    if levels.len() > MAX_LEVELS {
        fields.insert(name.into(), format!("Tối đa {MAX_LEVELS} mức giải."));
    }
    let mut seen = HashSet::new();
    for level in levels.iter_mut() {
        level.prize = text::clean(&level.prize);
        if level.prize.is_empty() || text::char_len(&level.prize) > MAX_PRIZE_CHARS {
            fields.insert(
                name.into(),
                format!("Tên giải không được trống và tối đa {MAX_PRIZE_CHARS} ký tự."),
            );
        } else if !seen.insert(level.prize.clone()) {
            fields.insert(name.into(), format!("Giải «{}» bị trùng.", level.prize));
        }
        if level.count > MAX_COUNT {
            fields.insert(
                name.into(),
                format!("Mỗi mức giải tối đa {MAX_COUNT} giải."),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(json: &str) -> Result<PrizePlan> {
        serde_json::from_str::<PrizePlan>(json).unwrap().validated()
    }

    #[test]
    fn the_contract_body_is_a_valid_plan_with_its_defaults() {
        let p = plan(
            r#"{"individual": [{"prize": "Giải Nhất", "count": 1}], "one_per_person": false,
                "min_score": 0, "collective": {"per_block": [{"prize": "Giải Nhất", "count": 1}],
                "min_participants": 1}}"#,
        )
        .unwrap();
        assert_eq!(p.individual[0].prize, "Giải Nhất");
        let p = plan(r#"{"individual": []}"#).unwrap();
        assert_eq!(p.collective.min_participants, 1);
        assert!(!p.one_per_person);
    }

    #[test]
    fn prize_names_are_cleaned_to_nfc_and_duplicates_refused() {
        // "Giải Nhì" typed with a combining hook above and grave accent (NFD).
        let p = plan("{\"individual\": [{\"prize\": \" Gia\u{309}i Nhi\u{300} \", \"count\": 2}]}")
            .unwrap();
        assert_eq!(p.individual[0].prize, "Giải Nhì");
        let err = plan(
            r#"{"individual": [{"prize": "Giải Ba", "count": 1}, {"prize": "Giải Ba", "count": 2}]}"#,
        )
        .unwrap_err();
        assert_eq!(err.code(), "invalid");
    }

    #[test]
    fn a_negative_minimum_or_an_empty_prize_is_invalid() {
        assert!(plan(r#"{"individual": [], "min_score": -1}"#).is_err());
        assert!(plan(r#"{"individual": [{"prize": "  ", "count": 1}]}"#).is_err());
        assert!(plan(r#"{"individual": [{"prize": "A", "count": 1001}]}"#).is_err());
    }

    #[test]
    fn the_rules_name_the_one_prize_per_person_rule_only_when_it_applies() {
        let mut p = plan(r#"{"individual": [], "one_per_person": true}"#).unwrap();
        assert!(p.rules_vi().iter().any(|r| r.contains("tối đa một giải")));
        p.one_per_person = false;
        assert!(!p.rules_vi().iter().any(|r| r.contains("tối đa một giải")));
    }
}

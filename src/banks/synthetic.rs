//! A generated bank for tests and import benchmarks.

use super::model::{Bank, Choice, Difficulty, FALSE_TEXT, Kind, Question, TRUE_TEXT};

const TOPICS: [&str; 5] = [
    "Dịch vụ công trực tuyến",
    "Thủ tục hành chính",
    "Cổng Dịch vụ công quốc gia",
    "Chữ ký số",
    "Một cửa điện tử",
];

/// A valid bank (code `synthetic`) of `n` distinct questions, cycling through 5 topics,
/// the 3 difficulties and the 3 kinds (every combination appears within 45 questions),
/// with Vietnamese texts, keys `q00001`…, sources, explanations and tags. `line` is the
/// 1-based question number. Meant for tests and the 10,000-question import benchmark.
pub fn synthetic_bank(n: usize) -> Bank {
    let difficulties = [Difficulty::Easy, Difficulty::Medium, Difficulty::Hard];
    let kinds = [Kind::Single, Kind::Multiple, Kind::TrueFalse];
    let questions = (0..n)
        .map(|i| {
            let number = i + 1;
            let topic = TOPICS[i % 5];
            let difficulty = difficulties[(i / 5) % 3];
            let kind = kinds[(i / 15) % 3];
            let (text, choices) = match kind {
                Kind::TrueFalse => (
                    format!(
                        "Câu {number}: hồ sơ nộp qua {} có giá trị như hồ sơ giấy theo Nghị định \
                         45/2020/NĐ-CP.",
                        topic.to_lowercase()
                    ),
                    vec![
                        Choice {
                            images: Vec::new(),
                            text: TRUE_TEXT.to_owned(),
                            correct: number % 2 == 1,
                            feedback: None,
                            weight: None,
                        },
                        Choice {
                            images: Vec::new(),
                            text: FALSE_TEXT.to_owned(),
                            correct: number % 2 == 0,
                            feedback: Some(format!("Xem lại Điều {} của Nghị định.", i % 30 + 1)),
                            weight: None,
                        },
                    ],
                ),
                _ => {
                    let correct = [i % 4, (i + 1) % 4];
                    let choices = (0..4)
                        .map(|j| Choice {
                            images: Vec::new(),
                            text: format!("Phương án {} của câu {number}", ["A", "B", "C", "D"][j]),
                            correct: if kind == Kind::Single {
                                j == correct[0]
                            } else {
                                correct.contains(&j)
                            },
                            feedback: (j == correct[0]).then(|| "Chính xác.".to_owned()),
                            weight: None,
                        })
                        .collect();
                    (
                        format!(
                            "Câu {number}: theo Nghị định 45/2020/NĐ-CP, điều nào đúng về {}?",
                            topic.to_lowercase()
                        ),
                        choices,
                    )
                }
            };
            Question {
                images: Vec::new(),
                key: Some(format!("q{number:05}")),
                topic: topic.to_owned(),
                difficulty,
                kind,
                text,
                choices,
                explanation: (i % 3 == 0).then(|| format!("Giải thích cho câu {number}.")),
                source: Some(format!("Điều {} Nghị định 45/2020/NĐ-CP", i % 30 + 1)),
                tags: vec!["nghị định 45".to_owned(), format!("nhóm {}", i % 7)],
                line: number,
            }
        })
        .collect();
    Bank {
        code: "synthetic".to_owned(),
        title: "Ngân hàng câu hỏi tổng hợp".to_owned(),
        description: Some("Sinh tự động để kiểm thử.".to_owned()),
        questions,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::super::validate;
    use super::*;

    #[test]
    fn synthetic_bank_is_valid_and_covers_every_combination() {
        let bank = synthetic_bank(90);
        assert_eq!(validate(&bank), vec![]);
        let combos: HashSet<(&str, Difficulty, Kind)> = bank
            .questions
            .iter()
            .map(|q| (q.topic.as_str(), q.difficulty, q.kind))
            .collect();
        assert_eq!(combos.len(), 45);
        assert!(synthetic_bank(0).questions.is_empty());
    }
}

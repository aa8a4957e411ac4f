//! Format-independent checks of a parsed bank, with Vietnamese messages.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use super::model::{Bank, FALSE_TEXT, Kind, Problems, Question, TRUE_TEXT, Warning};
use super::text::{option_key, question_key};
use crate::limits::excerpt;

/// Which bank-level checks [`validate_with`] runs.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Checks {
    /// Report a bank without questions.
    pub empty_bank: bool,
    /// Check the bank code.
    pub code: bool,
    /// Check the bank title.
    pub title: bool,
}

/// Checks a bank and returns every problem found, sorted by line (bank-level problems
/// have line 0). An empty result means the bank may be stored.
///
/// Checked: the bank code (`[a-z0-9][a-z0-9_-]{0,63}`), a non-empty title, at least one
/// question; per question: text, topic, id and tags not empty, at least two options, no
/// empty or duplicate (case-insensitive) option, at least one correct option, exactly one
/// for `single`, the `[Đúng, Sai]` shape of `true_false`; across questions: the same `id`
/// twice. The same text twice (NFC, case, spacing and trailing punctuation ignored) is
/// legal, as in Moodle: it is a [`Warning`] of [`validate_into`].
pub fn validate(bank: &Bank) -> Problems {
    let mut problems = Problems::new();
    validate_into(
        bank,
        Checks {
            empty_bank: true,
            code: true,
            title: true,
        },
        &mut problems,
        &mut Vec::new(),
    );
    problems
}

/// [`validate`] into `problems` and `warnings`, with some bank-level checks switched off
/// (when a parser already reported the cause).
pub(crate) fn validate_into(
    bank: &Bank,
    checks: Checks,
    problems: &mut Problems,
    warnings: &mut Vec<Warning>,
) {
    let mut push = |line: usize, message: String| problems.push(line, message);

    if checks.code {
        if bank.code.is_empty() {
            push(0, "Thiếu mã ngân hàng câu hỏi (code).".to_owned());
        } else if !is_valid_code(&bank.code) {
            push(
                0,
                format!(
                    "Mã ngân hàng câu hỏi “{}” không hợp lệ: chỉ dùng chữ thường không dấu \
                     a–z, chữ số, dấu gạch ngang (-) hoặc gạch dưới (_), bắt đầu bằng chữ \
                     hoặc số, tối đa 64 ký tự.",
                    excerpt(&bank.code)
                ),
            );
        }
    }
    if checks.title && bank.title.is_empty() {
        push(0, "Tiêu đề ngân hàng câu hỏi đang để trống.".to_owned());
    }
    if checks.empty_bank && bank.questions.is_empty() {
        push(0, "Ngân hàng câu hỏi không có câu hỏi nào.".to_owned());
    }

    let mut texts: HashMap<String, usize> = HashMap::with_capacity(bank.questions.len());
    let mut keys: HashMap<&str, usize> = HashMap::new();
    for q in &bank.questions {
        check_question(q, &mut push);
        if !q.text.is_empty() {
            let line = q.line;
            match texts.entry(question_key(&q.text)) {
                // Legal in Moodle (its own test files repeat questions): imported, and
                // the organiser is told.
                Entry::Occupied(first) => warnings.push(Warning {
                    line,
                    message: format!(
                        "Câu hỏi ở dòng {line} trùng nội dung với câu hỏi ở dòng {}; \
                         cả hai đều được nhập.",
                        first.get()
                    ),
                }),
                Entry::Vacant(slot) => {
                    slot.insert(line);
                }
            }
        }
        if let Some(key) = q.key.as_deref().filter(|k| !k.is_empty()) {
            match keys.get(key) {
                Some(&first) => push(
                    q.line,
                    format!(
                        "Mã câu hỏi (id) “{}” ở dòng {} trùng với câu hỏi ở dòng {first}.",
                        excerpt(key),
                        q.line
                    ),
                ),
                None => {
                    keys.insert(key, q.line);
                }
            }
        }
    }
}

/// Whether `code` matches `[a-z0-9][a-z0-9_-]{0,63}`.
pub fn is_valid_code(code: &str) -> bool {
    let bytes = code.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 64
        && (bytes[0].is_ascii_lowercase() || bytes[0].is_ascii_digit())
        && bytes
            .iter()
            .all(|&b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

fn check_question(q: &Question, push: &mut impl FnMut(usize, String)) {
    let line = q.line;
    if q.text.is_empty() {
        push(line, "Nội dung câu hỏi đang để trống.".to_owned());
    }
    if q.topic.is_empty() {
        push(line, "Chủ đề (topic) của câu hỏi đang để trống.".to_owned());
    }
    if q.key.as_deref() == Some("") {
        push(line, "Mã câu hỏi (id) đang để trống.".to_owned());
    }
    if q.tags.iter().any(String::is_empty) {
        push(line, "Câu hỏi có nhãn (tag) để trống.".to_owned());
    }

    if q.kind == Kind::TrueFalse {
        let shape_ok = q.choices.len() == 2
            && q.choices[0].text == TRUE_TEXT
            && q.choices[1].text == FALSE_TEXT
            && q.choices[0].correct != q.choices[1].correct;
        if !shape_ok {
            push(
                line,
                format!(
                    "Câu hỏi đúng/sai phải có đúng hai phương án “{TRUE_TEXT}” và \
                     “{FALSE_TEXT}”, trong đó một phương án đúng."
                ),
            );
        }
        return;
    }

    if q.choices.len() < 2 {
        push(
            line,
            format!(
                "Câu hỏi cần ít nhất hai phương án trả lời (hiện có {}).",
                q.choices.len()
            ),
        );
    }
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, c) in q.choices.iter().enumerate() {
        if c.text.is_empty() {
            push(line, format!("Phương án thứ {} đang để trống.", i + 1));
            continue;
        }
        let key = option_key(&c.text);
        if let Some(&first) = seen.get(&key) {
            push(
                line,
                format!(
                    "Phương án thứ {} (“{}”) trùng với phương án thứ {first}.",
                    i + 1,
                    excerpt(&c.text)
                ),
            );
        } else {
            seen.insert(key, i + 1);
        }
    }
    let correct = q.choices.iter().filter(|c| c.correct).count();
    if correct == 0 && !q.choices.is_empty() {
        push(line, "Câu hỏi chưa có phương án đúng.".to_owned());
    }
    if q.kind == Kind::Single && correct > 1 {
        push(
            line,
            format!(
                "Câu hỏi một lựa chọn (single) có {correct} phương án đúng; chỉ được có một. \
                 Nếu câu hỏi có nhiều đáp án đúng, hãy dùng loại multiple."
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::banks::model::{Choice, Difficulty};

    fn choice(text: &str, correct: bool) -> Choice {
        Choice {
            images: Vec::new(),
            text: text.to_owned(),
            correct,
            feedback: None,
            weight: None,
        }
    }

    fn question(line: usize, text: &str, kind: Kind, choices: Vec<Choice>) -> Question {
        Question {
            images: Vec::new(),
            key: None,
            topic: "Chung".to_owned(),
            difficulty: Difficulty::Medium,
            kind,
            text: text.to_owned(),
            choices,
            explanation: None,
            source: None,
            tags: vec![],
            line,
        }
    }

    fn bank(questions: Vec<Question>) -> Bank {
        Bank {
            code: "dvc-2024".to_owned(),
            title: "Dịch vụ công".to_owned(),
            description: None,
            questions,
        }
    }

    #[test]
    fn valid_bank_has_no_problem() {
        let b = bank(vec![question(
            3,
            "Cổng Dịch vụ công quốc gia là gì?",
            Kind::Single,
            vec![
                choice("Một cổng thông tin", true),
                choice("Một ứng dụng", false),
            ],
        )]);
        assert_eq!(validate(&b), vec![]);
    }

    #[test]
    fn code_rule() {
        assert!(is_valid_code("a"));
        assert!(is_valid_code("0-dvc_2024"));
        assert!(!is_valid_code("-a"));
        assert!(!is_valid_code("_a"));
        assert!(!is_valid_code("Abc"));
        assert!(!is_valid_code("đvc"));
        assert!(!is_valid_code(""));
        assert!(is_valid_code(&"a".repeat(64)));
        assert!(!is_valid_code(&"a".repeat(65)));
    }

    #[test]
    fn every_problem_is_reported_sorted() {
        let mut dup_key = question(
            9,
            "Thủ tục hành chính là gì",
            Kind::Single,
            vec![choice("A", true), choice("B", false)],
        );
        dup_key.key = Some("k1".to_owned());
        let mut first = question(
            2,
            "Thủ tục hành chính là gì?",
            Kind::Single,
            vec![choice("A", true), choice("a", true), choice("", false)],
        );
        first.key = Some("k1".to_owned());
        let b = Bank {
            code: "Sai Mã".to_owned(),
            ..bank(vec![
                first,
                question(5, "", Kind::Multiple, vec![choice("X", false)]),
                dup_key,
            ])
        };
        let lines_messages: Vec<(usize, String)> = validate(&b)
            .into_iter()
            .map(|p| (p.line, p.message))
            .collect();
        let lines: Vec<usize> = lines_messages.iter().map(|(l, _)| *l).collect();
        assert_eq!(lines, vec![0, 2, 2, 2, 5, 5, 5, 9]);
        let all: String = lines_messages
            .iter()
            .map(|(_, m)| m.as_str())
            .collect::<Vec<_>>()
            .join("\n");
        for needle in [
            "Mã ngân hàng câu hỏi “Sai Mã” không hợp lệ",
            "Phương án thứ 2 (“a”) trùng với phương án thứ 1.",
            "Phương án thứ 3 đang để trống.",
            "có 2 phương án đúng",
            "Nội dung câu hỏi đang để trống.",
            "ít nhất hai phương án",
            "chưa có phương án đúng",
            "Mã câu hỏi (id) “k1” ở dòng 9 trùng với câu hỏi ở dòng 2.",
        ] {
            assert!(all.contains(needle), "missing {needle:?} in\n{all}");
        }
    }

    #[test]
    fn empty_bank_and_bad_true_false() {
        let problems = validate(&bank(vec![]));
        assert_eq!(problems.len(), 1);
        assert_eq!(
            problems[0].message,
            "Ngân hàng câu hỏi không có câu hỏi nào."
        );
        let tf = question(
            4,
            "Sai hình dạng",
            Kind::TrueFalse,
            vec![choice("Đúng", true), choice("Sai", true)],
        );
        let problems = validate(&bank(vec![tf]));
        assert_eq!(problems.len(), 1);
        assert!(problems[0].message.starts_with("Câu hỏi đúng/sai"));
    }
}

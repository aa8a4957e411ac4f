//! Export of a bank to the native TOML format and to GIFT.
//!
//! Both are exact inverses of the importers for valid banks:
//! `parse(Toml, to_toml(b))` gives `b` back, and so does `parse(Gift, to_gift(b))` given
//! the code and title as meta (GIFT has no place for the description), lines aside.

use std::fmt::Write;

use super::gift::marker_len;
use super::model::{Bank, Kind, Question};
use super::moodle_xml::weight_text;

/// Writes a bank in the native TOML format (see the `native` module).
pub fn to_toml(bank: &Bank) -> String {
    let mut out = String::with_capacity(256 + bank.questions.len() * 400);
    let _ = writeln!(out, "code = {}", toml_string(&bank.code));
    let _ = writeln!(out, "title = {}", toml_string(&bank.title));
    if let Some(d) = &bank.description {
        let _ = writeln!(out, "description = {}", toml_string(d));
    }
    for q in &bank.questions {
        out.push_str("\n[[questions]]\n");
        if let Some(key) = &q.key {
            let _ = writeln!(out, "id = {}", toml_string(key));
        }
        let _ = writeln!(out, "topic = {}", toml_string(&q.topic));
        let _ = writeln!(out, "difficulty = \"{}\"", q.difficulty.as_str());
        let _ = writeln!(out, "kind = \"{}\"", q.kind.as_str());
        let _ = writeln!(out, "text = {}", toml_string(&q.text));
        if q.kind == Kind::TrueFalse {
            let _ = writeln!(out, "answer = {}", q.true_false_answer().unwrap_or(true));
            let feedback = |i: usize| q.choices.get(i).and_then(|c| c.feedback.as_ref());
            if let Some(f) = feedback(0) {
                let _ = writeln!(out, "true_feedback = {}", toml_string(f));
            }
            if let Some(f) = feedback(1) {
                let _ = writeln!(out, "false_feedback = {}", toml_string(f));
            }
        } else {
            out.push_str("options = [\n");
            for c in &q.choices {
                let _ = write!(out, "  {{ text = {}", toml_string(&c.text));
                if c.correct {
                    out.push_str(", correct = true");
                }
                if let Some(f) = &c.feedback {
                    let _ = write!(out, ", feedback = {}", toml_string(f));
                }
                if let Some(w) = &c.weight {
                    let _ = write!(out, ", weight = {}", toml_string(w));
                }
                if !c.images.is_empty() {
                    let _ = write!(out, ", images = [{}]", toml_images(&c.images));
                }
                out.push_str(" },\n");
            }
            out.push_str("]\n");
        }
        if let Some(e) = &q.explanation {
            let _ = writeln!(out, "explanation = {}", toml_string(e));
        }
        if let Some(s) = &q.source {
            let _ = writeln!(out, "source = {}", toml_string(s));
        }
        if !q.tags.is_empty() {
            let tags: Vec<String> = q.tags.iter().map(|t| toml_string(t)).collect();
            let _ = writeln!(out, "tags = [{}]", tags.join(", "));
        }
        if !q.images.is_empty() {
            let _ = writeln!(out, "images = [{}]", toml_images(&q.images));
        }
    }
    out
}

/// Pictures as TOML inline tables `{ file = "…", alt = "…" }`.
fn toml_images(images: &[super::model::Image]) -> String {
    images
        .iter()
        .map(|i| {
            format!(
                "{{ file = {}, alt = {} }}",
                toml_string(&i.file),
                toml_string(&i.alt)
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A TOML basic string.
fn toml_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Writes a bank in GIFT, with our conventions for what GIFT lacks:
///
/// * a header comment with the code, title and description (informational only: the
///   importer takes code and title from [`BankMeta`](super::BankMeta));
/// * `$CATEGORY: $course$/top/<topic>` whenever the topic changes;
/// * `// difficulty: …`, `// source: …` and Moodle's `// [tag:…]` comments above each
///   question; the key as `::title::`; the explanation as general feedback `####…`;
/// * `single` as `=right ~wrong`, `multiple` with weights (`~%50%` for each of two
///   correct options, `~%-100%` for wrong ones), `true_false` as `{TRUE#…#…}`; the
///   weights a GIFT or Moodle XML file gave (kept in [`Choice::weight`]) are written back
///   instead, so an imported question leaves as it came.
///
/// [`Choice::weight`]: super::Choice::weight
pub fn to_gift(bank: &Bank) -> String {
    let mut out = String::with_capacity(256 + bank.questions.len() * 400);
    let _ = writeln!(out, "// Ngân hàng câu hỏi xuất từ cuocthi");
    let _ = writeln!(out, "// code: {}", bank.code);
    let _ = writeln!(out, "// title: {}", bank.title);
    if let Some(d) = &bank.description {
        let _ = writeln!(out, "// description: {d}");
    }
    let mut topic: Option<&str> = None;
    for q in &bank.questions {
        if topic != Some(q.topic.as_str()) {
            let _ = writeln!(
                out,
                "\n$CATEGORY: $course$/top/{}",
                q.topic.replace('/', "//")
            );
            topic = Some(&q.topic);
        }
        out.push('\n');
        gift_question(&mut out, q);
    }
    out
}

fn gift_question(out: &mut String, q: &Question) {
    let _ = writeln!(out, "// difficulty: {}", q.difficulty.as_str());
    if let Some(s) = &q.source {
        let _ = writeln!(out, "// source: {s}");
    }
    if !q.tags.is_empty() {
        let tags: Vec<String> = q
            .tags
            .iter()
            .map(|t| format!("[tag:{}]", t.replace('\\', "\\\\").replace(']', "\\]")))
            .collect();
        let _ = writeln!(out, "// {}", tags.join(" "));
    }
    if let Some(key) = &q.key {
        let _ = write!(out, "::{}::", escape(key));
    }
    let text = if q.text.starts_with("//") {
        format!("[plain]{}", escape(&q.text))
    } else {
        gift_text(&q.text)
    };
    out.push_str(&text);
    out.push_str(&gift_markers(&q.images));

    let explanation = q
        .explanation
        .as_ref()
        .map(|e| format!("####{}", gift_text(e)));
    if q.kind == Kind::TrueFalse {
        let verdict = q.true_false_answer().unwrap_or(true);
        let feedback = |i: usize| {
            q.choices
                .get(i)
                .and_then(|c| c.feedback.as_deref())
                .map(gift_text)
        };
        let (on_true, on_false) = (feedback(0), feedback(1));
        let (right, wrong) = if verdict {
            (on_true, on_false)
        } else {
            (on_false, on_true)
        };
        out.push_str(if verdict { "{TRUE" } else { "{FALSE" });
        match (wrong, right) {
            (Some(w), Some(r)) => {
                let _ = write!(out, "#{w}#{r}");
            }
            (Some(w), None) => {
                let _ = write!(out, "#{w}");
            }
            (None, Some(r)) => {
                let _ = write!(out, "##{r}");
            }
            (None, None) => {}
        }
        if let Some(e) = explanation {
            out.push_str(&e);
        }
        out.push_str("}\n");
        return;
    }

    out.push_str("{\n");
    let correct = q.choices.iter().filter(|c| c.correct).count().max(1);
    let share = weight_text(100.0 / correct as f64);
    // Weights kept from a Moodle file are written back as they were, so that Moodle reads
    // the question it exported (partial credit included).
    let weighted = q.choices.iter().any(|c| c.weight.is_some());
    for c in &q.choices {
        let prefix = match (q.kind, &c.weight) {
            (Kind::Single, _) if c.correct && c.weight.is_none() => "=".to_owned(),
            (_, Some(w)) => format!("~%{w}%"),
            // A wrong option whose text looks like a weight gets an explicit zero weight.
            (_, None) if !c.correct && (weighted || q.kind == Kind::Single) => {
                if c.text.starts_with('%') {
                    "~%0%".to_owned()
                } else {
                    "~".to_owned()
                }
            }
            (Kind::Single, None) => "=".to_owned(),
            (_, None) if c.correct => format!("~%{share}%"),
            (_, None) => "~%-100%".to_owned(),
        };
        let _ = write!(
            out,
            "\t{prefix}{}{}",
            gift_text(&c.text),
            gift_markers(&c.images)
        );
        if let Some(f) = &c.feedback {
            let _ = write!(out, "#{}", gift_text(f));
        }
        out.push('\n');
    }
    if let Some(e) = explanation {
        let _ = writeln!(out, "\t{e}");
    }
    out.push_str("}\n");
}

/// Pictures as GIFT picture markers ` [img <file> "<alt>"]` (see `question-banks/README.md`):
/// a GIFT bank with pictures travels in a ZIP bundle with the files.
fn gift_markers(images: &[super::model::Image]) -> String {
    images
        .iter()
        .map(|i| {
            format!(
                " [img {} \"{}\"]",
                escape(&i.file),
                escape(&i.alt.replace('"', "'"))
            )
        })
        .collect()
}

/// An escaped text, protected by a `[plain]` marker when it starts like a marker itself.
fn gift_text(s: &str) -> String {
    if marker_len(s).is_some() {
        format!("[plain]{}", escape(s))
    } else {
        escape(s)
    }
}

/// GIFT escapes, as Moodle's exporter writes them.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\\' | '~' | '=' | '#' | '{' | '}' | ':' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::banks::model::{Choice, Difficulty};

    fn sample() -> Bank {
        Bank {
            code: "xuat-mau".into(),
            title: "Xuất mẫu".into(),
            description: Some("Mô tả".into()),
            questions: vec![
                Question {
                    images: Vec::new(),
                    key: Some("q:1".into()),
                    topic: "Chủ đề A/B".into(),
                    difficulty: Difficulty::Hard,
                    kind: Kind::Multiple,
                    text: "[html] Chọn {hai} đáp án".into(),
                    choices: vec![
                        Choice {
                            images: Vec::new(),
                            text: "%50% một".into(),
                            correct: true,
                            feedback: Some("#tốt".into()),
                            weight: None,
                        },
                        Choice {
                            images: Vec::new(),
                            text: "hai".into(),
                            correct: true,
                            feedback: None,
                            weight: None,
                        },
                        Choice {
                            images: Vec::new(),
                            text: "ba".into(),
                            correct: false,
                            feedback: None,
                            weight: None,
                        },
                    ],
                    explanation: Some("Vì \"thế\"".into()),
                    source: Some("Điều 5".into()),
                    tags: vec!["a]b".into(), "c".into()],
                    line: 0,
                },
                Question {
                    images: Vec::new(),
                    key: None,
                    topic: "Chủ đề A/B".into(),
                    difficulty: Difficulty::Easy,
                    kind: Kind::TrueFalse,
                    text: "// không phải chú thích".into(),
                    choices: vec![
                        Choice {
                            images: Vec::new(),
                            text: "Đúng".into(),
                            correct: false,
                            feedback: Some("Sai rồi".into()),
                            weight: None,
                        },
                        Choice {
                            images: Vec::new(),
                            text: "Sai".into(),
                            correct: true,
                            feedback: None,
                            weight: None,
                        },
                    ],
                    explanation: None,
                    source: None,
                    tags: vec![],
                    line: 0,
                },
            ],
        }
    }

    #[test]
    fn gift_layout() {
        let gift = to_gift(&sample());
        let expected = "// Ngân hàng câu hỏi xuất từ cuocthi
// code: xuat-mau
// title: Xuất mẫu
// description: Mô tả

$CATEGORY: $course$/top/Chủ đề A//B

// difficulty: hard
// source: Điều 5
// [tag:a\\]b] [tag:c]
::q\\:1::[plain][html] Chọn \\{hai\\} đáp án{
\t~%50%%50% một#\\#tốt
\t~%50%hai
\t~%-100%ba
\t####Vì \"thế\"
}

// difficulty: easy
[plain]// không phải chú thích{FALSE#Sai rồi}
";
        assert_eq!(gift, expected);
    }

    #[test]
    fn toml_layout() {
        let toml = to_toml(&sample());
        assert!(toml.starts_with(
            "code = \"xuat-mau\"\ntitle = \"Xuất mẫu\"\ndescription = \"Mô tả\"\n\n[[questions]]\n\
             id = \"q:1\"\ntopic = \"Chủ đề A/B\"\ndifficulty = \"hard\"\nkind = \"multiple\"\n"
        ));
        assert!(toml.contains("explanation = \"Vì \\\"thế\\\"\"\n"));
        assert!(toml.contains("answer = false\ntrue_feedback = \"Sai rồi\"\n"));
        assert_eq!(toml_string("a\u{1}\u{7f}"), "\"a\\u0001\\u007F\"");
    }

    #[test]
    fn weights() {
        assert_eq!(weight_text(100.0), "100");
        assert_eq!(weight_text(50.0), "50");
        assert_eq!(weight_text(100.0 / 3.0), "33.33333");
        assert_eq!(weight_text(100.0 / 6.0), "16.66667");
    }
}

//! The native TOML format, written by hand by organisers.
//!
//! ```toml
//! code = "dvc-2024"
//! title = "Dịch vụ công trực tuyến"
//! description = "…"            # optional
//!
//! [[questions]]
//! id = "q1"                    # optional, stable key
//! topic = "Dịch vụ công"
//! difficulty = "easy"          # easy | medium | hard (or dễ | trung bình | khó)
//! kind = "single"              # single | multiple | true_false
//! text = "…"
//! options = [
//!   { text = "…", correct = true, feedback = "…" },
//!   { text = "…" },            # correct defaults to false
//! ]
//! explanation = "…"            # optional
//! source = "…"                 # optional
//! tags = ["…"]                 # optional
//! images = [                   # optional, in a ZIP bundle beside the picture files
//!   { file = "cong-dvc.png", alt = "Trang chủ Cổng Dịch vụ công quốc gia" },
//! ]
//!
//! [[questions]]
//! kind = "true_false"
//! answer = true                # instead of options
//! true_feedback = "…"          # optional: shown to whoever answers "Đúng"
//! false_feedback = "…"         # optional: shown to whoever answers "Sai"
//! ```
//!
//! The document is walked as a spanned tree ([`toml::de::DeTable`]) rather than
//! deserialised, so that every problem in every question is reported, not just the first.

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::model::{Choice, Difficulty, FALSE_TEXT, Image, Kind, Problems, Question, TRUE_TEXT};
use super::text::{LineIndex, check_line_limit, clean, clean_opt, clean_tags, clean_topic, decode};
use super::{BankMeta, Draft};
use crate::limits::{self, MAX_TOML_ITEMS, excerpt};

const TOP_KEYS: &str = "code, title, description, questions";
const QUESTION_KEYS: &str = "id, topic, difficulty, kind, text, options, answer, true_feedback, \
                             false_feedback, explanation, source, tags, images";
const OPTION_KEYS: &str = "text, correct, feedback, weight, images";

/// Parses a native TOML bank; `Err` when the file is not UTF-8, not valid TOML, or passes
/// an upload limit.
pub(super) fn parse(bytes: &[u8], meta: &BankMeta) -> Result<Draft, Problems> {
    let source = decode(bytes)?;
    check_line_limit(source)?;
    let items = limits::toml_items(source);
    if items > MAX_TOML_ITEMS {
        return Err(Problems::over_limit(
            "toml_items",
            0,
            format!(
                "Tệp TOML có khoảng {} khóa, giá trị và bảng; tối đa {} (khoảng 16.000 câu \
                 hỏi). Hãy chia thành nhiều ngân hàng hoặc dùng CSV/XLSX.",
                limits::number(items as u64),
                limits::number(MAX_TOML_ITEMS as u64)
            ),
        ));
    }
    let lines = LineIndex::new(source);
    let (root, errors) = DeTable::parse_recoverable(source);
    if !errors.is_empty() {
        let mut problems = Problems::new();
        for e in &errors {
            problems.push(
                e.span().map_or(0, |s| lines.line(s.start)),
                format!("Lỗi cú pháp TOML (chi tiết: {}).", excerpt(e.message())),
            );
        }
        return Err(problems);
    }

    let mut draft = Draft::empty();
    let mut code = None;
    let mut title = None;
    let mut questions = None;
    for (key, value) in root.get_ref().iter() {
        let line = lines.line(key.span().start);
        let mut sink = Sink {
            line,
            problems: &mut draft.problems,
        };
        match key.get_ref().as_ref() {
            "code" => code = sink.string(value, "code"),
            "title" => title = sink.string(value, "title"),
            "description" => draft.bank.description = sink.string(value, "description"),
            "questions" => questions = Some(value),
            other => sink.push(format!(
                "Khóa “{}” không hợp lệ ở đầu tệp; các khóa hợp lệ: {TOP_KEYS}.",
                excerpt(other)
            )),
        }
    }

    draft.bank.code = code
        .as_deref()
        .and_then(clean_opt)
        .or_else(|| meta.code())
        .unwrap_or_default();
    if draft.bank.code.is_empty() {
        draft.code_reported = true;
        draft.problem(
            0,
            "Thiếu mã ngân hàng câu hỏi: thêm khóa code = \"…\" ở đầu tệp (hoặc tham số code).",
        );
    }
    draft.bank.title = title
        .as_deref()
        .and_then(clean_opt)
        .or_else(|| meta.title())
        .unwrap_or_else(|| draft.bank.code.clone());
    draft.bank.description = draft.bank.description.as_deref().and_then(clean_opt);

    if let Some(value) = questions {
        let line = lines.line(value.span().start);
        match value.get_ref() {
            DeValue::Array(items) => {
                for item in items.iter() {
                    let line = lines.line(item.span().start);
                    let mut sink = Sink {
                        line,
                        problems: &mut draft.problems,
                    };
                    match item.get_ref() {
                        DeValue::Table(table) => {
                            if let Some(q) = question(table, &mut sink) {
                                draft.bank.questions.push(q);
                                draft.check_question_limit(line)?;
                            }
                        }
                        _ => sink.push(
                            "Mỗi câu hỏi phải là một bảng [[questions]] (hoặc { … }).".to_owned(),
                        ),
                    }
                }
            }
            _ => draft.problem(
                line,
                "Khóa “questions” phải là danh sách câu hỏi [[questions]].",
            ),
        }
    }
    Ok(draft)
}

/// Collects problems for one line (a question's).
struct Sink<'a> {
    line: usize,
    problems: &'a mut Problems,
}

impl Sink<'_> {
    fn push(&mut self, message: String) {
        self.problems.push(self.line, message);
    }

    fn string(&mut self, value: &Spanned<DeValue<'_>>, key: &str) -> Option<String> {
        match value.get_ref() {
            DeValue::String(s) => Some(s.to_string()),
            _ => {
                self.push(format!("Khóa “{key}” phải là chuỗi văn bản (\"…\")."));
                None
            }
        }
    }

    fn boolean(&mut self, value: &Spanned<DeValue<'_>>, key: &str) -> Option<bool> {
        match value.get_ref() {
            DeValue::Boolean(b) => Some(*b),
            _ => {
                self.push(format!("Khóa “{key}” phải là true hoặc false."));
                None
            }
        }
    }

    fn strings(&mut self, value: &Spanned<DeValue<'_>>, key: &str) -> Option<Vec<String>> {
        let items = match value.get_ref() {
            DeValue::Array(items) => items,
            _ => {
                self.push(format!(
                    "Khóa “{key}” phải là danh sách chuỗi [\"…\", \"…\"]."
                ));
                return None;
            }
        };
        let mut out = Vec::with_capacity(items.len());
        for item in items.iter() {
            match item.get_ref() {
                DeValue::String(s) => out.push(s.to_string()),
                _ => {
                    self.push(format!(
                        "Khóa “{key}” phải là danh sách chuỗi [\"…\", \"…\"]."
                    ));
                    return None;
                }
            }
        }
        Some(out)
    }

    /// `images = [{ file = "…", alt = "…" }, …]`; a missing alt is reported when the
    /// pictures are read (`banks::media`), with the question's line.
    fn images(&mut self, value: &Spanned<DeValue<'_>>) -> Option<Vec<Image>> {
        let shape = "Khóa “images” phải là danh sách ảnh \
                     [{ file = \"anh.png\", alt = \"mô tả ảnh\" }].";
        let DeValue::Array(items) = value.get_ref() else {
            self.push(shape.to_owned());
            return None;
        };
        let mut out = Vec::with_capacity(items.len());
        for item in items.iter() {
            let DeValue::Table(table) = item.get_ref() else {
                self.push(shape.to_owned());
                return None;
            };
            let (mut file, mut alt) = (None, String::new());
            for (key, value) in table.iter() {
                match key.get_ref().as_ref() {
                    "file" => file = self.string(value, "file"),
                    "alt" => alt = self.string(value, "alt").unwrap_or_default(),
                    other => {
                        self.push(format!(
                            "Khóa “{}” không hợp lệ trong ảnh; các khóa hợp lệ: file, alt.",
                            excerpt(other)
                        ));
                        return None;
                    }
                }
            }
            let Some(file) = file else {
                self.push("Ảnh thiếu khóa “file” (tên tệp ảnh trong gói ZIP).".to_owned());
                return None;
            };
            out.push(Image::named(&file, &alt));
        }
        Some(out)
    }

    fn required<T>(&mut self, value: Option<T>, present: bool, key: &str) -> Option<T> {
        if !present {
            self.push(format!("Câu hỏi thiếu khóa “{key}”."));
        }
        value
    }
}

/// The raw values of one `[[questions]]` table.
#[derive(Default)]
struct Raw {
    id: Option<String>,
    topic: Option<String>,
    difficulty: Option<String>,
    kind: Option<String>,
    text: Option<String>,
    options: Option<Vec<Choice>>,
    answer: Option<bool>,
    true_feedback: Option<String>,
    false_feedback: Option<String>,
    explanation: Option<String>,
    source: Option<String>,
    tags: Option<Vec<String>>,
    images: Option<Vec<Image>>,
    seen: Vec<&'static str>,
    broken: bool,
}

fn question(table: &DeTable<'_>, sink: &mut Sink<'_>) -> Option<Question> {
    let mut raw = Raw::default();
    for (key, value) in table.iter() {
        let name = key.get_ref().as_ref();
        let known: &'static str = match name {
            "id" => "id",
            "topic" => "topic",
            "difficulty" => "difficulty",
            "kind" => "kind",
            "text" => "text",
            "options" => "options",
            "answer" => "answer",
            "true_feedback" => "true_feedback",
            "false_feedback" => "false_feedback",
            "explanation" => "explanation",
            "source" => "source",
            "tags" => "tags",
            "images" => "images",
            other => {
                sink.push(format!(
                    "Khóa “{}” không hợp lệ trong câu hỏi; các khóa hợp lệ: {QUESTION_KEYS}.",
                    excerpt(other)
                ));
                continue;
            }
        };
        raw.seen.push(known);
        let ok = match known {
            "id" => set(&mut raw.id, sink.string(value, known)),
            "topic" => set(&mut raw.topic, sink.string(value, known)),
            "difficulty" => set(&mut raw.difficulty, sink.string(value, known)),
            "kind" => set(&mut raw.kind, sink.string(value, known)),
            "text" => set(&mut raw.text, sink.string(value, known)),
            "options" => set(&mut raw.options, options(value, sink)),
            "answer" => set(&mut raw.answer, sink.boolean(value, known)),
            "true_feedback" => set(&mut raw.true_feedback, sink.string(value, known)),
            "false_feedback" => set(&mut raw.false_feedback, sink.string(value, known)),
            "explanation" => set(&mut raw.explanation, sink.string(value, known)),
            "source" => set(&mut raw.source, sink.string(value, known)),
            "images" => set(&mut raw.images, sink.images(value)),
            _ => set(&mut raw.tags, sink.strings(value, known)),
        };
        raw.broken |= !ok;
    }
    build(raw, sink)
}

fn set<T>(slot: &mut Option<T>, value: Option<T>) -> bool {
    let ok = value.is_some();
    *slot = value;
    ok
}

fn options(value: &Spanned<DeValue<'_>>, sink: &mut Sink<'_>) -> Option<Vec<Choice>> {
    let shape = "Khóa “options” phải là danh sách phương án \
                 [{ text = \"…\", correct = true }, { text = \"…\" }].";
    let DeValue::Array(items) = value.get_ref() else {
        sink.push(shape.to_owned());
        return None;
    };
    let mut choices = Vec::with_capacity(items.len());
    let mut ok = true;
    for (i, item) in items.iter().enumerate() {
        let n = i + 1;
        let DeValue::Table(table) = item.get_ref() else {
            sink.push(shape.to_owned());
            return None;
        };
        let mut text = None;
        let mut correct = Some(false);
        let mut feedback = Some(None);
        let mut weight = Some(None);
        let mut images = Some(Vec::new());
        for (key, value) in table.iter() {
            match key.get_ref().as_ref() {
                "text" => text = sink.string(value, "text"),
                "correct" => correct = sink.boolean(value, "correct"),
                "feedback" => feedback = sink.string(value, "feedback").map(Some),
                "images" => images = sink.images(value),
                "weight" => {
                    weight = sink.string(value, "weight").and_then(|w| {
                        let parsed = parse_weight(&w);
                        if parsed.is_none() {
                            sink.push(format!(
                                "Phương án thứ {n}: trọng số “{}” không hợp lệ; ghi phần trăm \
                                 như Moodle, từ \"-100\" đến \"100\" (ví dụ \"50\").",
                                excerpt(&w)
                            ));
                        }
                        parsed.map(Some)
                    })
                }
                other => sink.push(format!(
                    "Phương án thứ {n}: khóa “{}” không hợp lệ; các khóa hợp lệ: \
                     {OPTION_KEYS}.",
                    excerpt(other)
                )),
            }
        }
        if !table.iter().any(|(k, _)| k.get_ref() == "text") {
            sink.push(format!("Phương án thứ {n} thiếu khóa “text”."));
        }
        match (text, correct, feedback, weight, images) {
            (Some(text), Some(correct), Some(feedback), Some(weight), Some(images)) => choices
                .push(Choice {
                    images,
                    text: clean(&text),
                    correct,
                    feedback: feedback.as_deref().and_then(clean_opt),
                    weight,
                }),
            _ => ok = false,
        }
    }
    ok.then_some(choices)
}

/// A Moodle answer weight in percent (`50`, `-100`, `33.33333`), as the GIFT importer
/// keeps it: digits with at most one `.`, an optional leading `-`, between -100 and 100.
fn parse_weight(w: &str) -> Option<String> {
    let w = w.trim();
    let digits = w.strip_prefix('-').unwrap_or(w);
    let well_formed = !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_digit() || c == '.')
        && digits.chars().filter(|&c| c == '.').count() <= 1
        && !digits.starts_with('.')
        && !digits.ends_with('.');
    let value: f64 = w.parse().ok().filter(|_| well_formed)?;
    (-100.0..=100.0).contains(&value).then(|| w.to_owned())
}

fn build(raw: Raw, sink: &mut Sink<'_>) -> Option<Question> {
    let has = |k: &str| raw.seen.contains(&k);
    let mut broken = raw.broken;
    let text = sink.required(raw.text, has("text"), "text");
    let topic = sink.required(raw.topic, has("topic"), "topic");
    let difficulty_name = sink.required(raw.difficulty, has("difficulty"), "difficulty");
    let kind_name = sink.required(raw.kind, has("kind"), "kind");

    let difficulty = difficulty_name.as_deref().and_then(|name| {
        let d = Difficulty::from_name(name);
        if d.is_none() {
            sink.push(format!(
                "Độ khó “{}” không hợp lệ; chỉ nhận dễ (easy), trung bình (medium) hoặc khó \
                 (hard).",
                excerpt(&clean(name))
            ));
        }
        d
    });
    let kind = kind_name.as_deref().and_then(|name| {
        let k = Kind::from_name(name);
        if k.is_none() {
            sink.push(format!(
                "Loại câu hỏi “{}” không hợp lệ; chỉ nhận một đáp án (single), nhiều đáp án \
                 (multiple) hoặc đúng/sai (true_false).",
                excerpt(&clean(name))
            ));
        }
        k
    });

    let choices = match kind {
        Some(Kind::TrueFalse) => {
            if has("options") {
                sink.push(
                    "Câu hỏi đúng/sai dùng answer = true hoặc false, không dùng options."
                        .to_owned(),
                );
                broken = true;
            }
            if !has("answer") {
                sink.push("Câu hỏi đúng/sai thiếu khóa “answer” (true hoặc false).".to_owned());
            }
            raw.answer.map(|answer| {
                vec![
                    Choice {
                        images: Vec::new(),
                        text: TRUE_TEXT.to_owned(),
                        correct: answer,
                        feedback: raw.true_feedback.as_deref().and_then(clean_opt),
                        weight: None,
                    },
                    Choice {
                        images: Vec::new(),
                        text: FALSE_TEXT.to_owned(),
                        correct: !answer,
                        feedback: raw.false_feedback.as_deref().and_then(clean_opt),
                        weight: None,
                    },
                ]
            })
        }
        Some(Kind::Single | Kind::Multiple) => {
            for key in ["answer", "true_feedback", "false_feedback"] {
                if has(key) {
                    sink.push(format!(
                        "Khóa “{key}” chỉ dùng cho câu hỏi đúng/sai (kind = \"true_false\")."
                    ));
                    broken = true;
                }
            }
            if !has("options") {
                sink.push("Câu hỏi thiếu khóa “options” (danh sách phương án).".to_owned());
            }
            raw.options
        }
        None => None,
    };

    let tags = clean_tags(raw.tags.unwrap_or_default());
    if broken {
        return None;
    }
    Some(Question {
        images: raw.images.unwrap_or_default(),
        key: raw.id.as_deref().map(clean),
        topic: clean_topic(&topic?),
        difficulty: difficulty?,
        kind: kind?,
        text: clean(&text?),
        choices: choices?,
        explanation: raw.explanation.as_deref().and_then(clean_opt),
        source: raw.source.as_deref().and_then(clean_opt),
        tags,
        line: sink.line,
    })
}

#[cfg(test)]
mod tests;

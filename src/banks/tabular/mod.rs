//! CSV and XLSX: one question per row under a header row, same columns for both.
//!
//! | column (aliases, case-insensitive)                    | content                       |
//! |-------------------------------------------------------|-------------------------------|
//! | `question` (`text`, `câu hỏi`, `nội dung`)            | required                      |
//! | `A` … `F` (`phương án A`, `option A`)                 | options, left to right        |
//! | `correct` (`answer`, `đáp án`, `đáp án đúng`)         | `B`, `A,C`, `A;C`; `Đúng`/`Sai` |
//! | `topic` (`chủ đề`)                                    | default `Chung`               |
//! | `difficulty` (`độ khó`, `mức độ`)                     | easy/medium/hard, dễ/…; default medium |
//! | `kind` (`type`, `loại`, `loại câu hỏi`)               | single/multiple/true_false; inferred |
//! | `explanation` (`giải thích`), `source` (`nguồn`, `căn cứ`) | optional                |
//! | `id` (`mã câu hỏi`), `tags` (`nhãn`)                  | optional; tags split on `,`/`;` |
//! | `images` (`ảnh`, `hình ảnh`)                           | pictures: `file "alt"`, `;`-separated |
//! | `stt`, `ghi chú`, `note`, empty header                | ignored                       |
//!
//! Problems name the spreadsheet row (header = row 1) or, for CSV, the line where the
//! record starts (the same unless a quoted cell spans lines).

use std::collections::VecDeque;

use super::model::{Choice, Difficulty, FALSE_TEXT, Kind, Problems, Question, TRUE_TEXT};
use super::text::{clean, clean_opt, clean_tags, clean_topic, decode, option_key};
use super::{BankMeta, DEFAULT_TOPIC, Draft, LineProblem};
use crate::limits::{self, CsvReader, MAX_COLUMNS, Tally, column_name, excerpt, too_many_columns};

mod merged;
mod xlsx;

pub(super) use xlsx::parse_xlsx;

/// Option columns, in order.
const LETTERS: [char; 6] = ['A', 'B', 'C', 'D', 'E', 'F'];

/// What a header cell names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Col {
    Topic,
    Difficulty,
    Kind,
    Question,
    Option(usize),
    Correct,
    Explanation,
    Source,
    Id,
    Tags,
    /// Pictures of the question: files of the ZIP bundle with their alt texts.
    Images,
    Ignored,
}

impl Col {
    fn from_header(header: &str) -> Option<Col> {
        let h = clean(header)
            .trim_end_matches(['*', ':'])
            .trim()
            .to_lowercase();
        let col = match h.as_str() {
            "topic" | "chủ đề" => Col::Topic,
            "difficulty" | "độ khó" | "mức độ" => Col::Difficulty,
            "kind" | "type" | "loại" | "loại câu hỏi" => Col::Kind,
            "question" | "text" | "câu hỏi" | "nội dung" | "nội dung câu hỏi" => {
                Col::Question
            }
            "correct" | "answer" | "đáp án" | "đáp án đúng" => Col::Correct,
            "explanation" | "giải thích" => Col::Explanation,
            "source" | "nguồn" | "căn cứ" => Col::Source,
            "id" | "key" | "mã câu hỏi" => Col::Id,
            "tags" | "tag" | "nhãn" => Col::Tags,
            "images" | "image" | "ảnh" | "hình ảnh" | "hình" => Col::Images,
            "" | "stt" | "#" | "no" | "no." | "ghi chú" | "note" | "notes" => Col::Ignored,
            other => {
                let letter = other
                    .strip_prefix("phương án ")
                    .or_else(|| other.strip_prefix("option "))
                    .unwrap_or(other);
                let index = LETTERS
                    .iter()
                    .position(|l| letter.eq_ignore_ascii_case(l.encode_utf8(&mut [0; 4])))?;
                Col::Option(index)
            }
        };
        Some(col)
    }
}

/// The Vietnamese header of each column, as the XLSX template writes it, with the
/// English name the reader also accepts: problems name columns this way, `cột «Đáp án
/// đúng» (correct)`, so a person reading the message finds the column in their sheet.
fn column_vi(col: Col) -> String {
    format!("cột {}", header_vi(col))
}

/// A column's Vietnamese header and English name: `«Đáp án đúng» (correct)`.
fn header_vi(col: Col) -> String {
    let (vi, en) = match col {
        Col::Topic => ("Chủ đề", "topic"),
        Col::Difficulty => ("Độ khó", "difficulty"),
        Col::Kind => ("Loại câu hỏi", "kind"),
        Col::Question => ("Câu hỏi", "question"),
        Col::Option(i) => return format!("«Phương án {}» ({})", LETTERS[i], LETTERS[i]),
        Col::Correct => ("Đáp án đúng", "correct"),
        Col::Explanation => ("Giải thích", "explanation"),
        Col::Source => ("Nguồn", "source"),
        Col::Id => ("Mã câu hỏi", "id"),
        Col::Tags => ("Nhãn", "tags"),
        Col::Images => ("Ảnh", "images"),
        Col::Ignored => ("Ghi chú", "note"),
    };
    format!("«{vi}» ({en})")
}

/// The columns a bank sheet may have, as an unsupported header's problem lists them (by
/// their Vietnamese headers; the English names are accepted too).
const VALID_COLUMNS: &str = "Chủ đề, Độ khó, Loại câu hỏi, Câu hỏi, Phương án A–F, Đáp án \
     đúng, Giải thích, Nguồn, Mã câu hỏi, Nhãn, Ảnh";

/// What a reader yields: a row — its line (or spreadsheet row) and its cells as text, up
/// to the last non-empty one — or a problem with one row or cell that does not stop it.
enum Item {
    Row(usize, Vec<String>),
    Problem(LineProblem),
}

/// A reader's next item; `Err` stops the reading (a limit passed, or an unreadable file).
type Next = Option<Result<Item, Problems>>;

/// Parses a CSV file (`,`, `;` or tab separated, detected from the header line; an Excel
/// `sep=;` first line is honoured); `Err` when the file is not UTF-8 or passes a limit.
pub(super) fn parse_csv(bytes: &[u8], meta: &BankMeta) -> Result<Draft, Problems> {
    let source = decode(bytes)?;
    let mut records = CsvReader::new(source, detect_delimiter(source));
    let mut first = true;
    let rows = std::iter::from_fn(move || {
        loop {
            let record = records.next_record()?;
            let is_sep_hint = std::mem::take(&mut first)
                && record.as_ref().is_ok_and(|r| {
                    r.fields
                        .first()
                        .is_some_and(|c| c.trim().to_ascii_lowercase().starts_with("sep="))
                });
            if !is_sep_hint {
                return Some(record.map(|r| Item::Row(r.line, r.fields)));
            }
        }
    });
    parse_rows(rows, meta)
}

/// The separator: an Excel `sep=X` hint, else the most frequent of `,` `;` tab in the
/// first line (`,` on ties).
fn detect_delimiter(source: &str) -> u8 {
    let first = source.lines().next().unwrap_or_default();
    if let [s, e, p, b'=', b @ (b',' | b';' | b'\t' | b'|')] = first.trim().as_bytes()
        && [s, e, p].map(u8::to_ascii_lowercase) == *b"sep"
    {
        return *b;
    }
    let (mut comma, mut semicolon, mut tab) = (0, 0, 0);
    for b in first.bytes() {
        match b {
            b',' => comma += 1,
            b';' => semicolon += 1,
            b'\t' => tab += 1,
            _ => {}
        }
    }
    if semicolon > comma && semicolon >= tab {
        b';'
    } else if tab > comma && tab > semicolon {
        b'\t'
    } else {
        b','
    }
}

/// Builds the draft from the rows as a reader yields them, one at a time (so memory holds
/// the questions, not the file's rows); `Err` when there is no usable header or the
/// reader stops.
fn parse_rows(
    items: impl Iterator<Item = Result<Item, Problems>>,
    meta: &BankMeta,
) -> Result<Draft, Problems> {
    let mut draft = Draft::from_meta(meta);
    let mut header: Option<(usize, Vec<Option<Col>>)> = None;
    for item in items {
        let (line, cells) = match item? {
            Item::Problem(p) => {
                draft.problems.add(p);
                continue;
            }
            Item::Row(line, cells) => (line, cells),
        };
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let Some((_, columns)) = &header else {
            let columns = read_header(line, &cells, &mut draft)?;
            header = Some((line, columns));
            continue;
        };
        let mut row = RowCells::default();
        for (col, cell) in columns.iter().zip(&cells) {
            if let Some(col) = col {
                row.set(*col, cell);
            }
        }
        if let Some(q) = question(line, row, &mut draft) {
            draft.bank.questions.push(q);
            draft.check_question_limit(line)?;
        }
    }
    if header.is_none() {
        return Err(Problems::from(LineProblem {
            line: 0,
            message: "Tệp không có dữ liệu: cần một dòng tiêu đề cột (Câu hỏi, Phương án A, \
                      Phương án B, …, Đáp án đúng) và các dòng câu hỏi."
                .to_owned(),
        }));
    }
    Ok(draft)
}

/// The columns a header row names; `Err` (with the draft's problems) when a required
/// column is missing.
fn read_header(
    header_line: usize,
    header: &[String],
    draft: &mut Draft,
) -> Result<Vec<Option<Col>>, Problems> {
    let mut columns: Vec<Option<Col>> = Vec::with_capacity(header.len());
    let mut seen = std::collections::HashSet::new();
    for name in header {
        let col = Col::from_header(name);
        match col {
            None => draft.problem(
                header_line,
                format!(
                    "Cột “{}” không được hỗ trợ; các cột hợp lệ: {VALID_COLUMNS}.",
                    excerpt(&clean(name))
                ),
            ),
            Some(c) if c != Col::Ignored && !seen.insert(c) => draft.problem(
                header_line,
                format!("Cột “{}” bị lặp lại.", excerpt(&clean(name))),
            ),
            Some(_) => {}
        }
        columns.push(col);
    }
    let mut missing = false;
    for col in [Col::Question, Col::Correct] {
        if !seen.contains(&col) {
            draft.problem(
                header_line,
                format!(
                    "Thiếu cột bắt buộc {} ở dòng tiêu đề (dòng {header_line}).",
                    header_vi(col)
                ),
            );
            missing = true;
        }
    }
    if missing {
        return Err(std::mem::take(&mut draft.problems));
    }
    Ok(columns)
}

/// The cells of one row, by column (first occurrence wins).
#[derive(Default)]
struct RowCells<'a> {
    topic: Option<&'a str>,
    difficulty: Option<&'a str>,
    kind: Option<&'a str>,
    question: Option<&'a str>,
    options: [Option<&'a str>; 6],
    correct: Option<&'a str>,
    explanation: Option<&'a str>,
    source: Option<&'a str>,
    id: Option<&'a str>,
    tags: Option<&'a str>,
    images: Option<&'a str>,
}

impl<'a> RowCells<'a> {
    fn set(&mut self, col: Col, cell: &'a str) {
        let slot = match col {
            Col::Topic => &mut self.topic,
            Col::Difficulty => &mut self.difficulty,
            Col::Kind => &mut self.kind,
            Col::Question => &mut self.question,
            Col::Option(i) => match self.options.get_mut(i) {
                Some(slot) => slot,
                None => return,
            },
            Col::Correct => &mut self.correct,
            Col::Explanation => &mut self.explanation,
            Col::Source => &mut self.source,
            Col::Id => &mut self.id,
            Col::Tags => &mut self.tags,
            Col::Images => &mut self.images,
            Col::Ignored => return,
        };
        slot.get_or_insert(cell);
    }
}

fn cell(value: Option<&str>) -> String {
    value.map(clean).unwrap_or_default()
}

/// `Đúng`/`Sai` and friends.
fn true_false_word(value: &str) -> Option<bool> {
    match value.to_lowercase().as_str() {
        "đúng" | "true" | "t" | "đ" => Some(true),
        "sai" | "false" | "f" | "s" => Some(false),
        _ => None,
    }
}

fn question(line: usize, row: RowCells<'_>, draft: &mut Draft) -> Option<Question> {
    let mut broken = false;
    let problem = |draft: &mut Draft, message: String| {
        draft.problem(line, message);
    };

    let difficulty_text = cell(row.difficulty);
    let difficulty = if difficulty_text.is_empty() {
        Difficulty::Medium
    } else if let Some(d) = Difficulty::from_name(&difficulty_text) {
        d
    } else {
        problem(
            draft,
            format!(
                "Độ khó “{}” không hợp lệ ({}); chỉ nhận dễ, trung bình, khó (hoặc easy, \
                 medium, hard).",
                excerpt(&difficulty_text),
                column_vi(Col::Difficulty)
            ),
        );
        broken = true;
        Difficulty::Medium
    };

    let options: Vec<String> = row.options.iter().map(|o| cell(*o)).collect();
    let used = options
        .iter()
        .rposition(|o| !o.is_empty())
        .map_or(0, |i| i + 1);
    for (i, o) in options.iter().enumerate().take(used) {
        if o.is_empty() {
            problem(
                draft,
                format!(
                    "Phương án {} để trống ({}) trong khi phương án sau nó có nội dung.",
                    LETTERS[i],
                    column_vi(Col::Option(i))
                ),
            );
            broken = true;
        }
    }
    let options = &options[..used];

    let correct = cell(row.correct);
    let kind_text = cell(row.kind);
    let kind = if kind_text.is_empty() {
        let letters = correct
            .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
            .filter(|s| !s.is_empty())
            .count();
        if options.is_empty() && true_false_word(&correct).is_some() {
            Kind::TrueFalse
        } else if letters > 1 {
            Kind::Multiple
        } else {
            Kind::Single
        }
    } else if let Some(k) = Kind::from_name(&kind_text) {
        k
    } else {
        problem(
            draft,
            format!(
                "Loại câu hỏi “{}” không hợp lệ ({}); chỉ nhận một đáp án, nhiều đáp án, \
                 đúng/sai (hoặc single, multiple, true_false).",
                excerpt(&kind_text),
                column_vi(Col::Kind)
            ),
        );
        return None;
    };

    let choices = if kind == Kind::TrueFalse {
        let shape_ok = options.is_empty()
            || (options.len() == 2
                && option_key(&options[0]) == option_key(TRUE_TEXT)
                && option_key(&options[1]) == option_key(FALSE_TEXT));
        if !shape_ok {
            problem(
                draft,
                format!(
                    "Câu hỏi đúng/sai không cần phương án; nếu điền thì A phải là “{TRUE_TEXT}” \
                     và B là “{FALSE_TEXT}”."
                ),
            );
            broken = true;
        }
        let verdict = match correct.to_lowercase().as_str() {
            "a" => Some(true),
            "b" => Some(false),
            other => true_false_word(other),
        };
        let Some(verdict) = verdict else {
            problem(
                draft,
                format!(
                    "Đáp án của câu đúng/sai ({}) phải là Đúng hoặc Sai (hoặc T/F, true/false, \
                     A/B); đang ghi “{}”.",
                    column_vi(Col::Correct),
                    excerpt(&correct)
                ),
            );
            return None;
        };
        vec![
            Choice {
                images: Vec::new(),
                text: TRUE_TEXT.to_owned(),
                correct: verdict,
                feedback: None,
                weight: None,
            },
            Choice {
                images: Vec::new(),
                text: FALSE_TEXT.to_owned(),
                correct: !verdict,
                feedback: None,
                weight: None,
            },
        ]
    } else {
        let mut marked = [false; 6];
        for token in correct
            .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
            .filter(|s| !s.is_empty())
        {
            let index = LETTERS
                .iter()
                .position(|l| token.eq_ignore_ascii_case(l.encode_utf8(&mut [0; 4])));
            match index {
                Some(i) if i < options.len() => marked[i] = true,
                Some(i) => {
                    problem(
                        draft,
                        format!(
                            "Đáp án đúng {} ({}) trỏ tới phương án để trống.",
                            LETTERS[i],
                            column_vi(Col::Correct)
                        ),
                    );
                    broken = true;
                }
                None => {
                    problem(
                        draft,
                        format!(
                            "Đáp án đúng “{}” không hợp lệ ({}): ghi chữ cái của phương án, \
                             ví dụ B hoặc A,C.",
                            excerpt(token),
                            column_vi(Col::Correct)
                        ),
                    );
                    broken = true;
                }
            }
        }
        options
            .iter()
            .zip(marked)
            .map(|(text, correct)| Choice {
                images: Vec::new(),
                text: text.clone(),
                correct,
                feedback: None,
                weight: None,
            })
            .collect()
    };

    let tags = clean_tags(row.tags.unwrap_or_default().split([',', ';']));
    let topic = clean_topic(row.topic.unwrap_or_default());
    if broken {
        return None;
    }
    Some(Question {
        images: super::media::picture_list(row.images.unwrap_or_default()),
        key: row.id.and_then(clean_opt),
        topic: if topic.is_empty() {
            DEFAULT_TOPIC.to_owned()
        } else {
            topic
        },
        difficulty,
        kind,
        text: cell(row.question),
        choices,
        explanation: row.explanation.and_then(clean_opt),
        source: row.source.and_then(clean_opt),
        tags,
        line,
    })
}

#[cfg(test)]
mod tests;

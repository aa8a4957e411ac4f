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
//! | `stt`, `ghi chú`, `note`, empty header                | ignored                       |
//!
//! Problems name the spreadsheet row (header = row 1) or, for CSV, the line where the
//! record starts (the same unless a quoted cell spans lines).

use std::collections::VecDeque;
use std::io::{Cursor, Read};
use std::panic::AssertUnwindSafe;

use calamine::{DataRef, Reader, Xlsx, XlsxError};

use super::model::{Choice, Difficulty, FALSE_TEXT, Kind, Problems, Question, TRUE_TEXT};
use super::text::{clean, clean_opt, clean_tags, clean_topic, decode, option_key};
use super::{BankMeta, DEFAULT_TOPIC, Draft, Problem};
use crate::limits::{
    self, CsvReader, MAX_COLUMNS, MAX_XLSX_PART_BYTES, MAX_XLSX_PARTS, MAX_XLSX_TOTAL_BYTES, Tally,
    column_name, excerpt, too_many_columns,
};

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

/// What a reader yields: a row — its line (or spreadsheet row) and its cells as text, up
/// to the last non-empty one — or a problem with one row or cell that does not stop it.
enum Item {
    Row(usize, Vec<String>),
    Problem(Problem),
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

/// Parses the first sheet of an XLSX workbook.
pub(super) fn parse_xlsx(bytes: &[u8], meta: &BankMeta) -> Result<Draft, Problems> {
    // calamine and zip are third-party code fed with untrusted archives: a panic inside
    // them must not escape as a panic of the importer.
    std::panic::catch_unwind(AssertUnwindSafe(|| read_xlsx(bytes, meta)))
        .unwrap_or_else(|_| Err(unreadable_xlsx()))
}

fn unreadable_xlsx() -> Problems {
    Problems::from(Problem {
        line: 0,
        message: "Không đọc được tệp XLSX: tệp bị hỏng hoặc không phải bảng tính Excel (.xlsx)."
            .to_owned(),
    })
}

/// Reads the first sheet cell by cell, in file order: nothing is sized by the sheet's
/// declared `<dimension>`, and only non-empty cells count.
fn read_xlsx(bytes: &[u8], meta: &BankMeta) -> Result<Draft, Problems> {
    check_parts(bytes)?;
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|_| unreadable_xlsx())?;
    let Some(name) = workbook.sheet_names().into_iter().next() else {
        return Err(Problems::from(Problem {
            line: 0,
            message: "Tệp XLSX không có trang tính nào.".to_owned(),
        }));
    };
    let mut cells = match workbook.worksheet_cells_reader(&name) {
        Ok(cells) => cells,
        // A chart sheet first: no rows.
        Err(XlsxError::NotAWorksheet(_)) => return parse_rows(std::iter::empty(), meta),
        Err(_) => return Err(unreadable_xlsx()),
    };
    let mut tally = Tally::default();
    // The row being gathered (0-based) and its cells; problems and finished rows wait in
    // `ready`.
    let mut row: Option<(u32, Vec<String>)> = None;
    let mut ready: VecDeque<Item> = VecDeque::new();
    let mut done = false;
    let next = || -> Next {
        loop {
            if let Some(item) = ready.pop_front() {
                return Some(Ok(item));
            }
            if done {
                return None;
            }
            let cell = match cells.next_cell() {
                Ok(Some(cell)) => cell,
                Ok(None) => {
                    done = true;
                    if let Some((r, texts)) = row.take() {
                        ready.push_back(Item::Row(r as usize + 1, texts));
                    }
                    continue;
                }
                Err(_) => {
                    done = true;
                    return Some(Err(unreadable_xlsx()));
                }
            };
            let value = cell.get_value();
            if matches!(value, DataRef::Empty) {
                continue;
            }
            let (r, c) = cell.get_position();
            let (line, column) = (r as usize + 1, c as usize);
            let cell_name = format!("{}{line}", column_name(column));
            if column >= MAX_COLUMNS {
                return Some(Err(too_many_columns(line, &cell_name)));
            }
            let text = cell_text(value).unwrap_or_else(|e| {
                ready.push_back(Item::Problem(Problem {
                    line,
                    message: format!(
                        "Ô {cell_name} có lỗi công thức ({e}); hãy sửa hoặc nhập giá trị trực tiếp."
                    ),
                }));
                String::new()
            });
            if row.as_ref().is_some_and(|(current, _)| *current != r)
                && let Some((finished, texts)) = row.take()
            {
                ready.push_back(Item::Row(finished as usize + 1, texts));
            }
            if row.is_none()
                && let Err(limit) = tally.row(line)
            {
                return Some(Err(limit));
            }
            if let Err(limit) = tally.cell(line, &cell_name, &text) {
                return Some(Err(limit));
            }
            let (_, texts) = row.get_or_insert_with(|| (r, Vec::new()));
            if texts.len() <= column {
                texts.resize(column + 1, String::new());
            }
            texts[column] = text;
        }
    };
    parse_rows(std::iter::from_fn(next), meta)
}

/// Checks every part of the workbook before calamine reads any: at most
/// [`MAX_XLSX_PARTS`] parts, each at most [`MAX_XLSX_PART_BYTES`] and all together at
/// most [`MAX_XLSX_TOTAL_BYTES`] once decompressed. The parts are really decompressed
/// (into nothing, so memory stays flat) and the reading stops at the limit: a zip's
/// declared sizes are only trusted when they are over it.
fn check_parts(bytes: &[u8]) -> Result<(), Problems> {
    // Every XLSX starts with a zip entry; anything else (an OLE2 container, a polyglot)
    // is not read further.
    if !bytes.starts_with(b"PK\x03\x04") {
        return Err(unreadable_xlsx());
    }
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| unreadable_xlsx())?;
    if zip.len() > MAX_XLSX_PARTS {
        return Err(Problems::over_limit(
            "xlsx_parts",
            0,
            format!(
                "Tệp XLSX có {} phần (tệp con trong gói zip); tối đa {} phần.",
                limits::number(zip.len() as u64),
                limits::number(MAX_XLSX_PARTS as u64)
            ),
        ));
    }
    let part_too_large = |name: &str| {
        Problems::over_limit(
            "xlsx_part_bytes",
            0,
            format!(
                "Phần “{}” của tệp XLSX giải nén ra hơn {}; mỗi phần (trang tính, bảng chuỗi \
                 dùng chung…) có tối đa {} sau khi giải nén.",
                excerpt(name),
                limits::mebibytes(MAX_XLSX_PART_BYTES),
                limits::mebibytes(MAX_XLSX_PART_BYTES)
            ),
        )
    };
    let mut total = 0u64;
    for i in 0..zip.len() {
        let mut part = zip.by_index(i).map_err(|_| unreadable_xlsx())?;
        let name = String::from_utf8_lossy(part.name_raw()).into_owned();
        if part.size() > MAX_XLSX_PART_BYTES {
            return Err(part_too_large(&name));
        }
        let budget = MAX_XLSX_PART_BYTES.min(MAX_XLSX_TOTAL_BYTES - total);
        // The zip reader itself also stops with an error past the declared size.
        let read = std::io::copy(&mut (&mut part).take(budget + 1), &mut std::io::sink()).map_err(
            |_| {
                Problems::from(Problem {
                    line: 0,
                    message: format!(
                        "Không đọc được phần “{}” của tệp XLSX: dữ liệu nén bị hỏng hoặc lớn \
                         hơn kích thước khai báo.",
                        excerpt(&name)
                    ),
                })
            },
        )?;
        if read > MAX_XLSX_PART_BYTES {
            return Err(part_too_large(&name));
        }
        total += read;
        if total > MAX_XLSX_TOTAL_BYTES {
            return Err(Problems::over_limit(
                "xlsx_total_bytes",
                0,
                format!(
                    "Tệp XLSX giải nén ra hơn {}; tối đa {} cho cả tệp.",
                    limits::mebibytes(MAX_XLSX_TOTAL_BYTES),
                    limits::mebibytes(MAX_XLSX_TOTAL_BYTES)
                ),
            ));
        }
    }
    Ok(())
}

/// A cell as the organiser sees it: integers without `.0`, dates as `dd/mm/yyyy`.
fn cell_text(cell: &DataRef<'_>) -> Result<String, String> {
    Ok(match cell {
        DataRef::Empty => String::new(),
        DataRef::SharedString(s) => (*s).to_owned(),
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) => number_text(*f),
        DataRef::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_owned(),
        DataRef::DateTime(dt) if dt.is_datetime() && dt.as_f64().is_finite() => {
            let (y, m, d, h, min, s, _) = dt.to_ymd_hms_milli();
            match (h, min, s) {
                (0, 0, 0) => format!("{d:02}/{m:02}/{y:04}"),
                (h, min, 0) => format!("{d:02}/{m:02}/{y:04} {h:02}:{min:02}"),
                (h, min, s) => format!("{d:02}/{m:02}/{y:04} {h:02}:{min:02}:{s:02}"),
            }
        }
        DataRef::DateTime(dt) => number_text(dt.as_f64()),
        DataRef::Error(e) => return Err(e.to_string()),
    })
}

fn number_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{f:.0}")
    } else {
        f.to_string()
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
        return Err(Problems::from(Problem {
            line: 0,
            message: "Tệp không có dữ liệu: cần một dòng tiêu đề cột (question, A, B, …, \
                      correct) và các dòng câu hỏi."
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
                    "Cột “{}” không được hỗ trợ; các cột hợp lệ: topic, difficulty, kind, \
                     question, A–F, correct, explanation, source, id, tags.",
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
    for (col, name) in [(Col::Question, "question"), (Col::Correct, "correct")] {
        if !seen.contains(&col) {
            draft.problem(
                header_line,
                format!("Thiếu cột bắt buộc “{name}” ở dòng tiêu đề (dòng {header_line})."),
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
                "Độ khó “{}” không hợp lệ; chỉ nhận easy, medium, hard (hoặc dễ, trung bình, \
                 khó).",
                excerpt(&difficulty_text)
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
                    "Phương án {} để trống trong khi phương án sau nó có nội dung.",
                    LETTERS[i]
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
                "Loại câu hỏi “{}” không hợp lệ; chỉ nhận single, multiple, true_false.",
                excerpt(&kind_text)
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
                    "Đáp án của câu đúng/sai phải là Đúng hoặc Sai (hoặc T/F, true/false, A/B); \
                     đang ghi “{}”.",
                    excerpt(&correct)
                ),
            );
            return None;
        };
        vec![
            Choice {
                text: TRUE_TEXT.to_owned(),
                correct: verdict,
                feedback: None,
            },
            Choice {
                text: FALSE_TEXT.to_owned(),
                correct: !verdict,
                feedback: None,
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
                        format!("Đáp án đúng {} trỏ tới phương án để trống.", LETTERS[i]),
                    );
                    broken = true;
                }
                None => {
                    problem(
                        draft,
                        format!(
                            "Đáp án đúng “{}” không hợp lệ: ghi chữ cái của phương án, ví \
                             dụ B hoặc A,C.",
                            excerpt(token)
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
                text: text.clone(),
                correct,
                feedback: None,
            })
            .collect()
    };

    let tags = clean_tags(row.tags.unwrap_or_default().split([',', ';']));
    let topic = clean_topic(row.topic.unwrap_or_default());
    if broken {
        return None;
    }
    Some(Question {
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
mod tests {
    use super::super::{Bank, BankMeta, Format, Parsed, parse};
    use super::*;

    const CSV: &str = "Chủ đề,Độ khó,Loại,Câu hỏi,A,B,C,D,Đáp án,Giải thích,Nguồn\n\
        Dịch vụ công,dễ,,Nghị định 45/2020/NĐ-CP quy định về việc gì?,Thủ tục hành chính điện \
        tử,Thuế,,,A,Xem Điều 1.,Điều 1 NĐ 45\n\
        Dịch vụ công,Khó,,\"Những kênh nào, theo Nghị định, là trực tuyến?\",Cổng DVC quốc \
        gia,Cổng DVC tỉnh,Thư tay,,\"A, C\",,\n\
        ,,true_false,Kết quả điện tử có giá trị như bản giấy.,,,,,Đúng,,\n\
        ,,,Nộp hồ sơ trực tuyến là bắt buộc.,,,,,Sai,,\n\
        ,,,,,,,,,,\n\
        Thủ tục,TRUNG BÌNH,multiple,Chọn các phương án đúng,1,2,3,4,b;d,,\n";

    fn meta() -> BankMeta {
        BankMeta::new("csv-demo", "Ngân hàng CSV")
    }

    fn ok(format: Format, bytes: &[u8]) -> Parsed {
        match parse(format, bytes, &meta()) {
            Ok(p) => p,
            Err(e) => panic!("unexpected problems {e:#?}"),
        }
    }

    fn check_demo(bank: &Bank) {
        assert_eq!(bank.questions.len(), 5);
        let summary: Vec<(usize, Kind, Difficulty, &str)> = bank
            .questions
            .iter()
            .map(|q| (q.line, q.kind, q.difficulty, q.topic.as_str()))
            .collect();
        assert_eq!(
            summary,
            vec![
                (2, Kind::Single, Difficulty::Easy, "Dịch vụ công"),
                (3, Kind::Multiple, Difficulty::Hard, "Dịch vụ công"),
                (4, Kind::TrueFalse, Difficulty::Medium, "Chung"),
                (5, Kind::TrueFalse, Difficulty::Medium, "Chung"),
                (7, Kind::Multiple, Difficulty::Medium, "Thủ tục"),
            ]
        );
        let q = &bank.questions[1];
        assert_eq!(q.text, "Những kênh nào, theo Nghị định, là trực tuyến?");
        let correct: Vec<bool> = q.choices.iter().map(|c| c.correct).collect();
        assert_eq!(correct, vec![true, false, true]);
        assert_eq!(bank.questions[0].choices.len(), 2);
        assert_eq!(
            bank.questions[0].explanation.as_deref(),
            Some("Xem Điều 1.")
        );
        assert_eq!(bank.questions[0].source.as_deref(), Some("Điều 1 NĐ 45"));
        assert_eq!(bank.questions[2].true_false_answer(), Some(true));
        assert_eq!(bank.questions[3].true_false_answer(), Some(false));
        let correct: Vec<bool> = bank.questions[4]
            .choices
            .iter()
            .map(|c| c.correct)
            .collect();
        assert_eq!(correct, vec![false, true, false, true]);
    }

    #[test]
    fn csv_with_and_without_bom() {
        let plain = ok(Format::Csv, CSV.as_bytes());
        check_demo(&plain.bank);
        let mut with_bom = b"\xEF\xBB\xBF".to_vec();
        with_bom.extend_from_slice(CSV.as_bytes());
        let bom = ok(Format::Csv, &with_bom);
        assert!(bom.bank.same_content(&plain.bank));
        assert_eq!(bom.bank, plain.bank);
    }

    #[test]
    fn csv_semicolon_crlf_and_sep_hint() {
        let semi = CSV.replace(',', ";").replace('\n', "\r\n");
        // The quoted cells contained commas; they become semicolons inside quotes, fine.
        let p = ok(Format::Csv, semi.as_bytes());
        assert_eq!(p.bank.questions.len(), 5);
        let hinted = format!("sep=;\n{}", CSV.replace(',', ";"));
        let p = ok(Format::Csv, hinted.as_bytes());
        assert_eq!(p.bank.questions[0].line, 3);
    }

    #[test]
    fn csv_problems_name_rows() {
        let src = "question,A,B,correct,difficulty,màu\n\
                   Câu một?,x,,A,easy,\n\
                   Câu hai?,x,y,C,rất khó,\n\
                   Câu ba?,x,y,Z,,\n\
                   Câu bốn?,,,maybe,,\n";
        let problems = match parse(Format::Csv, src.as_bytes(), &meta()) {
            Ok(p) => panic!("{:#?}", p.bank),
            Err(e) => e,
        };
        let got: Vec<(usize, &str)> = problems
            .iter()
            .map(|p| (p.line, p.message.as_str()))
            .collect();
        assert_eq!(got.len(), 6, "{got:#?}");
        assert_eq!(got[0].0, 1);
        assert!(got[0].1.starts_with("Cột “màu” không được hỗ trợ"));
        assert_eq!(
            got[1],
            (2, "Câu hỏi cần ít nhất hai phương án trả lời (hiện có 1).")
        );
        assert_eq!(got[2].0, 3);
        assert!(got[2].1.starts_with("Độ khó “rất khó”"));
        assert_eq!(got[3], (3, "Đáp án đúng C trỏ tới phương án để trống."));
        assert_eq!(got[4].0, 4);
        assert!(got[4].1.starts_with("Đáp án đúng “Z” không hợp lệ"));
        assert_eq!(got[5].0, 5);
        assert!(got[5].1.starts_with("Đáp án đúng “maybe” không hợp lệ"));
    }

    #[test]
    fn missing_columns_and_empty_file() {
        let problems = parse(Format::Csv, b"topic,A,B\nx,1,2\n", &meta()).err();
        let messages: Vec<String> = problems
            .unwrap_or_default()
            .into_iter()
            .map(|p| p.message)
            .collect();
        assert_eq!(
            messages,
            vec![
                "Thiếu cột bắt buộc “question” ở dòng tiêu đề (dòng 1).",
                "Thiếu cột bắt buộc “correct” ở dòng tiêu đề (dòng 1).",
            ]
        );
        let problems = parse(Format::Csv, b"\n\n", &meta())
            .err()
            .unwrap_or_default();
        assert_eq!(problems.len(), 1);
        assert!(problems[0].message.starts_with("Tệp không có dữ liệu"));
    }

    #[test]
    fn xlsx_fixture() {
        use rust_xlsxwriter::{ExcelDateTime, Format as XFormat, Workbook};

        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet();
        let rows = CSV.lines().map(|l| {
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .from_reader(l.as_bytes());
            reader
                .records()
                .next()
                .and_then(Result::ok)
                .map(|r| r.iter().map(str::to_owned).collect::<Vec<_>>())
                .unwrap_or_default()
        });
        // Leave row 1 empty: rows must still be numbered as in Excel.
        for (r, cells) in rows.enumerate() {
            for (c, value) in cells.iter().enumerate() {
                if !value.is_empty() {
                    sheet
                        .write_string((r + 1) as u32, c as u16, value)
                        .expect("write cell");
                }
            }
        }
        // Numbers and dates as option texts.
        let date = ExcelDateTime::from_ymd(2020, 4, 8).expect("date");
        let date_format = XFormat::new().set_num_format("dd/mm/yyyy");
        let r = 8;
        sheet
            .write_string(r, 3, "Nghị định 45 ban hành ngày nào?")
            .expect("cell");
        sheet
            .write_datetime_with_format(r, 4, &date, &date_format)
            .expect("cell");
        sheet.write_number(r, 5, 2020).expect("cell");
        sheet.write_number(r, 6, 45.5).expect("cell");
        sheet.write_boolean(r, 7, true).expect("cell");
        sheet.write_string(r, 8, "A").expect("cell");
        let bytes = workbook.save_to_buffer().expect("xlsx");

        let parsed = ok(Format::Xlsx, &bytes);
        let mut bank = parsed.bank;
        let last = bank.questions.pop().expect("nine rows");
        let texts: Vec<&str> = last.choices.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(texts, vec!["08/04/2020", "2020", "45.5", "TRUE"]);
        assert_eq!(last.line, 9);
        for q in &mut bank.questions {
            q.line -= 1;
        }
        check_demo(&bank);
        let csv = ok(Format::Csv, CSV.as_bytes()).bank;
        assert_eq!(bank, csv);
    }

    #[test]
    fn xlsx_garbage_is_a_plain_problem() {
        let problems = parse(Format::Xlsx, b"PK\x03\x04 not really", &meta())
            .err()
            .unwrap_or_default();
        assert_eq!(problems.len(), 1);
        assert!(problems[0].message.starts_with("Không đọc được tệp XLSX"));
    }

    /// The limit a refused file names, and its one problem's message.
    fn refused(format: Format, bytes: &[u8]) -> (Option<&'static str>, String) {
        let problems = parse(format, bytes, &meta()).err().unwrap_or_default();
        assert_eq!(problems.total(), 1, "{problems:#?}");
        (problems.limit(), problems[0].message.clone())
    }

    #[test]
    fn a_sparse_workbook_is_refused_at_its_far_cell_without_a_dense_read() {
        use rust_xlsxwriter::Workbook;

        let sheet_with = |row: u32, column: u16| {
            let mut workbook = Workbook::new();
            let sheet = workbook.add_worksheet();
            sheet.write_string(0, 0, "question").expect("cell");
            sheet.write_string(row, column, "x").expect("cell");
            workbook.save_to_buffer().expect("xlsx")
        };
        let started = std::time::Instant::now();
        let (limit, message) = refused(Format::Xlsx, &sheet_with(1_048_575, 16_383));
        assert_eq!(limit, Some("columns"));
        assert!(
            message.starts_with("Ô XFD1048576 nằm ngoài vùng được đọc"),
            "{message}"
        );
        assert!(message.contains("tối đa 64 cột (A–BL)"), "{message}");
        let (limit, message) = refused(Format::Xlsx, &sheet_with(50_000, 0));
        assert_eq!(limit, Some("rows"));
        assert!(message.contains("tối đa 50.000 dòng"), "{message}");
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
        // The last row and column allowed are read (and the header problems reported).
        let problems = parse(Format::Xlsx, &sheet_with(49_999, 63), &meta())
            .err()
            .unwrap_or_default();
        assert_eq!(problems.limit(), None, "{problems:#?}");
    }

    #[test]
    fn csv_limits_name_the_limit_and_trailing_empty_columns_are_free() {
        let header = "question,A,B,correct";
        let row = |cells: usize| format!("{header}\nCâu?,x,y,A{}\n", ",".repeat(cells));
        // 2,000 empty trailing cells cost nothing; a 65th non-empty one is refused.
        assert!(parse(Format::Csv, row(2_000).as_bytes(), &meta()).is_ok());
        let wide = format!("{header}{}\n", ",c".repeat(61));
        let (limit, message) = refused(Format::Csv, wide.as_bytes());
        assert_eq!(limit, Some("columns"));
        assert!(
            message.starts_with("Ô BM1 nằm ngoài vùng được đọc"),
            "{message}"
        );

        let long = format!("{header}\n{},x,y,A\n", "ô".repeat(10_001));
        let (limit, message) = refused(Format::Csv, long.as_bytes());
        assert_eq!(limit, Some("cell_chars"));
        assert_eq!(
            message,
            "Ô A2 dài 10.001 ký tự; mỗi ô có tối đa 10.000 ký tự."
        );
        let quoted = format!("{header}\n\"{}\",x,y,A\n", "a".repeat(1 << 20));
        let (limit, message) = refused(Format::Csv, quoted.as_bytes());
        assert_eq!(limit, Some("cell_chars"));
        assert!(message.contains("dài hơn 10.000 ký tự"), "{message}");

        let mut many = format!("{header}\n");
        for i in 0..50_000 {
            many.push_str(&format!("Câu {i}?,x,y,A\n"));
        }
        let (limit, message) = refused(Format::Csv, many.as_bytes());
        assert_eq!(limit, Some("rows"));
        assert!(message.contains("tối đa 50.000 dòng"), "{message}");
    }

    #[test]
    fn column_names() {
        assert_eq!(
            [0, 25, 26, 27, 701, 702].map(column_name),
            ["A", "Z", "AA", "AB", "ZZ", "AAA"].map(str::to_owned)
        );
        assert_eq!(detect_delimiter("a;b;c\n1,2"), b';');
        assert_eq!(detect_delimiter("a\tb\tc"), b'\t');
        assert_eq!(detect_delimiter("a,b;c"), b',');
    }
}

//! Export of a bank to the spreadsheet formats (CSV, XLSX) and to Aiken, the inverses of
//! their importers as far as each format reaches:
//!
//! * CSV and XLSX carry everything but the per-option feedback and Moodle weights: one row
//!   per question under the Vietnamese headers of the upload template, the question's
//!   pictures in the `Ảnh` column (`file "alt"; …`), an option's as `[img <file> "<alt>"]`
//!   markers in its cell (a bank with pictures travels in a ZIP bundle);
//! * Aiken carries a single-answer question's text, options and answer only; other kinds
//!   are left out, and topics, difficulty, explanation and source have no place.

use std::fmt::Write;

use super::model::{Bank, Image, Kind, Question};

/// The option columns written: at least A–D, as many as the widest question needs.
fn option_columns(bank: &Bank) -> usize {
    bank.questions
        .iter()
        .filter(|q| q.kind != Kind::TrueFalse)
        .map(|q| q.choices.len())
        .max()
        .unwrap_or(0)
        .max(4)
}

/// Pictures as markers after a text.
fn with_markers(text: &str, images: &[Image]) -> String {
    let mut out = text.to_owned();
    for i in images {
        let _ = write!(out, " [img {} \"{}\"]", i.file, i.alt.replace('"', "'"));
    }
    out
}

/// The header row and one row per question, as the spreadsheet reader reads them.
fn table(bank: &Bank) -> (Vec<String>, Vec<Vec<String>>) {
    let options = option_columns(bank);
    let mut headers: Vec<String> = ["Mã câu hỏi", "Chủ đề", "Độ khó", "Loại câu hỏi", "Câu hỏi"]
        .map(str::to_owned)
        .to_vec();
    headers.extend((0..options).map(|i| format!("Phương án {}", letter(i))));
    headers.extend(["Đáp án đúng", "Giải thích", "Nguồn", "Nhãn", "Ảnh"].map(str::to_owned));
    let rows = bank.questions.iter().map(|q| row(q, options)).collect();
    (headers, rows)
}

fn letter(i: usize) -> char {
    char::from(b'A' + i as u8)
}

fn row(q: &Question, options: usize) -> Vec<String> {
    let mut row = vec![
        q.key.clone().unwrap_or_default(),
        q.topic.clone(),
        crate::contest::difficulty_vi(q.difficulty).to_owned(),
        q.kind.name_vi().to_owned(),
        q.text.clone(),
    ];
    let correct = if q.kind == Kind::TrueFalse {
        row.extend((0..options).map(|_| String::new()));
        if q.true_false_answer().unwrap_or(true) {
            "Đúng"
        } else {
            "Sai"
        }
        .to_owned()
    } else {
        row.extend((0..options).map(|i| {
            q.choices
                .get(i)
                .map(|c| with_markers(&c.text, &c.images))
                .unwrap_or_default()
        }));
        q.choices
            .iter()
            .enumerate()
            .filter(|(_, c)| c.correct)
            .map(|(i, _)| letter(i).to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    row.push(correct);
    row.push(q.explanation.clone().unwrap_or_default());
    row.push(q.source.clone().unwrap_or_default());
    row.push(q.tags.join("; "));
    let pictures: Vec<String> = q
        .images
        .iter()
        .map(|i| format!("{} \"{}\"", i.file, i.alt.replace('"', "'")))
        .collect();
    row.push(pictures.join("; "));
    row
}

/// Writes a bank as CSV (UTF-8 with a BOM, so that Excel opens it with its diacritics).
pub fn to_csv(bank: &Bank) -> anyhow::Result<Vec<u8>> {
    let (headers, rows) = table(bank);
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(b"\xEF\xBB\xBF".to_vec());
    out.write_record(&headers)?;
    for r in &rows {
        out.write_record(r)?;
    }
    out.into_inner().map_err(|e| anyhow::anyhow!("{e}"))
}

/// Writes a bank as an XLSX workbook of one sheet, "Câu hỏi". The document's creation time
/// is fixed so that the same bank always gives the same bytes (the samples are checked).
pub fn to_xlsx(bank: &Bank) -> anyhow::Result<Vec<u8>> {
    use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook};
    let (headers, rows) = table(bank);
    let mut book = Workbook::new();
    book.set_properties(
        &DocProperties::new()
            .set_title(&bank.title)
            .set_creation_datetime(&ExcelDateTime::from_ymd(2021, 1, 1)?),
    );
    let sheet = book.add_worksheet();
    sheet.set_name("Câu hỏi")?;
    let bold = Format::new().set_bold();
    let question_col = 4;
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, h, &bold)?;
        sheet.set_column_width(c as u16, if c == question_col { 60 } else { 24 })?;
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            if !v.is_empty() {
                sheet.write_string(r as u32 + 1, c as u16, v)?;
            }
        }
    }
    Ok(book.save_to_buffer()?)
}

/// Writes the bank's single-answer questions in Aiken; returns the text and how many
/// questions of other kinds were left out.
pub fn to_aiken(bank: &Bank) -> (String, usize) {
    let mut out = String::new();
    let mut left_out = 0;
    for q in &bank.questions {
        if q.kind != Kind::Single {
            left_out += 1;
            continue;
        }
        let _ = writeln!(out, "{}", with_markers(&q.text, &q.images));
        for (i, c) in q.choices.iter().enumerate() {
            let _ = writeln!(out, "{}. {}", letter(i), with_markers(&c.text, &c.images));
        }
        let answer = q.choices.iter().position(|c| c.correct).unwrap_or(0);
        let _ = writeln!(out, "ANSWER: {}\n", letter(answer));
    }
    (out, left_out)
}

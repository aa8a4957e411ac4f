//! The XLSX reader: the workbook's parts are checked with bounded work first, then the
//! first sheet is read cell by cell (never as a dense range from declared dimensions).

use std::io::{Cursor, Read};
use std::panic::AssertUnwindSafe;

use calamine::{DataRef, Reader, Xlsx, XlsxError};

use super::merged::Merged;
use super::*;
use crate::limits::{MAX_XLSX_PART_BYTES, MAX_XLSX_PARTS, MAX_XLSX_TOTAL_BYTES};

/// Parses the first sheet of an XLSX workbook.
pub(in crate::banks) fn parse_xlsx(bytes: &[u8], meta: &BankMeta) -> Result<Draft, Problems> {
    // calamine and zip are third-party code fed with untrusted archives: a panic inside
    // them must not escape as a panic of the importer.
    std::panic::catch_unwind(AssertUnwindSafe(|| read_xlsx(bytes, meta)))
        .unwrap_or_else(|_| Err(unreadable_xlsx()))
}

fn unreadable_xlsx() -> Problems {
    Problems::from(LineProblem {
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
    let names = workbook.sheet_names();
    let Some(name) = names.first().cloned() else {
        return Err(Problems::from(LineProblem {
            line: 0,
            message: "Tệp XLSX không có trang tính nào.".to_owned(),
        }));
    };
    // Only the first sheet is read: say so for every other sheet, whose questions would
    // otherwise vanish without a word.
    let other_sheets = |mut draft: Draft| {
        for other in names.iter().skip(1) {
            draft.warn(
                0,
                format!(
                    "Chỉ trang tính đầu tiên (“{}”) được đọc; trang tính “{}” bị bỏ qua. Hãy \
                     chuyển câu hỏi sang trang đầu tiên, hoặc tải từng trang lên thành một \
                     tệp riêng.",
                    excerpt(&name),
                    excerpt(other)
                ),
            );
        }
        draft
    };
    let mut merged = Merged::new(
        workbook
            .merge_cells_by_sheet_name(&name)
            .unwrap_or_default(),
    );
    let mut cells = match workbook.worksheet_cells_reader(&name) {
        Ok(cells) => cells,
        // A chart sheet first: no rows.
        Err(XlsxError::NotAWorksheet(_)) => {
            return parse_rows(std::iter::empty(), meta).map(other_sheets);
        }
        Err(_) => return Err(unreadable_xlsx()),
    };
    let mut tally = Tally::default();
    // The row being gathered (0-based) and its cells; problems and finished rows wait in
    // `ready`.
    let mut row: Option<(u32, Vec<String>)> = None;
    let mut ready: VecDeque<Item> = VecDeque::new();
    let mut done = false;
    // Rows holding a formula without a computed value: reported, not read.
    let mut uncomputed: std::collections::HashSet<u32> = std::collections::HashSet::new();
    let next = || -> Next {
        loop {
            if let Some(item) = ready.pop_front() {
                return Some(Ok(item));
            }
            if done {
                return None;
            }
            let cell = match cells.next_cell_with_formula() {
                Ok(Some(cell)) => cell,
                Ok(None) => {
                    done = true;
                    if let Some((r, texts)) = row.take() {
                        match finish_row(&mut merged, &uncomputed, r, texts, &mut tally) {
                            Ok(Some(item)) => ready.push_back(item),
                            Ok(None) => {}
                            Err(limit) => return Some(Err(limit)),
                        }
                    }
                    continue;
                }
                Err(_) => {
                    done = true;
                    return Some(Err(unreadable_xlsx()));
                }
            };
            let (r, c) = cell.pos;
            let (line, column) = (r as usize + 1, c as usize);
            let value = &cell.value;
            if matches!(value, DataRef::Empty) {
                // Libraries (openpyxl, xlsxwriter…) write formulas without computing
                // them: there is no value to read, and the row must not pass as empty.
                if cell
                    .formula
                    .as_deref()
                    .is_some_and(|f| !f.trim().is_empty())
                    && column < MAX_COLUMNS
                {
                    uncomputed.insert(r);
                    ready.push_back(Item::Problem(LineProblem {
                        line,
                        message: format!(
                            "Ô {}{line}: công thức chưa được tính — hãy mở và lưu tệp bằng \
                             Excel, hoặc dán giá trị.",
                            column_name(column)
                        ),
                    }));
                }
                continue;
            }
            let cell_name = format!("{}{line}", column_name(column));
            if column >= MAX_COLUMNS {
                return Some(Err(too_many_columns(line, &cell_name)));
            }
            let text = cell_text(value).unwrap_or_else(|e| {
                ready.push_back(Item::Problem(LineProblem {
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
                match finish_row(&mut merged, &uncomputed, finished, texts, &mut tally) {
                    Ok(Some(item)) => ready.push_back(item),
                    Ok(None) => {}
                    Err(limit) => return Some(Err(limit)),
                }
            }
            if row.is_none()
                && let Err(limit) = tally.row(line)
            {
                return Some(Err(limit));
            }
            if let Err(limit) = tally.cell(line, &cell_name, &text) {
                return Some(Err(limit));
            }
            merged.cell(r, c, &text);
            let (_, texts) = row.get_or_insert_with(|| (r, Vec::new()));
            if texts.len() <= column {
                texts.resize(column + 1, String::new());
            }
            texts[column] = text;
        }
    };
    parse_rows(std::iter::from_fn(next), meta).map(other_sheets)
}

/// A finished row `r` (0-based), with the values of the merged areas it lies in; `None`
/// when the row is not read (it holds a formula without a computed value).
fn finish_row(
    merged: &mut Merged,
    uncomputed: &std::collections::HashSet<u32>,
    r: u32,
    mut texts: Vec<String>,
    tally: &mut Tally,
) -> Result<Option<Item>, Problems> {
    if uncomputed.contains(&r) {
        return Ok(None);
    }
    let line = r as usize + 1;
    for (c, text) in merged.fill(r, &texts) {
        tally.cell(line, &format!("{}{line}", column_name(c)), &text)?;
        if texts.len() <= c {
            texts.resize(c + 1, String::new());
        }
        texts[c] = text;
    }
    Ok(Some(Item::Row(line, texts)))
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
                Problems::from(LineProblem {
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

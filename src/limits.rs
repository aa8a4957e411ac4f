//! Upload limits: how much work one uploaded file may cause.
//!
//! Organisers upload question banks (TOML, GIFT, Aiken, CSV, XLSX) and unit lists (CSV).
//! A small file can describe a huge amount of work — an XLSX is a zip whose parts can
//! expand a thousandfold, and whose sheet may declare cells at `XFD1048576` — so every
//! parser checks these limits *while it reads* and refuses the file, with a problem that
//! names the limit, as soon as one is passed. Nothing is ever allocated by a size a file
//! declares (a sheet's `<dimension>`, a zip entry's uncompressed size): only by what was
//! really read. The README's "Upload limits" table lists the same numbers.
//!
//! The request body itself is capped by [`crate::web::FILE_LIMIT`] (16 MiB).

use std::borrow::Cow;

use crate::error::Problems;

/// Rows of a CSV or XLSX file (the header row included): records for CSV, the row number
/// of any non-empty cell for XLSX.
pub const MAX_ROWS: usize = 50_000;

/// Columns of a CSV or XLSX file: the position of the last non-empty cell of any row
/// (trailing empty cells do not count).
pub const MAX_COLUMNS: usize = 64;

/// Non-empty cells of a CSV or XLSX file.
pub const MAX_CELLS: usize = 1_000_000;

/// Characters in one CSV or XLSX cell.
pub const MAX_CELL_CHARS: usize = 10_000;

/// Lines of a text bank file (TOML, GIFT, Aiken).
pub const MAX_LINES: usize = 1_000_000;

/// Bytes of one GIFT question block (its comments, text, options and feedback).
pub const MAX_QUESTION_BYTES: usize = 256 * 1024;

/// Keys, values and tables of a TOML bank, estimated before parsing (see
/// [`toml_items`]): a TOML tree costs about 200 bytes per item, whatever its text. A
/// 10,000-question bank has about 250,000; this allows about 16,000.
pub const MAX_TOML_ITEMS: usize = 400_000;

/// Questions (imported or skipped) in one bank file, whatever its format.
pub const MAX_QUESTIONS: usize = 50_000;

/// Parts (zip entries) of an XLSX workbook.
pub const MAX_XLSX_PARTS: usize = 1_000;

/// Uncompressed bytes of any one part of an XLSX workbook (a sheet's XML, the shared
/// strings, the styles…), measured by really decompressing it: a zip's declared sizes can lie.
pub const MAX_XLSX_PART_BYTES: u64 = 32 * 1024 * 1024;

/// Uncompressed bytes of all the parts of an XLSX workbook together.
pub const MAX_XLSX_TOTAL_BYTES: u64 = 64 * 1024 * 1024;

/// Problems listed in an answer (JSON, page or command line); the rest are counted.
pub const MAX_PROBLEMS_LISTED: usize = 100;

/// Characters of a file's text quoted in a problem message (then `…`).
pub const MAX_QUOTE_CHARS: usize = 80;

/// Characters of one problem message, whatever it quotes (then `…`): a last safety net.
pub const MAX_MESSAGE_CHARS: usize = 500;

/// `text` cut to at most `max` characters, with `…` when something was cut.
pub fn truncate(text: &str, max: usize) -> Cow<'_, str> {
    match text.char_indices().nth(max) {
        None => Cow::Borrowed(text),
        Some((end, _)) => {
            let mut cut = text[..end].trim_end().to_owned();
            cut.push('…');
            Cow::Owned(cut)
        }
    }
}

/// A piece of an uploaded file as a problem message quotes it: at most
/// [`MAX_QUOTE_CHARS`] characters, then `…`.
pub fn excerpt(text: &str) -> Cow<'_, str> {
    truncate(text, MAX_QUOTE_CHARS)
}

/// `12345678` → `12.345.678`, as the Vietnamese messages write numbers.
pub fn number(n: impl Into<u64>) -> String {
    let digits = n.into().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push('.');
        }
        out.push(c);
    }
    out
}

/// `33554432` → `32 MiB`.
pub fn mebibytes(bytes: u64) -> String {
    format!("{} MiB", number(bytes / (1024 * 1024)))
}

/// An upper bound on the keys, values and tables a TOML text makes, without parsing it:
/// the `=`, `,`, `.`, `[` and `{` outside strings and comments (every value follows `=`,
/// `[` or `,`; every table opens with `[` or `{`, or a dotted key's `.`).
pub fn toml_items(source: &str) -> usize {
    let bytes = source.as_bytes();
    let mut items = 0;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'#' => {
                while bytes.get(i).is_some_and(|&c| c != b'\n') {
                    i += 1;
                }
            }
            b'"' | b'\'' => {
                let quote = b;
                // A basic string ("…") has escapes; a literal one ('…') has none.
                let escapes = quote == b'"';
                let triple = bytes.get(i..i + 3) == Some(&[quote; 3][..]);
                i += if triple { 3 } else { 1 };
                while let Some(&c) = bytes.get(i) {
                    if escapes && c == b'\\' {
                        i += 2;
                        continue;
                    }
                    if c == quote && (!triple || bytes.get(i..i + 3) == Some(&[quote; 3][..])) {
                        i += if triple { 2 } else { 0 };
                        break;
                    }
                    if c == b'\n' && !triple {
                        break;
                    }
                    i += 1;
                }
            }
            b'=' | b',' | b'.' | b'[' | b'{' => items += 1,
            _ => {}
        }
        i += 1;
    }
    items
}

/// One CSV record as a [`CsvReader`] reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvRecord {
    /// The line it starts on.
    pub line: usize,
    /// Its fields up to the last non-empty one.
    pub fields: Vec<String>,
    /// How many fields it has, trailing empty ones included.
    pub width: usize,
}

/// The longest field, in bytes, a [`CsvReader`] holds: no character takes more than four.
const MAX_FIELD_BYTES: usize = MAX_CELL_CHARS * 4;

/// Reads a CSV text record by record and field by field (csv-core), against the limits:
/// a record is refused at its first non-empty field past [`MAX_COLUMNS`], and a field at
/// [`MAX_CELL_CHARS`], before either is held whole, so a 12 MB header line costs no more
/// memory than a short one. Trailing empty (or blank) fields are dropped.
pub struct CsvReader<'a> {
    core: csv_core::Reader,
    input: &'a [u8],
    field: Vec<u8>,
    len: usize,
    tally: Tally,
    done: bool,
}

impl<'a> CsvReader<'a> {
    /// A reader of `text` (already known to be UTF-8), fields separated by `delimiter`.
    pub fn new(text: &'a str, delimiter: u8) -> CsvReader<'a> {
        CsvReader {
            core: csv_core::ReaderBuilder::new().delimiter(delimiter).build(),
            input: text.as_bytes(),
            field: vec![0; 1024],
            len: 0,
            tally: Tally::default(),
            done: false,
        }
    }

    /// The next record; `Err` when it passes a limit (rows, columns, cells, characters
    /// per cell).
    pub fn next_record(&mut self) -> Option<Result<CsvRecord, Problems>> {
        if self.done {
            return None;
        }
        let line = usize::try_from(self.core.line()).unwrap_or(usize::MAX);
        let mut fields: Vec<String> = Vec::new();
        // Empty fields since the last non-empty one: kept only if another one follows.
        let mut empties = 0;
        loop {
            let (result, read, written) = self
                .core
                .read_field(self.input, &mut self.field[self.len..]);
            self.input = &self.input[read..];
            self.len += written;
            match result {
                csv_core::ReadFieldResult::InputEmpty => {}
                csv_core::ReadFieldResult::OutputFull => {
                    let column = fields.len() + empties;
                    if self.len > MAX_FIELD_BYTES {
                        let name = format!("{}{line}", column_name(column));
                        return Some(Err(cell_too_long(line, &name, None)));
                    }
                    self.field.resize(self.field.len() * 2, 0);
                }
                csv_core::ReadFieldResult::Field { record_end } => {
                    let text = String::from_utf8_lossy(&self.field[..self.len]);
                    self.len = 0;
                    if text.trim().is_empty() {
                        empties += 1;
                    } else {
                        let column = fields.len() + empties;
                        let name = format!("{}{line}", column_name(column));
                        if column >= MAX_COLUMNS {
                            return Some(Err(too_many_columns(line, &name)));
                        }
                        if let Err(limit) = self.tally.cell(line, &name, &text) {
                            return Some(Err(limit));
                        }
                        fields.extend(std::iter::repeat_n(String::new(), empties));
                        empties = 0;
                        fields.push(text.into_owned());
                    }
                    if record_end {
                        let width = fields.len() + empties;
                        let record = CsvRecord {
                            line,
                            fields,
                            width,
                        };
                        return Some(self.tally.row(line).map(|()| record));
                    }
                }
                csv_core::ReadFieldResult::End => {
                    self.done = true;
                    return None;
                }
            }
        }
    }
}

/// Counts what the rows of one CSV or XLSX file hold, against [`MAX_ROWS`] and
/// [`MAX_CELLS`], and checks each cell against [`MAX_CELL_CHARS`]: shared by the bank and
/// unit readers.
#[derive(Debug, Default)]
pub struct Tally {
    rows: usize,
    cells: usize,
}

impl Tally {
    /// One more CSV record, or XLSX row, at `line`.
    pub fn row(&mut self, line: usize) -> Result<(), Problems> {
        self.rows += 1;
        if self.rows > MAX_ROWS || line > MAX_ROWS {
            return Err(Problems::over_limit(
                "rows",
                line,
                format!(
                    "Tệp có hơn {} dòng; tệp CSV/XLSX có tối đa {} dòng (kể cả dòng tiêu đề).",
                    number(MAX_ROWS as u64),
                    number(MAX_ROWS as u64)
                ),
            ));
        }
        Ok(())
    }

    /// One more non-empty cell, `text`, named `name` (`B7`, or `dòng 7, cột 2`).
    pub fn cell(&mut self, line: usize, name: &str, text: &str) -> Result<(), Problems> {
        self.cells += 1;
        if self.cells > MAX_CELLS {
            return Err(Problems::over_limit(
                "cells",
                line,
                format!(
                    "Tệp có hơn {} ô có dữ liệu; tệp CSV/XLSX có tối đa {} ô.",
                    number(MAX_CELLS as u64),
                    number(MAX_CELLS as u64)
                ),
            ));
        }
        // Bytes first: counting characters is only needed near the limit.
        if text.len() > MAX_CELL_CHARS {
            let chars = text.chars().count();
            if chars > MAX_CELL_CHARS {
                return Err(cell_too_long(line, name, Some(chars)));
            }
        }
        Ok(())
    }
}

/// The refusal of a cell longer than [`MAX_CELL_CHARS`]: `chars` long, or longer than
/// the limit when it was not read to its end.
fn cell_too_long(line: usize, name: &str, chars: Option<usize>) -> Problems {
    let length = match chars {
        Some(chars) => format!("dài {} ký tự", number(chars as u64)),
        None => format!("dài hơn {} ký tự", number(MAX_CELL_CHARS as u64)),
    };
    Problems::over_limit(
        "cell_chars",
        line,
        format!(
            "Ô {name} {length}; mỗi ô có tối đa {} ký tự.",
            number(MAX_CELL_CHARS as u64)
        ),
    )
}

/// The refusal of a row or cell past the last column allowed ([`MAX_COLUMNS`]), found
/// at `line` in the cell named `name`.
pub fn too_many_columns(line: usize, name: &str) -> Problems {
    Problems::over_limit(
        "columns",
        line,
        format!(
            "Ô {name} nằm ngoài vùng được đọc: tệp CSV/XLSX có tối đa {MAX_COLUMNS} cột (A–{}).",
            column_name(MAX_COLUMNS - 1)
        ),
    )
}

/// `A`, `B`, …, `Z`, `AA`, … for a 0-based column index.
pub fn column_name(mut index: usize) -> String {
    let mut name = Vec::new();
    loop {
        name.push(char::from(b'A' + (index % 26) as u8));
        if index < 26 {
            break;
        }
        index = index / 26 - 1;
    }
    name.iter().rev().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_cut_long_text_on_a_character_boundary() {
        assert_eq!(excerpt("ngắn"), "ngắn");
        let long = "ộ".repeat(200);
        let cut = excerpt(&long);
        assert_eq!(cut.chars().count(), MAX_QUOTE_CHARS + 1);
        assert!(cut.ends_with('…'));
        assert_eq!(truncate("abc def", 4), "abc…");
    }

    #[test]
    fn toml_items_skip_strings_and_comments() {
        assert_eq!(toml_items("a = 1 # x=1,2,3\nb = [1, 2]"), 4);
        assert_eq!(toml_items(r#"t = "a=b, c.d [e] {f}" "#), 1);
        assert_eq!(toml_items(r#"t = "a\"=" , u = 'x\' , "#), 4);
        assert_eq!(toml_items("t = \"\"\"\n=,\n\"\"\"\nu = '''=,'''"), 2);
        assert_eq!(toml_items("[[questions]]\noptions = [{ text = \"x\" }]"), 6);
        // An unterminated string counts nothing more, and never reads past the end.
        assert_eq!(toml_items("a = \"\\"), 1);
        let bank = crate::banks::to_toml(&crate::banks::synthetic_bank(1_000));
        let items = toml_items(&bank);
        assert!((20_000..30_000).contains(&items), "{items}");
    }

    #[test]
    fn numbers_are_grouped() {
        assert_eq!(number(0u64), "0");
        assert_eq!(number(999u64), "999");
        assert_eq!(number(1_000u64), "1.000");
        assert_eq!(number(1_048_576u64), "1.048.576");
        assert_eq!(mebibytes(MAX_XLSX_PART_BYTES), "32 MiB");
    }
}

//! Question banks: the file formats organisers upload (native TOML, Moodle GIFT, Aiken,
//! CSV, XLSX), their validation, and export back to TOML and GIFT.
//!
//! Everything here is a pure function over bytes and plain data: no database, no I/O.
//! [`parse`] turns a file into a validated [`Bank`] (plus the questions it had to skip) or
//! into *every* [`LineProblem`] found, each with the line (or spreadsheet row) of the question
//! and a Vietnamese message for the organiser. The formats are documented for organisers
//! in `question-banks/README.md`.
#![warn(missing_docs)]

mod aiken;
pub mod bundle;
mod catalog;
mod export;
mod export_tabular;
mod export_xml;
mod gift;
pub mod media;
pub mod media_store;
mod model;
#[cfg(test)]
mod moodle_tests;
mod moodle_xml;
mod native;
pub mod pending;
#[cfg(test)]
mod picture_tests;
pub mod store;
mod synthetic;
mod tabular;
pub mod template;
mod text;
pub mod upload;
mod validate;

#[cfg(test)]
mod tests;

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::limits::{self, MAX_QUESTIONS};

pub use export::{to_gift, to_toml};
pub use export_tabular::{to_aiken, to_csv, to_xlsx};
pub use export_xml::{to_moodle_xml, to_moodle_xml_with};
pub use model::{
    Bank, Choice, Difficulty, FALSE_TEXT, Image, Kind, LineProblem, Parsed, Problems, Question,
    Skipped, TRUE_TEXT, Warning,
};
pub use synthetic::synthetic_bank;
pub use text::clean;
pub use validate::{is_valid_code, validate};

/// The topic of questions whose file names none (Aiken, GIFT before any `$CATEGORY`,
/// empty CSV/XLSX cells).
pub const DEFAULT_TOPIC: &str = "Chung";

/// A question-bank file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// The native, human-written TOML format.
    Toml,
    /// Moodle's GIFT text format.
    Gift,
    /// Moodle's Aiken text format.
    Aiken,
    /// Comma- (or semicolon-, tab-) separated values with a header row.
    Csv,
    /// An Excel workbook (first sheet) with the CSV column layout.
    Xlsx,
    /// Moodle XML, the format Moodle exports whole banks in.
    MoodleXml,
}

impl Format {
    /// Every format, in documentation order.
    pub const ALL: [Format; 6] = [
        Format::Toml,
        Format::Gift,
        Format::Aiken,
        Format::Csv,
        Format::Xlsx,
        Format::MoodleXml,
    ];

    /// The format's name as used in query strings: `toml`, `gift`, `aiken`, `csv`, `xlsx`,
    /// `moodlexml`.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Toml => "toml",
            Format::Gift => "gift",
            Format::Aiken => "aiken",
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
            Format::MoodleXml => "moodlexml",
        }
    }

    /// Parses a query value (`toml|gift|aiken|csv|xlsx|moodlexml`), case-insensitively.
    pub fn from_name(name: &str) -> Option<Format> {
        let name = name.trim();
        Format::ALL
            .into_iter()
            .find(|f| f.as_str().eq_ignore_ascii_case(name))
    }

    /// Guesses the format from a file name's extension, case-insensitively:
    /// `.toml`; `.gift`, `.gift.txt` and plain `.txt` (Moodle exports GIFT as `.txt`) →
    /// GIFT; `.aiken` and `.aiken.txt` → Aiken; `.csv`; `.xlsx`; `.xml` → Moodle XML.
    /// Anything else → `None`.
    pub fn from_file_name(file_name: &str) -> Option<Format> {
        let lower = file_name.trim().to_lowercase();
        let ends = |suffix: &str| lower.ends_with(suffix);
        if ends(".aiken") || ends(".aiken.txt") {
            Some(Format::Aiken)
        } else if ends(".gift") || ends(".txt") {
            Some(Format::Gift)
        } else if ends(".toml") {
            Some(Format::Toml)
        } else if ends(".csv") {
            Some(Format::Csv)
        } else if ends(".xlsx") {
            Some(Format::Xlsx)
        } else if ends(".xml") {
            Some(Format::MoodleXml)
        } else {
            None
        }
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the upload form supplies besides the file: the bank's code and title, for the
/// formats that cannot carry them (GIFT, Aiken, CSV, XLSX). A TOML file's own `code` and
/// `title` win; these are only its fallback.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BankMeta {
    /// The bank code (`[a-z0-9][a-z0-9_-]{0,63}`); required for every format but TOML.
    pub code: Option<String>,
    /// The bank title; defaults to the code.
    pub title: Option<String>,
}

impl BankMeta {
    /// Meta with both a code and a title.
    pub fn new(code: &str, title: &str) -> BankMeta {
        BankMeta {
            code: Some(code.to_owned()),
            title: Some(title.to_owned()),
        }
    }

    fn code(&self) -> Option<String> {
        self.code.as_deref().and_then(text::clean_opt)
    }

    fn title(&self) -> Option<String> {
        self.title.as_deref().and_then(text::clean_opt)
    }
}

/// Parses and validates one bank file.
///
/// Returns the bank and the skipped questions (GIFT types cuocthi does not run), or the
/// problems found, sorted by line (the first [`MAX_PROBLEMS_LISTED`] of them, with the
/// count of the rest). A file that passes one of the [upload limits](crate::limits) is
/// refused as soon as the limit is passed, with one problem naming it. Never panics,
/// whatever the bytes, and its work and memory are bounded by those limits.
///
/// [`MAX_PROBLEMS_LISTED`]: crate::limits::MAX_PROBLEMS_LISTED
pub fn parse(format: Format, bytes: &[u8], meta: &BankMeta) -> Result<Parsed, Problems> {
    parse_with_files(format, bytes, meta, HashMap::new())
}

/// [`parse`], with the picture files the bank's questions may name (the other entries of
/// a ZIP bundle, see [`bundle`]), by their path relative to the bank file.
pub fn parse_with_files(
    format: Format,
    bytes: &[u8],
    meta: &BankMeta,
    files: HashMap<String, Vec<u8>>,
) -> Result<Parsed, Problems> {
    let draft = match format {
        Format::Toml => native::parse(bytes, meta),
        Format::Gift => gift::parse(bytes, meta),
        Format::Aiken => aiken::parse(bytes, meta),
        Format::Csv => tabular::parse_csv(bytes, meta),
        Format::Xlsx => tabular::parse_xlsx(bytes, meta),
        Format::MoodleXml => moodle_xml::parse(bytes, meta),
    };
    finish(draft.map(|mut d| {
        if !matches!(format, Format::Toml | Format::MoodleXml) {
            media::take_all_markers(&mut d.bank);
        }
        d.files.extend(files);
        d
    }))
}

/// What a parser produced before validation.
struct Draft {
    bank: Bank,
    problems: Problems,
    skipped: Vec<Skipped>,
    warnings: Vec<Warning>,
    /// The parser already reported a missing code.
    code_reported: bool,
    /// Picture files the questions may name: a bundle's, or a Moodle file's embedded ones.
    files: HashMap<String, Vec<u8>>,
}

impl Draft {
    /// An empty draft with no code or title yet.
    fn empty() -> Draft {
        Draft {
            bank: Bank {
                code: String::new(),
                title: String::new(),
                description: None,
                questions: Vec::new(),
            },
            problems: Problems::new(),
            skipped: Vec::new(),
            warnings: Vec::new(),
            code_reported: false,
            files: HashMap::new(),
        }
    }

    /// A draft for the formats whose code and title come from `meta` only.
    fn from_meta(meta: &BankMeta) -> Draft {
        let code = meta.code();
        let mut problems = Problems::new();
        if code.is_none() {
            problems.push(0, "Thiếu mã ngân hàng câu hỏi (tham số code).");
        }
        let code = code.unwrap_or_default();
        let title = meta.title().unwrap_or_else(|| code.clone());
        Draft {
            bank: Bank {
                code,
                title,
                description: None,
                questions: Vec::new(),
            },
            code_reported: !problems.is_empty(),
            problems,
            skipped: Vec::new(),
            warnings: Vec::new(),
            files: HashMap::new(),
        }
    }

    fn problem(&mut self, line: usize, message: impl Into<String>) {
        self.problems.push(line, message);
    }

    fn warn(&mut self, line: usize, message: impl Into<String>) {
        self.warnings.push(Warning {
            line,
            message: message.into(),
        });
    }

    /// Makes repeated question keys unique, as Moodle allows the same question name twice
    /// (GIFT `::title::`, Moodle XML `<name>`): every question after the first (in file
    /// order) named `T` gets the first free key of `T (2)`, `T (3)`, … (free: no question
    /// of the file is named so, and none got it before). Re-importing the same file gives the same keys, so revisions still map to the
    /// same questions; each renamed question gets a warning.
    fn make_keys_unique(&mut self) {
        use std::collections::HashSet;
        let taken: HashSet<String> = self
            .bank
            .questions
            .iter()
            .filter_map(|q| q.key.clone())
            .collect();
        let mut assigned: HashSet<String> = HashSet::new();
        let mut renamed = Vec::new();
        for q in &mut self.bank.questions {
            let Some(key) = q.key.clone() else { continue };
            if assigned.insert(key.clone()) {
                continue;
            }
            let unique = (2..)
                .map(|k| format!("{key} ({k})"))
                .find(|u| !taken.contains(u) && !assigned.contains(u))
                .unwrap_or_default();
            assigned.insert(unique.clone());
            renamed.push((q.line, key, unique.clone()));
            q.key = Some(unique);
        }
        for (line, key, unique) in renamed {
            self.warn(
                line,
                format!(
                    "Tên câu hỏi “{}” đã dùng cho một câu hỏi trước; câu hỏi ở dòng {line} \
                     được nhận với mã “{}”.",
                    limits::excerpt(&key),
                    limits::excerpt(&unique)
                ),
            );
        }
    }

    /// `Err` with the one problem of a file holding more than [`MAX_QUESTIONS`] questions
    /// (imported and skipped ones together), found at `line`: parsers check after each
    /// question, so that memory stays bounded.
    fn check_question_limit(&self, line: usize) -> Result<(), Problems> {
        if self.bank.questions.len() + self.skipped.len() > MAX_QUESTIONS {
            return Err(Problems::over_limit(
                "questions",
                line,
                format!(
                    "Tệp có hơn {} câu hỏi (đã đọc tới dòng {line}); mỗi tệp ngân hàng câu hỏi \
                     có tối đa {} câu hỏi. Hãy chia thành nhiều ngân hàng.",
                    limits::number(MAX_QUESTIONS as u64),
                    limits::number(MAX_QUESTIONS as u64),
                ),
            ));
        }
        Ok(())
    }
}

/// Validates a draft; `Err` from a parser means the file could not be read at all.
fn finish(draft: Result<Draft, Problems>) -> Result<Parsed, Problems> {
    let mut draft = draft?;
    let mut problems = draft.problems;
    let checks = validate::Checks {
        empty_bank: problems.is_empty(),
        code: !draft.code_reported,
        // A missing code already explains the missing default title.
        title: !(draft.code_reported && draft.bank.title.is_empty()),
    };
    validate::validate_into(&draft.bank, checks, &mut problems, &mut draft.warnings);
    let media = media::resolve(&mut draft.bank, &draft.files, &mut problems);
    if draft.bank.questions.is_empty() {
        // A file of nothing but skipped questions: say why each one was skipped.
        for s in &draft.skipped {
            problems.push(s.line, s.reason.clone());
        }
    }
    if problems.is_empty() {
        draft.warnings.sort_by_key(|w| w.line);
        Ok(Parsed {
            bank: draft.bank,
            skipped: draft.skipped,
            warnings: draft.warnings,
            media,
        })
    } else {
        Err(problems)
    }
}

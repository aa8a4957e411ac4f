//! The question-bank model shared by every format: plain data, no database.
//!
//! A parsed bank is always NFC-normalised and trimmed; `line` fields point back into the
//! source file so validation problems can name where they are.

use serde::{Deserialize, Serialize};

/// How a question is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Exactly one option is correct.
    Single,
    /// One or more options are correct ("select all that apply").
    Multiple,
    /// Two options, "Đúng" and "Sai", in that order.
    TrueFalse,
}

/// How hard a question is; rounds draw quotas per difficulty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
// Separate from the derive above, which rustfmt would otherwise split over lines.
#[derive(utoipa::ToSchema)]
pub enum Difficulty {
    /// Dễ.
    Easy,
    /// Trung bình.
    Medium,
    /// Khó.
    Hard,
}

/// One answer option of a question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    /// What the participant sees.
    pub text: String,
    /// Whether choosing this option is (part of) the right answer.
    pub correct: bool,
    /// Shown after answering when this option was chosen (GIFT `#feedback`).
    pub feedback: Option<String>,
    /// Moodle's answer weight in percent as written (`50`, `-100`, `33.33333`), kept from
    /// GIFT and Moodle XML files so that an export writes back what was imported.
    /// cuocthi scores every question all or nothing: `correct` alone decides the score
    /// (see `question-banks/README.md`, "Answer weights").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<String>,
    /// Pictures shown with the option (issue #19); absent from the stored JSON when none,
    /// so the content hash of an option without pictures is what it always was.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<Image>,
}

/// A picture shown with a question or an option.
///
/// A parser fills `file` with the name its source gave (a file of the ZIP bundle, a
/// Moodle `<file>`), `width` and `height` 0; once the bytes were read and checked
/// (`banks::media`), `file` is the stored name `<sha256>.<ext>` of the cleaned image,
/// which is also its address under `/media/`, and the dimensions are set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Image {
    /// The source's file name, then the stored name `<sha256 hex>.<png|jpg|webp>`.
    pub file: String,
    /// What the picture shows, in Vietnamese, for whoever cannot see it (required).
    pub alt: String,
    /// Pixels wide, once read.
    #[serde(default)]
    pub width: u32,
    /// Pixels high, once read.
    #[serde(default)]
    pub height: u32,
}

impl Image {
    /// A reference from a source file, not yet read.
    pub fn named(file: &str, alt: &str) -> Image {
        Image {
            file: file.trim().to_owned(),
            alt: super::text::clean(alt),
            width: 0,
            height: 0,
        }
    }

    /// Whether the bytes were read and stored (the file is `<sha256>.<ext>`).
    pub fn is_stored(&self) -> bool {
        self.width > 0
    }
}

/// One question as written in a bank file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    /// Stable key of the question inside its bank (TOML `id`, GIFT `::title::`), used to
    /// match questions across re-imports. `None` means "identified by its normalised text".
    pub key: Option<String>,
    /// Topic (chủ đề) name; never empty after parsing (formats without topics use a default).
    pub topic: String,
    /// How hard the question is.
    pub difficulty: Difficulty,
    /// How the question is answered.
    pub kind: Kind,
    /// The question itself.
    pub text: String,
    /// Answer options in display order; for `true_false` always `[Đúng, Sai]`.
    pub choices: Vec<Choice>,
    /// Shown after the question is answered, whatever was chosen.
    pub explanation: Option<String>,
    /// Where the question's answer comes from: an article of a decree, a section of a plan.
    pub source: Option<String>,
    /// Free labels, in file order, without duplicates.
    pub tags: Vec<String>,
    /// Pictures shown with the question text, in order (at most
    /// [`crate::banks::media::MAX_IMAGES_PER_QUESTION`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<Image>,
    /// 1-based line (or spreadsheet row) where the question starts in its file.
    #[serde(skip)]
    pub line: usize,
}

/// A whole bank as parsed from one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bank {
    /// Stable machine code of the bank: `[a-z0-9][a-z0-9_-]{0,63}`.
    pub code: String,
    /// Human title shown to organisers.
    pub title: String,
    /// Optional longer description (TOML only).
    pub description: Option<String>,
    /// The questions, in file order.
    pub questions: Vec<Question>,
}

/// A validation problem: where, and what is wrong, in Vietnamese for the organiser.
pub use crate::error::LineProblem;
/// The problems of a file: the first ones by line, and how many in all.
pub use crate::error::Problems;

/// A question the file contained but that cuocthi does not run (e.g. GIFT short answer).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Skipped {
    /// 1-based line where the skipped question starts.
    pub line: usize,
    /// Which kind of question it was and why it is skipped, in Vietnamese.
    pub reason: String,
}

/// Something the organiser should know about an imported file that does not stop the
/// import: the same question text twice, a repeated Moodle question name made unique,
/// partial credit scored as wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Warning {
    /// 1-based line (or spreadsheet row) of the question concerned; 0 for the whole file.
    pub line: usize,
    /// What to check, in Vietnamese.
    pub message: String,
}

/// The result of parsing and validating a file: either a bank (plus skipped questions)
/// or every problem found. Any problem means nothing may be stored.
#[derive(Debug, Clone)]
pub struct Parsed {
    /// The valid bank.
    pub bank: Bank,
    /// Questions the file contained that cuocthi does not run.
    pub skipped: Vec<Skipped>,
    /// Things to check that did not stop the import, by line.
    pub warnings: Vec<Warning>,
    /// The pictures the questions and options show, cleaned, each once.
    pub media: Vec<super::media::Media>,
}

/// Text of the first choice of every `true_false` question.
pub const TRUE_TEXT: &str = "Đúng";
/// Text of the second choice of every `true_false` question.
pub const FALSE_TEXT: &str = "Sai";

impl Kind {
    /// The canonical name used in TOML and CSV files: `single`, `multiple` or `true_false`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Single => "single",
            Kind::Multiple => "multiple",
            Kind::TrueFalse => "true_false",
        }
    }

    /// The kind as pages name it: `một đáp án`, `nhiều đáp án`, `đúng/sai`.
    pub fn name_vi(self) -> &'static str {
        match self {
            Kind::Single => "một đáp án",
            Kind::Multiple => "nhiều đáp án",
            Kind::TrueFalse => "đúng/sai",
        }
    }

    /// Parses a kind name, case-insensitively: the canonical names plus common aliases
    /// (`true-false`, `truefalse`, `tf`, `một đáp án`, `nhiều đáp án`, `đúng/sai`, …).
    pub fn from_name(name: &str) -> Option<Kind> {
        let n = super::text::clean(name).to_lowercase();
        match n.as_str() {
            "single" | "single_choice" | "một đáp án" | "một lựa chọn" | "1 đáp án" => {
                Some(Kind::Single)
            }
            "multiple" | "multiple_choice" | "multi" | "nhiều đáp án" | "nhiều lựa chọn" => {
                Some(Kind::Multiple)
            }
            "true_false" | "true-false" | "truefalse" | "true/false" | "tf" | "đúng/sai"
            | "đúng sai" | "đúng-sai" => Some(Kind::TrueFalse),
            _ => None,
        }
    }
}

impl Difficulty {
    /// The canonical name used in TOML, CSV and GIFT files: `easy`, `medium` or `hard`.
    pub fn as_str(self) -> &'static str {
        match self {
            Difficulty::Easy => "easy",
            Difficulty::Medium => "medium",
            Difficulty::Hard => "hard",
        }
    }

    /// Parses a difficulty, case-insensitively: `easy|medium|hard` or the Vietnamese
    /// `dễ|trung bình|khó`.
    pub fn from_name(name: &str) -> Option<Difficulty> {
        let n = super::text::clean(name).to_lowercase();
        match n.as_str() {
            "easy" | "dễ" => Some(Difficulty::Easy),
            "medium" | "trung bình" => Some(Difficulty::Medium),
            "hard" | "khó" => Some(Difficulty::Hard),
            _ => None,
        }
    }
}

impl Question {
    /// Whether two questions are equal in everything but `line`.
    pub fn same_content(&self, other: &Question) -> bool {
        self.key == other.key
            && self.topic == other.topic
            && self.difficulty == other.difficulty
            && self.kind == other.kind
            && self.text == other.text
            && self.choices == other.choices
            && self.explanation == other.explanation
            && self.source == other.source
            && self.tags == other.tags
            && self.images == other.images
    }

    /// For a `true_false` question, whether the statement is true (the "Đúng" choice is
    /// the correct one); `None` for other kinds.
    pub fn true_false_answer(&self) -> Option<bool> {
        match self.kind {
            Kind::TrueFalse => Some(self.choices.first().is_some_and(|c| c.correct)),
            _ => None,
        }
    }
}

impl Bank {
    /// Whether two banks are equal in everything but the questions' `line` fields.
    pub fn same_content(&self, other: &Bank) -> bool {
        self.code == other.code
            && self.title == other.title
            && self.description == other.description
            && self.questions.len() == other.questions.len()
            && self
                .questions
                .iter()
                .zip(&other.questions)
                .all(|(a, b)| a.same_content(b))
    }
}

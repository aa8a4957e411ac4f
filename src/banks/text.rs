//! Text helpers shared by every format: UTF-8 decoding, normalisation, line numbers.
//!
//! Every text that enters a [`Bank`](super::Bank) goes through [`clean`]: NFC, control
//! characters removed, every whitespace run (line breaks included) collapsed to one space,
//! trimmed. Texts are therefore always single-line, which keeps every format simple.

use super::model::{LineProblem, Problems};
use crate::limits::{self, MAX_LINES};

/// Normalises a text as stored in a bank: [`crate::text::clean`] (control characters
/// other than whitespace dropped, NFC, whitespace runs collapsed to a single space,
/// trimmed), and U+FEFF dropped too — a byte order mark left inside a cell or between
/// concatenated files is never meant as text.
///
/// Idempotent: `clean(&clean(s)) == clean(s)`.
pub fn clean(s: &str) -> String {
    crate::text::clean_dropping(s, |c| c == '\u{feff}')
}

/// [`clean`], with an empty result mapped to `None`.
pub fn clean_opt(s: &str) -> Option<String> {
    let c = clean(s);
    if c.is_empty() { None } else { Some(c) }
}

/// [`clean`] for topics, which also drops leading and trailing `/` (GIFT category paths
/// cannot represent them).
pub fn clean_topic(s: &str) -> String {
    clean(s)
        .trim_matches(|c: char| c == '/' || c == ' ')
        .to_owned()
}

/// Cleans tags, dropping empty and repeated ones (first occurrence wins, order kept).
pub fn clean_tags<S: AsRef<str>>(tags: impl IntoIterator<Item = S>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    tags.into_iter()
        .map(|t| clean(t.as_ref()))
        .filter(|t| !t.is_empty() && seen.insert(t.clone()))
        .collect()
}

/// The comparison key of a question text for duplicate detection: cleaned, lowercase,
/// trailing punctuation and spaces ignored.
pub fn question_key(s: &str) -> String {
    let lower = clean(s).to_lowercase();
    lower
        .trim_end_matches(|c: char| c.is_whitespace() || is_trailing_punctuation(c))
        .to_owned()
}

/// The comparison key of an option text: cleaned and lowercase.
pub fn option_key(s: &str) -> String {
    clean(s).to_lowercase()
}

fn is_trailing_punctuation(c: char) -> bool {
    matches!(
        c,
        '.' | ',' | ';' | ':' | '!' | '?' | '…' | '。' | '？' | '！' | '：' | '；'
    )
}

/// Decodes a text file: strips a UTF-8 BOM, and refuses anything that is not UTF-8 with
/// the one plain problem organisers understand.
pub fn decode(bytes: &[u8]) -> Result<&str, LineProblem> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(body).map_err(|e| {
        let valid = body.get(..e.valid_up_to()).unwrap_or_default();
        let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
        LineProblem {
            line,
            message: format!("Tệp không phải UTF-8 (dòng {line}). Hãy lưu tệp với bảng mã UTF-8."),
        }
    })
}

/// `Err` with the one problem of a text file of more than [`MAX_LINES`] lines; checked
/// before anything is built per line.
pub fn check_line_limit(source: &str) -> Result<(), Problems> {
    let newlines = source.bytes().filter(|&b| b == b'\n').count();
    let lines = newlines + usize::from(!source.ends_with('\n'));
    if lines > MAX_LINES {
        return Err(Problems::over_limit(
            "lines",
            MAX_LINES + 1,
            format!(
                "Tệp có {} dòng; tệp ngân hàng câu hỏi dạng văn bản có tối đa {} dòng.",
                limits::number(lines as u64),
                limits::number(MAX_LINES as u64)
            ),
        ));
    }
    Ok(())
}

/// Maps byte offsets of a text to 1-based line numbers.
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    /// Indexes the line starts of `text`.
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(
            text.bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| i + 1),
        );
        LineIndex { starts }
    }

    /// The 1-based line containing byte `offset`.
    pub fn line(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset).max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_normalises_nfd_and_whitespace() {
        let nfd = "Nghi\u{0323} \t đi\u{0323}nh\n45 ";
        assert_eq!(clean(nfd), "Nghị định 45");
        assert_eq!(clean("a\u{0}\u{301}b"), "áb");
        assert_eq!(clean("  "), "");
        assert_eq!(clean_opt(" \n"), None);
    }

    #[test]
    fn bank_texts_drop_a_byte_order_mark_that_typed_text_keeps() {
        assert_eq!(clean("\u{feff}Câu  hỏi\u{feff}"), "Câu hỏi");
        // Typed text keeps it, for `check_person_name` to refuse.
        assert_eq!(crate::text::clean("An\u{feff}"), "An\u{feff}");
    }

    #[test]
    fn keys_ignore_case_space_and_trailing_punctuation() {
        assert_eq!(
            question_key("Thủ tục  là GÌ ?"),
            question_key("thủ tục là gì")
        );
        assert_ne!(question_key("a?b"), question_key("ab"));
        assert_eq!(option_key(" Đúng "), option_key("đúng"));
    }

    #[test]
    fn decode_strips_bom_and_reports_line() {
        assert_eq!(decode(b"\xEF\xBB\xBFabc"), Ok("abc"));
        let err = decode(b"a\nb\n\xFFc").err();
        assert_eq!(
            err.map(|p| (p.line, p.message)),
            Some((
                3,
                "Tệp không phải UTF-8 (dòng 3). Hãy lưu tệp với bảng mã UTF-8.".to_owned()
            ))
        );
    }

    #[test]
    fn line_index_maps_offsets() {
        let idx = LineIndex::new("ab\ncd\n\nx");
        assert_eq!(
            [0, 2, 3, 6, 7, 100].map(|o| idx.line(o)),
            [1, 1, 2, 3, 4, 4]
        );
    }
}

//! Text normalisation shared by every input path.
//!
//! Vietnamese typed on different keyboards and systems arrives in mixed NFC/NFD forms
//! ("ộ" as one code point or as "o" plus two combining marks). Everything we store or
//! compare is NFC, trimmed, with runs of whitespace folded to one space.

use unicode_normalization::UnicodeNormalization;

/// NFC-normalise, trim, and fold whitespace runs to single spaces.
pub fn clean(input: &str) -> String {
    let nfc: String = input.nfc().collect();
    nfc.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// NFC-normalise only (for passwords, where every other character counts).
pub fn nfc(input: &str) -> String {
    input.nfc().collect()
}

/// [`clean`], but `None` for a missing or blank value.
pub fn clean_opt(input: Option<&str>) -> Option<String> {
    input.map(clean).filter(|s| !s.is_empty())
}

/// The number of user-perceived characters (approximated by scalar values after NFC).
pub fn char_len(input: &str) -> usize {
    input.chars().count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nfd_vietnamese_becomes_nfc_and_is_trimmed() {
        let nfd = "  Nguye\u{302}\u{303}n   Va\u{306}n  A\u{300} ";
        assert_eq!(clean(nfd), "Nguyễn Văn À");
        assert_eq!(clean(nfd), clean("Nguyễn Văn À"));
    }

    #[test]
    fn blank_optional_values_are_none() {
        assert_eq!(clean_opt(Some("   ")), None);
        assert_eq!(clean_opt(None), None);
        assert_eq!(clean_opt(Some(" a ")), Some("a".into()));
    }
}

//! Text normalisation shared by every input path.
//!
//! Vietnamese typed on different keyboards and systems arrives in mixed NFC/NFD forms
//! ("ộ" as one code point or as "o" plus two combining marks). Everything we store or
//! compare is NFC, trimmed, with runs of whitespace folded to one space.

use unicode_normalization::UnicodeNormalization;

/// Control characters other than whitespace (NUL, escape, …): never meant in typed text,
/// and PostgreSQL cannot store NUL. They are dropped, as bank files drop them.
fn dropped(c: char) -> bool {
    c.is_control() && !c.is_whitespace()
}

/// NFC-normalise, drop control characters, trim, and fold whitespace runs to single spaces.
pub fn clean(input: &str) -> String {
    // Control characters go first so that removing them cannot leave a decomposed pair.
    let nfc: String = input.chars().filter(|&c| !dropped(c)).nfc().collect();
    nfc.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// NFC-normalise and drop control characters only (for passwords, where every other
/// character counts, and for multi-line text).
pub fn nfc(input: &str) -> String {
    input.chars().filter(|&c| !dropped(c)).nfc().collect()
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
    fn control_characters_are_dropped() {
        assert_eq!(clean("Nguy\u{0}ễn\u{1b} Văn\u{7f}"), "Nguyễn Văn");
        assert_eq!(nfc("dòng 1\n\u{0}dòng 2"), "dòng 1\ndòng 2");
        // Dropping a control character between a letter and its mark still gives NFC.
        assert_eq!(clean("e\u{0}\u{302}"), "ê");
    }

    #[test]
    fn blank_optional_values_are_none() {
        assert_eq!(clean_opt(Some("   ")), None);
        assert_eq!(clean_opt(None), None);
        assert_eq!(clean_opt(Some(" a ")), Some("a".into()));
    }
}

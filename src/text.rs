//! Text normalisation shared by every input path.
//!
//! Vietnamese typed on different keyboards and systems arrives in mixed NFC/NFD forms
//! ("ộ" as one code point or as "o" plus two combining marks). Everything we store or
//! compare is NFC, trimmed, with runs of whitespace folded to one space.

pub mod markdown;

use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};
use unicode_properties::{GeneralCategory, GeneralCategoryGroup, UnicodeGeneralCategory};

/// Control characters other than whitespace (NUL, escape, …): never meant in typed text,
/// and PostgreSQL cannot store NUL. They are dropped, as bank files drop them.
fn dropped(c: char) -> bool {
    c.is_control() && !c.is_whitespace()
}

/// NFC-normalise, drop control characters, trim, and fold whitespace runs to single spaces.
///
/// Format characters such as U+FEFF are kept, so that [`check_person_name`] refuses a
/// name hiding one rather than storing it silently changed.
pub fn clean(input: &str) -> String {
    clean_dropping(input, |_| false)
}

/// [`clean`], also dropping the characters `also` picks (bank texts drop U+FEFF, see
/// `banks::text::clean`). Idempotent when `clean` is: `f(&f(s)) == f(s)`.
pub fn clean_dropping(input: &str, also: impl Fn(char) -> bool) -> String {
    let drop = |c: char| dropped(c) || also(c);
    // Fast path: most texts are already NFC and free of control characters.
    if !input.chars().any(drop) && is_nfc_quick(input.chars()) == IsNormalized::Yes {
        return collapse_whitespace(input.chars(), input.len());
    }
    // Control characters go first so that removing them cannot leave a decomposed pair.
    collapse_whitespace(input.chars().filter(|&c| !drop(c)).nfc(), input.len())
}

/// Collapses whitespace runs to one space and trims.
fn collapse_whitespace(chars: impl Iterator<Item = char>, capacity: usize) -> String {
    let mut out = String::with_capacity(capacity);
    let mut pending_space = false;
    for c in chars {
        if c.is_whitespace() {
            pending_space = true;
        } else {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.push(c);
        }
    }
    out
}

/// NFC-normalise and drop control characters only (for passwords, where every other
/// character counts, and for multi-line text).
pub fn nfc(input: &str) -> String {
    input.chars().filter(|&c| !dropped(c)).nfc().collect()
}

/// A text folded for searching: lower case, Vietnamese diacritics dropped ("đ" as "d"),
/// spaces collapsed — "Nguyễn  Thị Ánh" and "nguyen thi anh" fold alike.
pub fn fold(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    for c in clean(input).nfd() {
        match c {
            'đ' | 'Đ' => out.push('d'),
            c if ('\u{300}'..='\u{36f}').contains(&c) => {}
            c => out.extend(c.to_lowercase()),
        }
    }
    out
}

/// [`clean`], but `None` for a missing or blank value.
pub fn clean_opt(input: Option<&str>) -> Option<String> {
    input.map(clean).filter(|s| !s.is_empty())
}

/// The number of user-perceived characters (approximated by scalar values after NFC).
pub fn char_len(input: &str) -> usize {
    input.chars().count()
}

/// Combining marks allowed on one letter: Vietnamese needs two at most ("ệ" is e, circumflex,
/// dot below); a pile of them draws over the rows above and below on a leaderboard.
const MAX_MARKS_PER_LETTER: usize = 4;

/// Checks a person's name as [`clean`] leaves it (NFC, single spaces), before it is stored
/// and shown on public leaderboards: letters and combining marks, single spaces, and `.`,
/// `'` (or `’`, which phones type for it) and `-` between them; it starts with a letter.
///
/// Everything else is refused — digits, symbols, emoji, and above all the invisible
/// format characters (Unicode category Cf: U+202E right-to-left override, zero-width
/// spaces and joiners, U+2060, U+FEFF…), with which a name can pass for another one on the
/// board or hide text in it (issue #13). The error is a Vietnamese message.
pub fn check_person_name(name: &str) -> Result<(), &'static str> {
    const REFUSED: &str = "Họ và tên chỉ được gồm chữ cái (có dấu), dấu cách và các dấu . ' -; \
                           không được chứa chữ số, ký hiệu hay ký tự ẩn.";
    let mut marks = 0;
    for (i, c) in name.chars().enumerate() {
        match c.general_category_group() {
            GeneralCategoryGroup::Letter => marks = 0,
            GeneralCategoryGroup::Mark if i > 0 => {
                marks += 1;
                if marks > MAX_MARKS_PER_LETTER {
                    return Err(REFUSED);
                }
            }
            _ if i > 0 && matches!(c, ' ' | '.' | '\'' | '’' | '-') => marks = 0,
            _ => return Err(REFUSED),
        }
    }
    Ok(())
}

/// True for Unicode format characters (category Cf), all invisible.
pub fn is_format_char(c: char) -> bool {
    c.general_category() == GeneralCategory::Format
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_drops_case_and_vietnamese_marks() {
        assert_eq!(fold("  Nguyễn  Thị Ánh "), "nguyen thi anh");
        assert_eq!(fold("ĐẶNG Văn Đức"), "dang van duc");
        assert_eq!(fold("Xã Long Hồ"), "xa long ho");
        assert_eq!(fold(&fold("Trương Ngọc Ẩn")), fold("Trương Ngọc Ẩn"));
    }
    use proptest::prelude::*;

    #[test]
    fn vietnamese_names_pass_in_nfc_and_in_nfd() {
        for name in [
            "Nguyễn Thị Ánh",
            "Trần Văn Bình",
            "Lê Hoàng Đức",
            "Phạm Thị Thu Hà",
            "Võ Minh Quân",
            "Đặng Thị Ngọc Diệp",
            "Huỳnh Ngọc Ẩn",
            "H'Hen Niê",
            "H’Hen Niê",
            "Nguyễn-Trần Mỹ Lệ",
            "Nguyễn T. Hoa",
            "Ksor Y Phương",
            "Giàng A Páo",
        ] {
            assert_eq!(check_person_name(&clean(name)), Ok(()), "{name}");
            let nfd: String = name.nfd().collect();
            assert_eq!(check_person_name(&clean(&nfd)), Ok(()), "NFD {name}");
            // Even unnormalised, decomposed marks are marks.
            assert_eq!(check_person_name(&nfd), Ok(()), "raw NFD {name}");
        }
    }

    #[test]
    fn spoofing_and_hidden_characters_are_refused() {
        for c in [
            '\u{202E}', '\u{200B}', '\u{200C}', '\u{200D}', '\u{2060}', '\u{FEFF}',
        ] {
            let name = format!("Nguyễn{c} Văn An");
            assert!(
                check_person_name(&clean(&name)).is_err(),
                "U+{:04X}",
                c as u32
            );
        }
        for name in [
            "Nguyễn Văn 2",
            "Nguyễn <b>An</b>",
            "=HYPERLINK(\"x\")",
            "-Nguyễn",
            "'Nguyễn",
            "Nguyễn 😀",
            "Nguyễn_An",
            "Nguyễn@An",
            "Ⅻ Nguyễn",
            "\u{301}Nguyễn",
            "Ze\u{301}\u{302}\u{303}\u{304}\u{306}\u{307}\u{308}lgo",
        ] {
            assert!(check_person_name(&clean(name)).is_err(), "{name:?}");
        }
    }

    #[test]
    fn every_format_character_is_refused() {
        let format_chars: Vec<char> = (0..=0x10FFFF_u32)
            .filter_map(char::from_u32)
            .filter(|c| is_format_char(*c))
            .collect();
        assert!(format_chars.len() > 150, "{}", format_chars.len());
        for c in format_chars {
            for name in [format!("An{c}"), format!("A{c}n"), format!("{c}An")] {
                assert!(
                    check_person_name(&clean(&name)).is_err(),
                    "U+{:04X} in {name:?}",
                    c as u32
                );
            }
        }
    }

    proptest! {
        /// Any name built from Vietnamese letters, spaces and the allowed punctuation
        /// passes, whatever its normalisation; adding any format character anywhere fails.
        #[test]
        fn built_names_pass_and_a_format_character_anywhere_fails(
            words in prop::collection::vec("[a-zA-ZàáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵĐƠƯ]{1,8}", 1..5),
            joiner in prop::sample::select(vec![" ", "-", ". ", "'"]),
            nfd in any::<bool>(),
            at in any::<prop::sample::Index>(),
            format_char in prop::sample::select(
                (0..=0x10FFFF_u32).filter_map(char::from_u32).filter(|c| is_format_char(*c)).collect::<Vec<_>>()
            ),
        ) {
            let name = words.join(joiner);
            let typed: String = if nfd { name.nfd().collect() } else { name.clone() };
            prop_assert_eq!(check_person_name(&clean(&typed)), Ok(()));
            let mut chars: Vec<char> = typed.chars().collect();
            chars.insert(at.index(chars.len() + 1), format_char);
            let spoofed: String = chars.into_iter().collect();
            prop_assert!(check_person_name(&clean(&spoofed)).is_err());
        }
    }

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

//! Vietnamese phone numbers: one canonical form, so `0912…` and `+84912…` are one account.

/// Normalises a phone number to its national form `0xxxxxxxxx`, or `None` when it is not
/// a plausible Vietnamese number (10 digits for mobiles, 11 for landlines).
///
/// Spaces, dots, dashes and parentheses are ignored; `+84`, `84` and `0084` prefixes are
/// replaced by `0`.
pub fn normalize(input: &str) -> Option<String> {
    let trimmed = input.trim();
    let plus = trimmed.starts_with('+');
    let mut digits = String::with_capacity(trimmed.len());
    for (i, c) in trimmed.chars().enumerate() {
        match c {
            '0'..='9' => digits.push(c),
            '+' if i == 0 => {}
            ' ' | '.' | '-' | '(' | ')' => {}
            _ => return None,
        }
    }
    let national = if let Some(rest) = digits.strip_prefix("0084") {
        format!("0{rest}")
    } else if digits.starts_with("84") && (plus || digits.len() >= 11) {
        format!("0{}", &digits[2..])
    } else if plus {
        return None;
    } else {
        digits
    };
    let valid = national.starts_with('0')
        && !national.starts_with("00")
        && (national.len() == 10 || national.len() == 11);
    valid.then_some(national)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn national_and_international_forms_are_one_number() {
        assert_eq!(normalize("0912345678").as_deref(), Some("0912345678"));
        assert_eq!(normalize("+84912345678").as_deref(), Some("0912345678"));
        assert_eq!(normalize("84912345678").as_deref(), Some("0912345678"));
        assert_eq!(normalize("0084 912 345 678").as_deref(), Some("0912345678"));
        assert_eq!(normalize("091.234.5678").as_deref(), Some("0912345678"));
        assert_eq!(normalize("(0270) 3822 123").as_deref(), Some("02703822123"));
    }

    #[test]
    fn implausible_numbers_are_refused() {
        for bad in [
            "",
            "12345",
            "091234567",
            "+1 202 555 0100",
            "09123456789012",
            "0912a45678",
            "0012345678",
        ] {
            assert_eq!(normalize(bad), None, "{bad}");
        }
    }

    proptest! {
        #[test]
        fn normalising_is_idempotent(s in "\\+?[0-9 .-]{0,16}") {
            if let Some(n) = normalize(&s) {
                prop_assert_eq!(normalize(&n), Some(n.clone()));
                prop_assert!(n.starts_with('0'));
            }
        }

        #[test]
        fn plus84_and_zero_forms_agree(rest in "[1-9][0-9]{8}") {
            prop_assert_eq!(normalize(&format!("+84{rest}")), normalize(&format!("0{rest}")));
        }
    }
}

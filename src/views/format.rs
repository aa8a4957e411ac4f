//! Values as pages write them (times of day are `crate::vn_time`'s).

/// A duration in minutes and seconds: `3 phút 07 giây`.
pub fn duration(ms: i64) -> String {
    let s = ms / 1000;
    format!("{} phút {:02} giây", s / 60, s % 60)
}

/// A whole number as Vietnamese write it, thousands grouped with dots: `5.400`.
pub fn number(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

/// A decimal with `places` digits after a decimal comma: `5,50`.
pub fn decimal(x: f64, places: usize) -> String {
    format!("{x:.places$}").replace('.', ",")
}

/// A share (0.0–1.0 and beyond) as a percentage with one decimal: `12,5 %`.
pub fn percent(share: f64) -> String {
    format!("{} %", decimal(share * 100.0, 1))
}

/// A label at the start of a line or a column: its first letter in capitals (`dễ` → `Dễ`),
/// for names written lower case to fit inside sentences.
pub fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// A file size as people read it: `820 byte`, `35 KB`, `1,2 MB` (decimal comma).
pub fn file_size(bytes: i64) -> String {
    const KB: i64 = 1024;
    const MB: i64 = 1024 * 1024;
    if bytes < KB {
        format!("{bytes} byte")
    } else if bytes < MB {
        format!("{} KB", (bytes + KB / 2) / KB)
    } else {
        let tenths = (bytes * 10 + MB / 2) / MB;
        format!("{},{} MB", tenths / 10, tenths % 10)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_sizes_read_in_bytes_kilobytes_and_megabytes() {
        assert_eq!(file_size(820), "820 byte");
        assert_eq!(file_size(35 * 1024), "35 KB");
        assert_eq!(file_size(1_258_291), "1,2 MB");
        assert_eq!(file_size(10 * 1024 * 1024), "10,0 MB");
    }

    #[test]
    fn numbers_group_thousands_with_dots_and_decimals_take_a_comma() {
        assert_eq!(number(0), "0");
        assert_eq!(number(999), "999");
        assert_eq!(number(5400), "5.400");
        assert_eq!(number(1_000_000_000), "1.000.000.000");
        assert_eq!(number(-12345), "-12.345");
        assert_eq!(decimal(5.5, 2), "5,50");
        assert_eq!(percent(0.0), "0,0 %");
        assert_eq!(percent(0.125), "12,5 %");
    }

    #[test]
    fn a_duration_reads_in_minutes_and_two_digit_seconds() {
        assert_eq!(duration(187_900), "3 phút 07 giây");
        assert_eq!(duration(0), "0 phút 00 giây");
    }

    #[test]
    fn capitalising_keeps_vietnamese_letters_whole() {
        assert_eq!(capitalised("dễ"), "Dễ");
        assert_eq!(capitalised("trung bình"), "Trung bình");
        assert_eq!(capitalised("đúng"), "Đúng");
        assert_eq!(capitalised(""), "");
    }
}

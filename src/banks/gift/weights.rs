//! Moodle's answer weights in GIFT multiple-choice blocks: reading `%50%`, and forgetting
//! the weights that say no more than which options are right.

use super::Tok;
use crate::banks::model::{Choice, Kind};

/// Forgets weights that say no more than `correct` does — what cuocthi's own GIFT export
/// writes for a question without weights (`~%0%` in a single-answer question; in a
/// multiple-answer one, an equal share of 100 % for each right option and `-100 %` for
/// each wrong one) — so that a bank exported and imported again is the same bank.
pub(in crate::banks) fn drop_plain_weights(kind: Kind, choices: &mut [Choice]) {
    let value = |c: &Choice| c.weight.as_deref().and_then(|w| w.parse::<f64>().ok());
    let close = |a: f64, b: f64| (a - b).abs() < 1e-4;
    let plain = match kind {
        Kind::Single => choices
            .iter()
            .all(|c| c.weight.is_none() || value(c).is_some_and(|w| close(w, 0.0))),
        _ => {
            let right = choices.iter().filter(|c| c.correct).count().max(1);
            let share = 100.0 / right as f64;
            choices
                .iter()
                .all(|c| value(c).is_some_and(|w| close(w, if c.correct { share } else { -100.0 })))
        }
    };
    if plain {
        for c in choices {
            c.weight = None;
        }
    }
}

/// Moodle's answer weight `%-*[0-9]{1,2}\.?[0-9]*%` at the start of an option: the weight
/// in percent, as a number and as written (one `-` at most, no trailing `.`), and the
/// number of tokens it spans.
pub(super) fn weight(seg: &[Tok]) -> Option<(f64, String, usize)> {
    let plain: Vec<char> = seg.iter().take_while(|t| !t.esc).map(|t| t.c).collect();
    if plain.first() != Some(&'%') {
        return None;
    }
    let mut i = 1;
    let mut negative = false;
    while plain.get(i) == Some(&'-') {
        negative = true;
        i += 1;
    }
    let digits_start = i;
    while plain.get(i).is_some_and(char::is_ascii_digit) {
        i += 1;
    }
    if i == digits_start {
        return None;
    }
    if plain.get(i) == Some(&'.') {
        i += 1;
        while plain.get(i).is_some_and(char::is_ascii_digit) {
            i += 1;
        }
    }
    if plain.get(i) != Some(&'%') {
        return None;
    }
    let number: String = plain[digits_start..i].iter().collect();
    let number = number.trim_end_matches('.');
    let value = number.parse::<f64>().ok()?;
    let (value, written) = if negative && value != 0.0 {
        (-value, format!("-{number}"))
    } else {
        (value, number.to_owned())
    };
    Some((value, written, i + 1))
}

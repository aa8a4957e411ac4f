//! Moodle's Aiken format: a question, lettered options, and an `ANSWER:` line.
//!
//! ```text
//! Nghị định nào quy định về thủ tục hành chính trên môi trường điện tử?
//! A. Nghị định 45/2020/NĐ-CP
//! B) Nghị định 61/2018/NĐ-CP
//! ANSWER: A
//! ```
//!
//! Options start with an uppercase letter followed by `.` or `)` (the space after it is
//! optional, as in Moodle). Extensions over Moodle:
//! the question text may span several lines, blank lines are ignored, `ANSWER:` is
//! case-insensitive (Vietnamese `ĐÁP ÁN:` also works) and may list several letters
//! (`ANSWER: A, C`), which makes a `multiple` question. Every question gets the topic
//! [`DEFAULT_TOPIC`] and difficulty `medium`.

use super::model::{Choice, Difficulty, Kind, Question};
use super::text::{check_line_limit, clean, decode};
use super::{BankMeta, DEFAULT_TOPIC, Draft, Problems};
use crate::limits::excerpt;

/// A question being read.
struct Pending {
    line: usize,
    text: Vec<String>,
    options: Vec<(char, String)>,
}

/// Parses an Aiken file; `Err` when the file is not UTF-8 or passes an upload limit.
pub(super) fn parse(bytes: &[u8], meta: &BankMeta) -> Result<Draft, Problems> {
    let source = decode(bytes)?;
    check_line_limit(source)?;
    let mut draft = Draft::from_meta(meta);
    let mut pending: Option<Pending> = None;
    for (i, raw) in source.split('\n').enumerate() {
        let line = i + 1;
        let t = raw.trim();
        if t.is_empty() {
            continue;
        }
        if let Some(answer) = answer_line(t) {
            match pending.take() {
                Some(p) => {
                    finish(p, answer, line, &mut draft);
                    draft.check_question_limit(line)?;
                }
                None => draft.problem(
                    line,
                    "Dòng “ANSWER:” không đi kèm câu hỏi nào (thiếu nội dung câu hỏi và các \
                     phương án phía trên).",
                ),
            }
            continue;
        }
        if let Some((letter, text)) = option_line(t) {
            match pending.as_mut() {
                Some(p) => p.options.push((letter, text.to_owned())),
                None => draft.problem(
                    line,
                    format!("Phương án {letter} xuất hiện trước nội dung câu hỏi."),
                ),
            }
            continue;
        }
        match pending.as_mut() {
            Some(p) if p.options.is_empty() => p.text.push(t.to_owned()),
            _ => {
                if let Some(p) = pending.take() {
                    // Moodle names the line where the next question starts.
                    draft.problem(
                        line,
                        format!(
                            "Câu hỏi ở dòng {} chưa có dòng “ANSWER: …” trước khi câu hỏi mới \
                             bắt đầu ở dòng {line}.",
                            p.line
                        ),
                    );
                }
                pending = Some(Pending {
                    line,
                    text: vec![t.to_owned()],
                    options: Vec::new(),
                });
            }
        }
    }
    if let Some(p) = pending {
        missing_answer(&p, &mut draft);
    }
    Ok(draft)
}

fn missing_answer(p: &Pending, draft: &mut Draft) {
    draft.problem(
        p.line,
        "Câu hỏi thiếu dòng “ANSWER: …” (ví dụ ANSWER: B) sau các phương án.",
    );
}

/// The value of an `ANSWER:` (or `ĐÁP ÁN:`) line.
fn answer_line(t: &str) -> Option<&str> {
    let (head, value) = t.split_once(':')?;
    let head = clean(head).to_uppercase();
    (head == "ANSWER" || head == "ĐÁP ÁN").then_some(value)
}

/// `A. text` or `A) text`; as in Moodle (`/^[A-Z][).][ \t]?/`) the space is optional.
fn option_line(t: &str) -> Option<(char, &str)> {
    let mut chars = t.chars();
    let letter = chars.next().filter(char::is_ascii_uppercase)?;
    let sep = chars.next().filter(|&c| c == '.' || c == ')')?;
    let rest = &t[letter.len_utf8() + sep.len_utf8()..];
    Some((letter, rest.trim()))
}

/// The correct letters of an `ANSWER:` value: every letter of `A, C` (our extension), or,
/// when the value is not a list of letters (`B) Martin Dougiamas`), its first character,
/// which is all Moodle reads.
fn answer_letters(answer: &str) -> Vec<String> {
    let tokens: Vec<&str> = answer
        .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .collect();
    let letters = |t: &&str| t.chars().count() == 1 && t.chars().all(|c| c.is_alphabetic());
    if !tokens.is_empty()
        && !tokens.iter().all(letters)
        && let Some(first) = answer
            .trim()
            .chars()
            .next()
            .filter(char::is_ascii_uppercase)
    {
        return vec![first.to_string()];
    }
    tokens.into_iter().map(str::to_owned).collect()
}

fn finish(p: Pending, answer: &str, answer_line: usize, draft: &mut Draft) {
    let line = p.line;
    if p.options.len() < 2 {
        // Moodle: "Question must have at least 2 answers on line N" (the ANSWER line).
        draft.problem(
            answer_line,
            format!(
                "Câu hỏi ở dòng {line} cần ít nhất hai phương án trả lời (hiện có {}).",
                p.options.len()
            ),
        );
        return;
    }
    let mut broken = false;
    // Option letters are `A`..=`Z`: index them instead of searching lists.
    let index = |letter: char| {
        (letter as usize)
            .checked_sub('A' as usize)
            .filter(|&i| i < 26)
    };
    let mut present = [false; 26];
    for (letter, _) in &p.options {
        if let Some(i) = index(*letter) {
            if present[i] {
                draft.problem(line, format!("Phương án {letter} bị lặp lại."));
                broken = true;
            }
            present[i] = true;
        }
    }
    let mut marked = [false; 26];
    for token in answer_letters(answer) {
        let mut chars = token.chars();
        let letter = match (chars.next(), chars.next()) {
            (Some(c), None) => index(c.to_ascii_uppercase()).filter(|&i| present[i]),
            _ => None,
        };
        match letter {
            Some(i) => marked[i] = true,
            None => {
                draft.problem(
                    line,
                    format!(
                        "Đáp án “{}” không khớp với phương án nào (ghi chữ cái, ví dụ ANSWER: B).",
                        excerpt(&clean(&token))
                    ),
                );
                broken = true;
                break;
            }
        }
    }
    let letters = marked.iter().filter(|&&m| m).count();
    if letters == 0 && !broken {
        draft.problem(line, "Dòng “ANSWER:” chưa ghi đáp án (ví dụ ANSWER: B).");
        broken = true;
    }
    if broken {
        return;
    }
    let kind = if letters > 1 {
        Kind::Multiple
    } else {
        Kind::Single
    };
    draft.bank.questions.push(Question {
        images: Vec::new(),
        key: None,
        topic: DEFAULT_TOPIC.to_owned(),
        difficulty: Difficulty::Medium,
        kind,
        text: clean(&p.text.join(" ")),
        choices: p
            .options
            .iter()
            .map(|(letter, text)| Choice {
                images: Vec::new(),
                text: clean(text),
                correct: index(*letter).is_some_and(|i| marked[i]),
                feedback: None,
                weight: None,
            })
            .collect(),
        explanation: None,
        source: None,
        tags: Vec::new(),
        line,
    });
}

#[cfg(test)]
mod tests {
    use super::super::{BankMeta, Format, parse};
    use super::*;

    const EXAMPLE: &str = "\u{feff}Nghị định nào quy định về thực hiện thủ tục hành chính trên \
                           môi trường điện tử?\r\nA. Nghị định 45/2020/NĐ-CP\r\nB) Nghị định \
                           61/2018/NĐ-CP\r\nC. Luật Giao dịch điện tử\r\nANSWER: A\r\n\r\n\
                           Những giấy tờ nào có thể nộp bản điện tử?\nthêm dòng thứ hai\nA. Bản \
                           sao chứng thực điện tử\nB. Bản chụp không ký số\nC. Giấy tờ đã số hóa \
                           trong kho dữ liệu\nđáp án: a, C\n";

    #[test]
    fn parses_example() {
        let parsed = parse(
            Format::Aiken,
            EXAMPLE.as_bytes(),
            &BankMeta::new("aiken-demo", ""),
        );
        let bank = match parsed {
            Ok(p) => p.bank,
            Err(e) => panic!("{e:#?}"),
        };
        assert_eq!(bank.title, "aiken-demo");
        assert_eq!(bank.questions.len(), 2);
        let q = &bank.questions[0];
        assert_eq!(
            (q.line, q.kind, q.topic.as_str()),
            (1, Kind::Single, "Chung")
        );
        assert_eq!(q.choices[1].text, "Nghị định 61/2018/NĐ-CP");
        let q = &bank.questions[1];
        assert_eq!(q.line, 7);
        assert_eq!(
            q.text,
            "Những giấy tờ nào có thể nộp bản điện tử? thêm dòng thứ hai"
        );
        assert_eq!(q.kind, Kind::Multiple);
        let correct: Vec<bool> = q.choices.iter().map(|c| c.correct).collect();
        assert_eq!(correct, vec![true, false, true]);
    }

    #[test]
    fn reports_every_problem() {
        let src = "A. lạc\nCâu một?\nA. x\nB. y\nCâu hai?\nA. x\nB. y\nANSWER: D\n\
                   Câu ba?\nA. x\nA. y\nANSWER: A\nANSWER: B\nCâu bốn?\nA. x\nB. y\n";
        let problems = match parse(Format::Aiken, src.as_bytes(), &BankMeta::default()) {
            Ok(p) => panic!("{:#?}", p.bank),
            Err(p) => p,
        };
        let got: Vec<(usize, &str)> = problems
            .iter()
            .map(|p| (p.line, p.message.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                (0, "Thiếu mã ngân hàng câu hỏi (tham số code)."),
                (1, "Phương án A xuất hiện trước nội dung câu hỏi."),
                (
                    5,
                    "Câu hỏi ở dòng 2 chưa có dòng “ANSWER: …” trước khi câu hỏi mới bắt đầu \
                     ở dòng 5."
                ),
                (
                    5,
                    "Đáp án “D” không khớp với phương án nào (ghi chữ cái, ví dụ ANSWER: B)."
                ),
                (9, "Phương án A bị lặp lại."),
                (
                    13,
                    "Dòng “ANSWER:” không đi kèm câu hỏi nào (thiếu nội dung câu hỏi và các \
                     phương án phía trên)."
                ),
                (
                    14,
                    "Câu hỏi thiếu dòng “ANSWER: …” (ví dụ ANSWER: B) sau các phương án."
                ),
            ]
        );
    }
}

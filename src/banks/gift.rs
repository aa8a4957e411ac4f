//! Moodle GIFT import, following Moodle's own importer (`qformat_gift::readquestion`).
//!
//! Questions are blocks of non-blank lines. Within a block, lines starting with `//` are
//! comments (they may carry our conventions: `// difficulty: hard`, `// source: …`, and
//! Moodle's `[tag:…]`), a first line `$CATEGORY: path` sets the topic (last path segment)
//! for the following questions, `::title::` becomes the key, and the `{…}` answer block
//! decides the type. Multiple choice and true/false are imported; short answer, matching,
//! numerical, essay and description blocks are skipped with a [`Skipped`] entry.

use super::model::{Choice, Difficulty, FALSE_TEXT, Kind, Question, Skipped, TRUE_TEXT};
use super::text::{check_line_limit, clean, clean_opt, clean_tags, clean_topic, decode};
use super::{BankMeta, DEFAULT_TOPIC, Draft, Problems};
use crate::limits::{MAX_QUESTION_BYTES, excerpt};

/// One character of a question block after GIFT escapes are resolved; an escaped
/// character never has its special meaning.
#[derive(Debug, Clone, Copy)]
struct Tok {
    c: char,
    esc: bool,
}

/// Text-format markers Moodle puts in front of a text.
pub(super) const FORMAT_MARKERS: [&str; 4] = ["moodle", "html", "plain", "markdown"];

const REASON_SUFFIX: &str = "cuộc thi chỉ dùng câu hỏi trắc nghiệm và đúng/sai.";

/// Parses a GIFT file; `Err` when the file is not UTF-8 or passes an upload limit.
pub(super) fn parse(bytes: &[u8], meta: &BankMeta) -> Result<Draft, Problems> {
    let source = decode(bytes)?;
    check_line_limit(source)?;
    let mut draft = Draft::from_meta(meta);
    let mut topic = DEFAULT_TOPIC.to_owned();
    // One block of non-blank lines at a time: its lines, its first line's number and size.
    let mut lines: Vec<&str> = Vec::new();
    let mut first_line = 0;
    let mut block_bytes = 0;
    let raw_lines = source
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .chain([""]);
    for (i, raw) in raw_lines.enumerate() {
        if !raw.trim().is_empty() {
            if lines.is_empty() {
                first_line = i + 1;
                block_bytes = 0;
            }
            block_bytes += raw.len() + 1;
            if block_bytes > MAX_QUESTION_BYTES {
                return Err(Problems::over_limit(
                    "question_bytes",
                    first_line,
                    format!(
                        "Câu hỏi bắt đầu ở dòng {first_line} dài hơn {} KiB; mỗi câu hỏi GIFT \
                         (kể cả phương án và phản hồi) dài tối đa {} KiB. Các câu hỏi phải \
                         cách nhau bằng một dòng trống.",
                        MAX_QUESTION_BYTES / 1024,
                        MAX_QUESTION_BYTES / 1024
                    ),
                ));
            }
            lines.push(raw);
            continue;
        }
        if !lines.is_empty() {
            block(&lines, first_line, &mut topic, &mut draft);
            lines.clear();
            draft.check_question_limit(first_line)?;
        }
    }
    draft.make_keys_unique();
    Ok(draft)
}

/// Handles one block of non-blank lines whose first line is `first_line`.
fn block(lines: &[&str], first_line: usize, topic: &mut String, draft: &mut Draft) {
    let mut comments = Vec::new();
    let mut body = Vec::new();
    let mut line = first_line;
    for (k, raw) in lines.iter().enumerate() {
        let t = raw.trim();
        if let Some(comment) = t.strip_prefix("//") {
            comments.push(comment.trim());
        } else if let Some(path) = t.strip_prefix("$CATEGORY:").filter(|_| body.is_empty()) {
            *topic = category_topic(path);
        } else {
            if body.is_empty() {
                line = first_line + k;
            }
            body.push(t);
        }
    }
    if body.is_empty() {
        return;
    }

    let mut problems = Vec::new();
    let mut difficulty = Difficulty::Medium;
    let mut source = None;
    let mut raw_tags = Vec::new();
    for comment in comments {
        if let Some(value) = directive(comment, &["difficulty", "độ khó"]) {
            match Difficulty::from_name(value) {
                Some(d) => difficulty = d,
                None => problems.push(format!(
                    "Độ khó “{}” trong chú thích // difficulty không hợp lệ; chỉ nhận easy, \
                     medium, hard (hoặc dễ, trung bình, khó).",
                    excerpt(&clean(value))
                )),
            }
        } else if let Some(value) = directive(comment, &["source", "nguồn"]) {
            source = clean_opt(value);
        } else {
            raw_tags.extend(comment_tags(comment));
        }
    }

    let tags = clean_tags(raw_tags);
    let joined = body.join("\n");
    let toks = tokenize(&joined);
    let outcome = question_body(&toks);
    for message in problems {
        draft.problem(line, message);
    }
    match outcome {
        Body::Question {
            key,
            text,
            kind,
            choices,
            explanation,
            partial,
        } => {
            if partial {
                draft.warn(
                    line,
                    "Câu hỏi có phương án được một phần điểm (~%…%): cuộc thi chấm trọn câu \
                     nên chỉ phương án trọn điểm (=) là đúng, phương án một phần điểm tính là \
                     sai. Trọng số vẫn được giữ khi xuất lại GIFT.",
                );
            }
            draft.bank.questions.push(Question {
                images: Vec::new(),
                key,
                topic: topic.clone(),
                difficulty,
                kind,
                text,
                choices,
                explanation,
                source,
                tags,
                line,
            })
        }
        Body::Skip(reason) => draft.skipped.push(Skipped { line, reason }),
        Body::Problem(message) => draft.problem(line, message),
    }
}

/// What a question block's body turned out to be.
enum Body {
    Question {
        key: Option<String>,
        text: String,
        kind: Kind,
        choices: Vec<Choice>,
        explanation: Option<String>,
        /// Partial-credit options, scored as wrong (see [`multiple_choice`]).
        partial: bool,
    },
    Skip(String),
    Problem(String),
}

fn question_body(toks: &[Tok]) -> Body {
    let mut rest = trim(toks);
    let mut key = None;
    if starts_with(rest, "::") {
        let after = &rest[2..];
        let Some(end) = find_seq(after, "::") else {
            return Body::Problem(
                "Tên câu hỏi mở bằng “::” nhưng thiếu “::” đóng (viết \\: nếu là dấu hai chấm \
                 thường)."
                    .to_owned(),
            );
        };
        key = clean_opt(&text(&after[..end]));
        rest = trim(&after[end + 2..]);
    }

    let (open, close) = (find(rest, '{'), find(rest, '}'));
    let (open, close) = match (open, close) {
        (None, None) => {
            return Body::Skip(
                "Bỏ qua đoạn mô tả (description): không có khối đáp án { … }.".to_owned(),
            );
        }
        (Some(o), Some(c)) if o < c => (o, c),
        _ => {
            return Body::Problem(
                "Thiếu dấu “{” hoặc “}” của khối đáp án (viết \\{ \\} nếu là ký tự thường)."
                    .to_owned(),
            );
        }
    };
    let after = &rest[close + 1..];
    if find(after, '{').is_some() || find(after, '}').is_some() {
        return Body::Problem(
            "Câu hỏi có nhiều hơn một khối đáp án { … }: các câu hỏi phải cách nhau bằng một \
             dòng trống (viết \\{ \\} nếu là ký tự thường)."
                .to_owned(),
        );
    }
    let mut question = text(&rest[..open]);
    if !trim(after).is_empty() {
        // Missing-word format: the answer block stands for a blank inside the sentence.
        question.push_str("_____");
        question.push_str(&text(after));
    }
    let question = clean(strip_marker(&question));

    let mut answer = trim(&rest[open + 1..close]);
    let mut explanation = None;
    if let Some(p) = rfind_seq(answer, "####") {
        explanation = clean_opt(strip_marker(&text(&answer[p + 4..])));
        answer = trim(&answer[..p]);
    }

    let skip = |kind: &str| Body::Skip(format!("Bỏ qua câu hỏi {kind}: {REASON_SUFFIX}"));
    if answer.is_empty() {
        return skip("tự luận (essay)");
    }
    if is(answer[0], '#') {
        return skip("dạng số (numerical)");
    }
    if find(answer, '~').is_some() {
        let parsed = match multiple_choice(answer) {
            Ok(parsed) => parsed,
            Err(message) => return Body::Problem(message),
        };
        let right = parsed.choices.iter().filter(|c| c.correct).count();
        if parsed.kind == Kind::Single && right > 1 {
            return Body::Skip(format!(
                "Bỏ qua câu hỏi một lựa chọn có {right} phương án cùng được trọn điểm (=… =…): \
                 trong cuộc thi, câu hỏi một lựa chọn chỉ có một phương án đúng. Hãy giữ một \
                 phương án “=”, hoặc viết thành câu hỏi nhiều lựa chọn (~%50%… ~%50%…)."
            ));
        }
        return Body::Question {
            key,
            text: question,
            kind: parsed.kind,
            choices: parsed.choices,
            explanation,
            partial: parsed.partial,
        };
    }
    if find(answer, '=').is_some() && text(answer).contains("->") {
        return skip("ghép đôi (matching)");
    }
    let parts = split_n(answer, '#', 3);
    let head = text(parts[0]).trim().to_uppercase();
    let verdict = match head.as_str() {
        "T" | "TRUE" => true,
        "F" | "FALSE" => false,
        _ => return skip("trả lời ngắn (short answer)"),
    };
    let feedback = |i: usize| parts.get(i).and_then(|p| clean_opt(strip_marker(&text(p))));
    let (wrong, right) = (feedback(1), feedback(2));
    let (true_feedback, false_feedback) = if verdict {
        (right, wrong)
    } else {
        (wrong, right)
    };
    Body::Question {
        key,
        text: question,
        kind: Kind::TrueFalse,
        choices: vec![
            Choice {
                images: Vec::new(),
                text: TRUE_TEXT.to_owned(),
                correct: verdict,
                feedback: true_feedback,
                weight: None,
            },
            Choice {
                images: Vec::new(),
                text: FALSE_TEXT.to_owned(),
                correct: !verdict,
                feedback: false_feedback,
                weight: None,
            },
        ],
        explanation,
        partial: false,
    }
}

/// Parses a `{=right ~wrong ~%50%partly}` block with Moodle's meaning
/// (`qformat_gift::readquestion`, case `multichoice`):
///
/// * a block with an unescaped `=` is a **single**-answer question: `=` options and
///   `~%100%` ones are fully right; an option with partial credit (`~%50%`) scores 0 in
///   cuocthi, which scores every question all or nothing — imported with a warning, its
///   weight kept for export; two or more fully right options (`{=a =b ~c}`: either is
///   right) cannot be a cuocthi single-choice question, so the question is skipped;
/// * a block without `=` is a **multiple**-answer question: the options with a positive
///   weight are the set to choose (Moodle's full marks), the others are wrong.
fn multiple_choice(answer: &[Tok]) -> Result<Choices, String> {
    let mut segments: Vec<(Option<char>, &[Tok])> = Vec::new();
    let mut start = 0;
    let mut marker = None;
    for (i, t) in answer.iter().enumerate() {
        if is(*t, '~') || is(*t, '=') {
            segments.push((marker, &answer[start..i]));
            marker = Some(t.c);
            start = i + 1;
        }
    }
    segments.push((marker, &answer[start..]));
    let single = segments.iter().any(|(m, _)| *m == Some('='));

    let mut choices = Vec::new();
    let mut partial = false;
    for (marker, seg) in segments {
        let seg = trim(seg);
        let Some(marker) = marker else {
            if seg.is_empty() {
                continue;
            }
            return Err(format!(
                "Có nội dung “{}” trước phương án đầu tiên; mỗi phương án phải bắt đầu bằng = \
                 (đúng) hoặc ~ (sai).",
                excerpt(&clean(&text(seg)))
            ));
        };
        let (correct, weight, seg) = if marker == '=' {
            (true, None, seg)
        } else {
            match weight(seg) {
                Some((w, written, len)) => {
                    let full = (w - 100.0).abs() < 1e-9;
                    partial |= single && w > 0.0 && !full;
                    let correct = if single { full } else { w > 0.0 };
                    (correct, Some(written), &seg[len..])
                }
                None => (false, None, seg),
            }
        };
        let parts = split_n(seg, '#', 2);
        choices.push(Choice {
            images: Vec::new(),
            text: clean(strip_marker(&text(parts[0]))),
            correct,
            feedback: parts.get(1).and_then(|p| clean_opt(strip_marker(&text(p)))),
            weight,
        });
    }
    let kind = if single { Kind::Single } else { Kind::Multiple };
    drop_plain_weights(kind, &mut choices);
    Ok(Choices {
        kind,
        choices,
        partial,
    })
}

/// The options of a multiple-choice block and how to read them.
struct Choices {
    kind: Kind,
    choices: Vec<Choice>,
    /// A single-answer question with partial-credit options (scored as wrong).
    partial: bool,
}

/// The topic named by a `$CATEGORY:` path: its last segment. Like Moodle, a single `/`
/// separates segments and `//` stands for a literal `/`.
pub(super) fn category_topic(path: &str) -> String {
    let chars: Vec<char> = path.chars().collect();
    let mut segments = vec![String::new()];
    for (i, &c) in chars.iter().enumerate() {
        let lone_slash = c == '/'
            && (i == 0 || chars[i - 1] != '/')
            && chars.get(i + 1).is_none_or(|&n| n != '/');
        if lone_slash {
            segments.push(String::new());
        } else if let Some(last) = segments.last_mut() {
            last.push(c);
        }
    }
    let last = segments.pop().unwrap_or_default().replace("//", "/");
    let topic = clean_topic(&last);
    if topic.is_empty() {
        DEFAULT_TOPIC.to_owned()
    } else {
        topic
    }
}

/// `name: value` in a comment, for one of `names` (case-insensitive).
fn directive<'a>(comment: &'a str, names: &[&str]) -> Option<&'a str> {
    let (name, value) = comment.split_once(':')?;
    let name = clean(name).to_lowercase();
    names.contains(&name.as_str()).then(|| value.trim())
}

/// Moodle's `[tag:…]` tokens in a comment; `\]` and `\\` escape `]` and `\`.
fn comment_tags(comment: &str) -> Vec<String> {
    let mut tags = Vec::new();
    let mut rest = comment;
    while let Some(pos) = rest.find("[tag:") {
        rest = &rest[pos + 5..];
        let mut tag = String::new();
        let mut chars = rest.char_indices();
        let mut end = None;
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => match chars.clone().next() {
                    Some((_, n @ (']' | '\\'))) => {
                        tag.push(n);
                        chars.next();
                    }
                    _ => tag.push('\\'),
                },
                ']' => {
                    end = Some(i);
                    break;
                }
                _ => tag.push(c),
            }
        }
        let Some(end) = end else { break };
        rest = &rest[end + 1..];
        if let Some(tag) = clean_opt(&tag) {
            tags.push(tag);
        }
    }
    tags
}

/// The length of a leading `[moodle]`, `[html]`, `[plain]` or `[markdown]` marker
/// (case-insensitive), if any.
pub(super) fn marker_len(s: &str) -> Option<usize> {
    let rest = s.strip_prefix('[')?;
    let end = rest.find(']')?;
    let name = &rest[..end];
    FORMAT_MARKERS
        .iter()
        .any(|m| m.eq_ignore_ascii_case(name))
        .then_some(end + 2)
}

/// Drops a leading text-format marker (the text itself is kept as is, HTML included).
fn strip_marker(s: &str) -> &str {
    let t = s.trim_start();
    match marker_len(t) {
        Some(n) => &t[n..],
        None => t,
    }
}

fn tokenize(s: &str) -> Vec<Tok> {
    let mut out = Vec::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(Tok { c, esc: false });
            continue;
        }
        let escaped = match chars.peek() {
            Some(&n @ ('\\' | ':' | '#' | '=' | '{' | '}' | '~')) => Some(n),
            Some('n') => Some('\n'),
            _ => None,
        };
        match escaped {
            Some(e) => {
                chars.next();
                out.push(Tok { c: e, esc: true });
            }
            None => out.push(Tok { c: '\\', esc: true }),
        }
    }
    out
}

fn is(t: Tok, c: char) -> bool {
    !t.esc && t.c == c
}

fn text(toks: &[Tok]) -> String {
    toks.iter().map(|t| t.c).collect()
}

fn trim(toks: &[Tok]) -> &[Tok] {
    let start = toks
        .iter()
        .position(|t| !t.c.is_whitespace())
        .unwrap_or(toks.len());
    let end = toks
        .iter()
        .rposition(|t| !t.c.is_whitespace())
        .map_or(start, |e| e + 1);
    &toks[start..end.max(start)]
}

fn find(toks: &[Tok], c: char) -> Option<usize> {
    toks.iter().position(|&t| is(t, c))
}

fn matches_at(toks: &[Tok], i: usize, pat: &str) -> bool {
    let mut k = i;
    for c in pat.chars() {
        match toks.get(k) {
            Some(&t) if is(t, c) => k += 1,
            _ => return false,
        }
    }
    true
}

fn starts_with(toks: &[Tok], pat: &str) -> bool {
    matches_at(toks, 0, pat)
}

fn find_seq(toks: &[Tok], pat: &str) -> Option<usize> {
    (0..toks.len()).find(|&i| matches_at(toks, i, pat))
}

fn rfind_seq(toks: &[Tok], pat: &str) -> Option<usize> {
    (0..toks.len()).rev().find(|&i| matches_at(toks, i, pat))
}

/// Splits at the first `n - 1` unescaped `sep`s (like PHP's `explode($sep, $s, $n)`).
fn split_n(toks: &[Tok], sep: char, n: usize) -> Vec<&[Tok]> {
    let mut parts = Vec::with_capacity(n);
    let mut start = 0;
    for (i, &t) in toks.iter().enumerate() {
        if parts.len() + 1 == n {
            break;
        }
        if is(t, sep) {
            parts.push(&toks[start..i]);
            start = i + 1;
        }
    }
    parts.push(&toks[start..]);
    parts
}

mod weights;

pub(super) use weights::drop_plain_weights;
use weights::weight;

#[cfg(test)]
mod tests;

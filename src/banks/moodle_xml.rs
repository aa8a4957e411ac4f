//! Moodle XML (`format=moodlexml`), the format Moodle exports whole question banks in:
//! `<quiz>` of `<question type="…">` elements.
//!
//! Read as a stream of XML events (quick-xml), never as a tree: the nesting depth, each
//! text and the number of questions are bounded, a `<!DOCTYPE>` is refused (so no entity
//! can be declared, let alone expanded) and only XML's five entities and character
//! references are resolved. Imported: `multichoice` (single and multiple, fractions read
//! as the GIFT weights are, see `gift::multiple_choice`), `truefalse`, categories as
//! topics (last path segment), `generalfeedback` as the explanation, tags, and the
//! `idnumber` (else the `name`) as the key. HTML texts are reduced to their text, which is
//! what cuocthi shows. Other types are skipped with their line.

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::gift::{category_topic, drop_plain_weights};
use super::model::{Choice, Difficulty, FALSE_TEXT, Image, Kind, Question, Skipped, TRUE_TEXT};
use super::text::{LineIndex, clean, clean_opt, clean_tags, decode};
use super::{BankMeta, DEFAULT_TOPIC, Draft, Problems};
use crate::limits::{MAX_QUESTION_BYTES, excerpt};

/// Deepest element nesting read (Moodle's own files stay under 8).
const MAX_DEPTH: usize = 32;

/// A question being read.
#[derive(Default)]
struct Pending {
    line: usize,
    kind: String,
    name: Option<String>,
    idnumber: Option<String>,
    text: String,
    html: bool,
    explanation: String,
    single: Option<bool>,
    answers: Vec<Answer>,
    tags: Vec<String>,
    category: Option<String>,
    /// Embedded files of the question text: name and base64 content.
    files: Vec<(String, String)>,
}

#[derive(Default)]
struct Answer {
    fraction: String,
    text: String,
    feedback: String,
    html: bool,
    /// Embedded files of the answer text.
    files: Vec<(String, String)>,
}

/// Characters of one embedded `<file>` (base64 of the largest picture allowed, with line
/// breaks).
const MAX_FILE_CHARS: usize = crate::banks::media::MAX_IMAGE_BYTES / 3 * 4 + 64 * 1024;

/// Parses a Moodle XML file; `Err` when it is not UTF-8, not well-formed or passes a
/// limit.
pub(super) fn parse(bytes: &[u8], meta: &BankMeta) -> Result<Draft, Problems> {
    let source = decode(bytes)?;
    let lines = LineIndex::new(source);
    let mut reader = Reader::from_str(source);
    let mut draft = Draft::from_meta(meta);
    let mut topic = DEFAULT_TOPIC.to_owned();
    let mut path: Vec<String> = Vec::new();
    let mut text = String::new();
    let mut pending: Option<Pending> = None;
    let refuse =
        |line: usize, message: String| Err(Problems::from(super::LineProblem { line, message }));
    loop {
        let at = lines.line(reader.buffer_position() as usize);
        let event = match reader.read_event() {
            Ok(e) => e,
            Err(e) => {
                return refuse(
                    lines.line(reader.error_position() as usize),
                    format!(
                        "Tệp Moodle XML không hợp lệ (dòng {}): {}.",
                        lines.line(reader.error_position() as usize),
                        excerpt(&e.to_string())
                    ),
                );
            }
        };
        match event {
            Event::DocType(_) => {
                return refuse(
                    at,
                    "Tệp Moodle XML không được có khai báo <!DOCTYPE> (không nhận thực thể \
                     tự định nghĩa)."
                        .to_owned(),
                );
            }
            Event::Start(e) => {
                if path.len() >= MAX_DEPTH {
                    return refuse(at, format!("Các thẻ XML lồng nhau quá {MAX_DEPTH} tầng."));
                }
                let name = e.local_name().into_inner().to_owned();
                start(&name, &e, &path, at, &mut pending);
                path.push(name);
                text.clear();
            }
            Event::Empty(e) => {
                let name = e.local_name().into_inner().to_owned();
                start(&name, &e, &path, at, &mut pending);
                path.push(name);
                end(&path, "", &mut pending);
                path.pop();
            }
            Event::Text(t) => push(&mut text, &t.xml10_content(), at, &path)?,
            Event::CData(c) => push(&mut text, &c.into_inner(), at, &path)?,
            Event::GeneralRef(r) => {
                let name = r.clone().into_inner().to_string();
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => Some(c.to_string()),
                    _ => quick_xml::escape::resolve_predefined_entity(&name).map(str::to_owned),
                };
                match resolved {
                    Some(s) => push(&mut text, &s, at, &path)?,
                    None => {
                        return refuse(
                            at,
                            format!(
                                "Thực thể “&{};” không được nhận; chỉ dùng &lt; &gt; &amp; \
                                 &quot; &apos; và &#…;.",
                                excerpt(&name)
                            ),
                        );
                    }
                }
            }
            Event::End(_) => {
                end(&path, &text, &mut pending);
                text.clear();
                if path.len() == 2
                    && path[1] == "question"
                    && let Some(p) = pending.take()
                {
                    finish(p, &mut topic, &mut draft);
                    draft.check_question_limit(at)?;
                }
                path.pop();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    draft.make_keys_unique();
    Ok(draft)
}

/// Adds text to the element being read, within [`MAX_QUESTION_BYTES`] (an embedded
/// `<file>` within [`MAX_FILE_CHARS`]).
fn push(text: &mut String, more: &str, line: usize, path: &[String]) -> Result<(), Problems> {
    let limit = if path.last().is_some_and(|p| p == "file") {
        MAX_FILE_CHARS
    } else {
        MAX_QUESTION_BYTES
    };
    if text.len() + more.len() > limit {
        return Err(Problems::over_limit(
            "question_bytes",
            line,
            format!(
                "Một đoạn văn bản ở dòng {line} dài hơn {} KiB.",
                MAX_QUESTION_BYTES / 1024
            ),
        ));
    }
    text.push_str(more);
    Ok(())
}

fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    e.try_get_attribute(name).ok().flatten().and_then(|a| {
        let raw = a.value.to_string();
        quick_xml::escape::unescape(&raw)
            .ok()
            .map(|v| v.into_owned())
    })
}

/// An element starts inside `path`.
fn start(
    name: &str,
    e: &BytesStart<'_>,
    path: &[String],
    line: usize,
    pending: &mut Option<Pending>,
) {
    let parent = path.last().map(String::as_str);
    match (parent, name) {
        (Some("quiz"), "question") => {
            *pending = Some(Pending {
                line,
                kind: attr(e, "type").unwrap_or_default(),
                ..Pending::default()
            });
        }
        (Some("question"), "questiontext") => {
            if let Some(p) = pending {
                p.html = attr(e, "format").as_deref() == Some("html");
            }
        }
        (Some("question"), "answer") => {
            if let Some(p) = pending {
                p.answers.push(Answer {
                    fraction: attr(e, "fraction").unwrap_or_default(),
                    html: attr(e, "format").as_deref() == Some("html"),
                    ..Answer::default()
                });
            }
        }
        (Some("questiontext"), "file") => {
            if let Some(p) = pending {
                p.files
                    .push((attr(e, "name").unwrap_or_default(), String::new()));
            }
        }
        (Some("answer"), "file") => {
            if let Some(a) = pending.as_mut().and_then(|p| p.answers.last_mut()) {
                a.files
                    .push((attr(e, "name").unwrap_or_default(), String::new()));
            }
        }
        _ => {}
    }
}

/// The element at the end of `path` ends, with its text.
fn end(path: &[String], text: &str, pending: &mut Option<Pending>) {
    let Some(p) = pending else { return };
    let n = path.len();
    let tail = |k: usize| path.get(n.wrapping_sub(k)).map(String::as_str);
    match (tail(3), tail(2), tail(1)) {
        (Some("question"), Some("name"), Some("text")) => p.name = clean_opt(text),
        (Some("question"), Some("questiontext"), Some("text")) => p.text = text.to_owned(),
        (Some("question"), Some("generalfeedback"), Some("text")) => {
            p.explanation = text.to_owned();
        }
        (Some("question"), Some("category"), Some("text")) => p.category = Some(text.to_owned()),
        (_, Some("question"), Some("single")) => {
            p.single = Some(matches!(text.trim(), "true" | "1"));
        }
        (_, Some("question"), Some("idnumber")) => p.idnumber = clean_opt(text),
        (Some("question"), Some("answer"), Some("text")) => {
            if let Some(a) = p.answers.last_mut() {
                a.text = text.to_owned();
            }
        }
        (Some("answer"), Some("feedback"), Some("text")) => {
            if let Some(a) = p.answers.last_mut() {
                a.feedback = text.to_owned();
            }
        }
        (Some("tags"), Some("tag"), Some("text")) => p.tags.push(text.to_owned()),
        (Some("question"), Some("questiontext"), Some("file")) => {
            if let Some(f) = p.files.last_mut() {
                f.1 = text.to_owned();
            }
        }
        (Some("question"), Some("answer"), Some("file")) => {
            if let Some(f) = p.answers.last_mut().and_then(|a| a.files.last_mut()) {
                f.1 = text.to_owned();
            }
        }
        _ => {}
    }
}

/// The pictures an HTML text shows from its embedded files (`<img src="@@PLUGINFILE@@/…"
/// alt="…">`): each file is handed to the draft under a name unique in the file, with the
/// `<img>`'s alt text (none: refused when the pictures are read). Pictures from elsewhere
/// and files no `<img>` shows are left out, with a warning.
fn pictures(html: &str, files: &[(String, String)], line: usize, draft: &mut Draft) -> Vec<Image> {
    use base64::Engine;
    let mut images = Vec::new();
    let mut used = vec![false; files.len()];
    for (src, alt) in img_tags(html) {
        let Some(name) = src.strip_prefix("@@PLUGINFILE@@/") else {
            draft.warn(
                line,
                format!(
                    "Ảnh “{}” không nằm trong tệp (liên kết ngoài) nên bị bỏ qua; hãy đính kèm ảnh \
                     vào câu hỏi.",
                    excerpt(&src)
                ),
            );
            continue;
        };
        let name = percent_encoding::percent_decode_str(name)
            .decode_utf8_lossy()
            .into_owned();
        let Some(k) = files.iter().position(|(n, _)| *n == name) else {
            draft.problem(
                line,
                format!(
                    "Ảnh “{}” không có trong các tệp đính kèm của câu hỏi.",
                    excerpt(&name)
                ),
            );
            continue;
        };
        used[k] = true;
        let compact: String = files[k]
            .1
            .chars()
            .filter(|c| !c.is_ascii_whitespace())
            .collect();
        let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(compact.as_bytes()) else {
            draft.problem(
                line,
                format!(
                    "Tệp đính kèm “{}” không phải base64 hợp lệ.",
                    excerpt(&name)
                ),
            );
            continue;
        };
        // Two questions may attach different files under the same name.
        let key = match draft.files.get(&name) {
            Some(other) if *other != bytes => format!("{line}/{name}"),
            _ => name,
        };
        draft.files.insert(key.clone(), bytes);
        images.push(Image::named(
            &key,
            &alt.map(|a| html_text(&a)).unwrap_or_default(),
        ));
    }
    let unused = used.iter().filter(|u| !**u).count();
    if unused > 0 {
        draft.warn(
            line,
            format!(
                "Câu hỏi có {unused} tệp đính kèm không được hiển thị bằng thẻ <img> trong nội \
                 dung nên bị bỏ qua."
            ),
        );
    }
    images
}

/// The `src` and `alt` of every `<img>` tag of an HTML text, in order.
fn img_tags(html: &str) -> Vec<(String, Option<String>)> {
    let lower = html.to_ascii_lowercase();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = lower[from..].find("<img") {
        let start = from + i + 4;
        let end = lower[start..].find('>').map_or(html.len(), |k| start + k);
        let tag = &html[start..end];
        if let Some(src) = attribute(tag, "src") {
            out.push((src, attribute(tag, "alt")));
        }
        from = end;
    }
    out
}

/// An attribute's value inside a tag's text (quoted with `"` or `'`, or bare).
fn attribute(tag: &str, name: &str) -> Option<String> {
    let lower = tag.to_ascii_lowercase();
    let mut from = 0;
    while let Some(i) = lower[from..].find(name) {
        let at = from + i;
        from = at + name.len();
        let before_ok = at == 0 || lower.as_bytes()[at - 1].is_ascii_whitespace();
        let rest = lower[from..].trim_start();
        if !before_ok || !rest.starts_with('=') {
            continue;
        }
        let value_at = tag.len() - rest.len() + 1;
        let value = tag[value_at..].trim_start();
        return Some(match value.chars().next() {
            Some(q @ ('"' | '\'')) => value[1..].split(q).next().unwrap_or_default().to_owned(),
            _ => value
                .split(|c: char| c.is_ascii_whitespace())
                .next()
                .unwrap_or_default()
                .to_owned(),
        });
    }
    None
}

/// A text as cuocthi keeps it: HTML reduced to its text (tags dropped, entities
/// resolved, line breaks and paragraphs become spaces), then [`clean`].
pub(super) fn html_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find(['<', '&']) {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        if rest.starts_with('<') {
            let is_tag = rest[1..]
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '/' || c == '!');
            match rest.find('>').filter(|_| is_tag) {
                Some(close) => {
                    out.push(' ');
                    rest = &rest[close + 1..];
                }
                None => {
                    out.push('<');
                    rest = &rest[1..];
                }
            }
        } else {
            let entity = rest[1..]
                .find(';')
                .filter(|&k| k <= 10)
                .map(|k| &rest[1..=k]);
            let decoded = entity.and_then(|e| match e {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some(' '),
                _ => e
                    .strip_prefix("#x")
                    .or_else(|| e.strip_prefix("#X"))
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .or_else(|| e.strip_prefix('#').and_then(|d| d.parse().ok()))
                    .and_then(char::from_u32),
            });
            match (entity, decoded) {
                (Some(e), Some(c)) => {
                    out.push(c);
                    rest = &rest[e.len() + 2..];
                }
                _ => {
                    out.push('&');
                    rest = &rest[1..];
                }
            }
        }
    }
    out.push_str(rest);
    clean(&out)
}

/// A weight in percent as Moodle writes it in GIFT: `50`, `-100`, `33.33333`.
pub(super) fn weight_text(w: f64) -> String {
    let s = format!("{w:.5}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_owned()
    } else {
        s.to_owned()
    }
}

fn finish(p: Pending, topic: &mut String, draft: &mut Draft) {
    let line = p.line;
    let text_of = |s: &str, html: bool| if html { html_text(s) } else { clean(s) };
    let skip_reason = |kind: &str| {
        format!("Bỏ qua câu hỏi loại “{kind}”: cuộc thi chỉ dùng câu hỏi trắc nghiệm và đúng/sai.")
    };
    let (kind, choices, partial) = match p.kind.as_str() {
        "category" => {
            if let Some(path) = &p.category {
                *topic = category_topic(path.trim());
            }
            return;
        }
        "multichoice" => {
            let single = p.single.unwrap_or(true);
            let mut partial = false;
            let mut choices = Vec::new();
            for a in &p.answers {
                let w: f64 = a.fraction.trim().parse().unwrap_or(0.0);
                let full = (w - 100.0).abs() < 1e-9;
                partial |= single && w > 0.0 && !full;
                choices.push(Choice {
                    images: pictures(&a.text, &a.files, line, draft),
                    text: text_of(&a.text, a.html),
                    correct: if single { full } else { w > 0.0 },
                    feedback: clean_opt(&text_of(&a.feedback, true)),
                    weight: Some(weight_text(w)),
                });
            }
            let kind = if single { Kind::Single } else { Kind::Multiple };
            if single {
                // `=` options carry no weight in GIFT: a full mark says no more than `correct`.
                for c in &mut choices {
                    if c.correct {
                        c.weight = None;
                    }
                }
                let right = choices.iter().filter(|c| c.correct).count();
                if right > 1 {
                    draft.skipped.push(Skipped {
                        line,
                        reason: format!(
                            "Bỏ qua câu hỏi một lựa chọn có {right} phương án cùng được trọn \
                             điểm: trong cuộc thi, câu hỏi một lựa chọn chỉ có một phương án đúng."
                        ),
                    });
                    return;
                }
            }
            drop_plain_weights(kind, &mut choices);
            (kind, choices, partial)
        }
        "truefalse" => {
            let answer = |value: &str| {
                p.answers
                    .iter()
                    .find(|a| clean(&html_text(&a.text)).eq_ignore_ascii_case(value))
            };
            let (t, f) = (answer("true"), answer("false"));
            let verdict = t.is_some_and(|a| a.fraction.trim().parse::<f64>().unwrap_or(0.0) > 0.0);
            let feedback = |a: Option<&Answer>| a.and_then(|a| clean_opt(&html_text(&a.feedback)));
            (
                Kind::TrueFalse,
                vec![
                    Choice {
                        images: Vec::new(),
                        text: TRUE_TEXT.to_owned(),
                        correct: verdict,
                        feedback: feedback(t),
                        weight: None,
                    },
                    Choice {
                        images: Vec::new(),
                        text: FALSE_TEXT.to_owned(),
                        correct: !verdict,
                        feedback: feedback(f),
                        weight: None,
                    },
                ],
                false,
            )
        }
        other => {
            let kind = if other.is_empty() { "?" } else { other };
            draft.skipped.push(Skipped {
                line,
                reason: skip_reason(&excerpt(kind)),
            });
            return;
        }
    };
    if partial {
        draft.warn(
            line,
            "Câu hỏi có phương án được một phần điểm: cuộc thi chấm trọn câu nên chỉ phương án \
             trọn điểm là đúng, phương án một phần điểm tính là sai. Trọng số vẫn được giữ khi \
             xuất lại.",
        );
    }
    let images = pictures(&p.text, &p.files, line, draft);
    draft.bank.questions.push(Question {
        images,
        key: p.idnumber.or(p.name),
        topic: topic.clone(),
        difficulty: Difficulty::Medium,
        kind,
        text: text_of(&p.text, p.html),
        choices,
        explanation: clean_opt(&html_text(&p.explanation)),
        source: None,
        tags: clean_tags(p.tags),
        line,
    });
}

#[cfg(test)]
mod tests;

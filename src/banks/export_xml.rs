//! Export of a bank to Moodle XML, the inverse of the `moodle_xml` importer:
//! `parse(MoodleXml, to_moodle_xml(b))` gives `b` back (code and title from the form;
//! the description has no place in the format; difficulty and source neither, so they
//! come back as `medium` and none).

use std::collections::HashMap;
use std::fmt::Write;

use base64::Engine;

use super::model::{Bank, Image, Kind, Question};
use super::moodle_xml::weight_text;

/// Writes a bank as a Moodle XML `<quiz>`: a category question whenever the topic changes
/// (`$course$/top/<topic>`), then each question as `multichoice` or `truefalse`, texts in
/// `format="html"` (escaped, so they read back as written), the key as `<name>`, the
/// explanation as `<generalfeedback>`, tags as `<tags>`, and the weights a Moodle file gave
/// written back as fractions.
pub fn to_moodle_xml(bank: &Bank) -> String {
    to_moodle_xml_with(bank, &HashMap::new())
}

/// [`to_moodle_xml`], with the pictures of questions and options: each shown by an
/// `<img src="@@PLUGINFILE@@/<name>" alt="…">` after its text and embedded as a base64
/// `<file>`, as Moodle exports them. `files` holds the stored pictures by name.
pub fn to_moodle_xml_with(bank: &Bank, files: &HashMap<String, Vec<u8>>) -> String {
    let mut out = String::with_capacity(256 + bank.questions.len() * 800);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<quiz>\n");
    let mut topic: Option<&str> = None;
    for q in &bank.questions {
        if topic != Some(q.topic.as_str()) {
            let _ = write!(
                out,
                "  <question type=\"category\">\n    <category><text>{}</text></category>\n  \
                 </question>\n",
                xml(&format!("$course$/top/{}", q.topic.replace('/', "//")))
            );
            topic = Some(&q.topic);
        }
        question(&mut out, q, files);
    }
    out.push_str("</quiz>\n");
    out
}

fn question(out: &mut String, q: &Question, files: &HashMap<String, Vec<u8>>) {
    let kind = if q.kind == Kind::TrueFalse {
        "truefalse"
    } else {
        "multichoice"
    };
    let _ = writeln!(out, "  <question type=\"{kind}\">");
    if let Some(key) = &q.key {
        let _ = writeln!(out, "    <name><text>{}</text></name>", xml(key));
    }
    let _ = writeln!(
        out,
        "    <questiontext format=\"html\"><text>{}</text>{}</questiontext>",
        xml(&with_pictures(&q.text, &q.images)),
        embedded(&q.images, files)
    );
    if let Some(e) = &q.explanation {
        let _ = writeln!(
            out,
            "    <generalfeedback format=\"html\"><text>{}</text></generalfeedback>",
            html(e)
        );
    }
    if q.kind == Kind::TrueFalse {
        for (i, value) in ["true", "false"].iter().enumerate() {
            let c = q.choices.get(i);
            let fraction = if c.is_some_and(|c| c.correct) { 100 } else { 0 };
            let _ = write!(
                out,
                "    <answer fraction=\"{fraction}\" format=\"moodle_auto_format\"><text>{value}</text>"
            );
            feedback(out, c.and_then(|c| c.feedback.as_deref()));
            out.push_str("</answer>\n");
        }
    } else {
        let single = q.kind == Kind::Single;
        let _ = writeln!(out, "    <single>{single}</single>");
        let right = q.choices.iter().filter(|c| c.correct).count().max(1);
        for c in &q.choices {
            let fraction = match &c.weight {
                Some(w) => w.clone(),
                None if c.correct && single => "100".to_owned(),
                None if c.correct => weight_text(100.0 / right as f64),
                None if single || q.choices.iter().any(|c| c.weight.is_some()) => "0".to_owned(),
                None => "-100".to_owned(),
            };
            let _ = write!(
                out,
                "    <answer fraction=\"{fraction}\" format=\"html\"><text>{}</text>{}",
                xml(&with_pictures(&c.text, &c.images)),
                embedded(&c.images, files)
            );
            feedback(out, c.feedback.as_deref());
            out.push_str("</answer>\n");
        }
    }
    if !q.tags.is_empty() {
        out.push_str("    <tags>");
        for t in &q.tags {
            let _ = write!(out, "<tag><text>{}</text></tag>", xml(t));
        }
        out.push_str("</tags>\n");
    }
    out.push_str("  </question>\n");
}

fn feedback(out: &mut String, text: Option<&str>) {
    if let Some(f) = text {
        let _ = write!(
            out,
            "<feedback format=\"html\"><text>{}</text></feedback>",
            html(f)
        );
    }
}

/// A plain text as HTML, followed by its pictures' `<img>` tags.
fn with_pictures(text: &str, images: &[Image]) -> String {
    let mut out = xml(text);
    for image in images {
        let _ = write!(
            out,
            "<p><img src=\"@@PLUGINFILE@@/{}\" alt=\"{}\" width=\"{}\" height=\"{}\"></p>",
            xml(&image.file),
            xml(&image.alt),
            image.width,
            image.height
        );
    }
    out
}

/// The `<file>` elements of pictures, once each.
fn embedded(images: &[Image], files: &HashMap<String, Vec<u8>>) -> String {
    let mut out = String::new();
    let mut seen = Vec::new();
    for image in images {
        if seen.contains(&&image.file) {
            continue;
        }
        seen.push(&image.file);
        if let Some(bytes) = files.get(&image.file) {
            let _ = write!(
                out,
                "<file name=\"{}\" path=\"/\" encoding=\"base64\">{}</file>",
                xml(&image.file),
                base64::engine::general_purpose::STANDARD.encode(bytes)
            );
        }
    }
    out
}

/// XML character data.
fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A plain text as HTML, as XML character data.
fn html(s: &str) -> String {
    xml(&xml(s))
}

//! Moodle XML import and export, on a Moodle-shaped export.

use super::super::{Format, parse, synthetic_bank, to_moodle_xml};
use super::*;

const EXPORT: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<quiz>
<!-- question: 0  -->
  <question type="category">
<category>
  <text>$course$/top/Cổng Dịch vụ công</text>
</category>
  </question>
  <question type="multichoice">
<name>
  <text>dvc-kenh</text>
</name>
<questiontext format="html">
  <text><![CDATA[<p>Hồ sơ nộp <b>trực tuyến</b> qua kênh nào?</p>]]></text>
  <file name="buoc-2.png" path="/" encoding="base64">iVBORw0KGgo=</file>
</questiontext>
<generalfeedback format="html">
  <text>&lt;p&gt;Xem Điều 9.&lt;/p&gt;</text>
</generalfeedback>
<single>true</single>
<answer fraction="100" format="html">
  <text>Cổng Dịch vụ công quốc gia</text>
  <feedback format="html"><text>Đúng.</text></feedback>
</answer>
<answer fraction="50" format="html"><text>Zalo</text></answer>
<answer fraction="0" format="html"><text>Thư tay &amp; fax</text></answer>
<tags><tag><text>kênh</text></tag></tags>
<idnumber>DVC-01</idnumber>
  </question>
  <question type="multichoice">
<name><text>chon-nhieu</text></name>
<questiontext format="moodle_auto_format"><text>Chọn các cổng</text></questiontext>
<single>false</single>
<answer fraction="50"><text>A</text></answer>
<answer fraction="50"><text>B</text></answer>
<answer fraction="-100"><text>C</text></answer>
  </question>
  <question type="truefalse">
<name><text>tf</text></name>
<questiontext format="html"><text>Kết quả điện tử có giá trị pháp lý.</text></questiontext>
<answer fraction="100" format="moodle_auto_format"><text>true</text><feedback><text>Đúng vậy</text></feedback></answer>
<answer fraction="0" format="moodle_auto_format"><text>false</text></answer>
  </question>
  <question type="essay">
<name><text>tu-luan</text></name>
<questiontext format="html"><text>Ý kiến?</text></questiontext>
  </question>
</quiz>
"#;

fn meta() -> BankMeta {
    BankMeta::new("moodle-xml", "Moodle XML")
}

#[test]
fn a_moodle_export_imports_with_moodles_meaning() {
    let parsed = match parse(Format::MoodleXml, EXPORT.as_bytes(), &meta()) {
        Ok(p) => p,
        Err(e) => panic!("{e:#?}"),
    };
    let b = &parsed.bank;
    assert_eq!(b.questions.len(), 3);
    let q = &b.questions[0];
    assert_eq!(q.key.as_deref(), Some("DVC-01"));
    assert_eq!(q.topic, "Cổng Dịch vụ công");
    assert_eq!(q.kind, Kind::Single);
    assert_eq!(q.text, "Hồ sơ nộp trực tuyến qua kênh nào?");
    assert_eq!(q.explanation.as_deref(), Some("Xem Điều 9."));
    assert_eq!(q.tags, ["kênh"]);
    let c: Vec<(&str, bool, Option<&str>)> = q
        .choices
        .iter()
        .map(|c| (c.text.as_str(), c.correct, c.weight.as_deref()))
        .collect();
    assert_eq!(
        c,
        [
            ("Cổng Dịch vụ công quốc gia", true, None),
            ("Zalo", false, Some("50")),
            ("Thư tay & fax", false, Some("0")),
        ]
    );
    let multi = &b.questions[1];
    assert_eq!(multi.kind, Kind::Multiple);
    assert_eq!(
        multi.choices.iter().map(|c| c.correct).collect::<Vec<_>>(),
        [true, true, false]
    );
    assert_eq!(b.questions[2].true_false_answer(), Some(true));
    assert_eq!(parsed.skipped.len(), 1);
    assert!(parsed.skipped[0].reason.contains("essay"));
    // Partial credit and the (not yet supported) embedded picture are warnings.
    assert_eq!(parsed.warnings.len(), 2, "{:#?}", parsed.warnings);

    // Round trip: exported and imported again, the same bank.
    let again = parse(Format::MoodleXml, to_moodle_xml(b).as_bytes(), &meta())
        .map(|p| p.bank)
        .unwrap_or_else(|e| panic!("{e:#?}"));
    assert!(again.same_content(b), "{again:#?}\n{b:#?}");
}

#[test]
fn a_bank_round_trips_through_moodle_xml() {
    let mut bank = synthetic_bank(60);
    bank.description = None;
    bank.code = "moodle-xml".into();
    bank.title = "Moodle XML".into();
    for q in &mut bank.questions {
        // What Moodle XML cannot carry.
        q.difficulty = Difficulty::Medium;
        q.source = None;
    }
    bank.questions[0].text = "a < b & \"c\" <b>không phải thẻ</b>".into();
    let again = parse(Format::MoodleXml, to_moodle_xml(&bank).as_bytes(), &meta())
        .map(|p| p.bank)
        .unwrap_or_else(|e| panic!("{e:#?}"));
    assert!(again.same_content(&bank));
}

#[test]
fn entities_and_doctypes_are_refused() {
    let bomb = "<?xml version=\"1.0\"?><!DOCTYPE q [<!ENTITY a \"aaaa\"><!ENTITY b \
                \"&a;&a;&a;\">]><quiz><question type=\"truefalse\"><questiontext><text>&b;\
                </text></questiontext></question></quiz>";
    let problems = parse(Format::MoodleXml, bomb.as_bytes(), &meta())
        .err()
        .unwrap_or_default();
    assert!(problems[0].message.contains("DOCTYPE"), "{problems:#?}");
    let unknown = "<quiz><question type=\"truefalse\"><questiontext><text>&nbsp;</text>\
                   </questiontext></question></quiz>";
    let problems = parse(Format::MoodleXml, unknown.as_bytes(), &meta())
        .err()
        .unwrap_or_default();
    assert!(problems[0].message.contains("&nbsp;"), "{problems:#?}");
    let broken = "<quiz><question type=\"truefalse\">\n<text></quiz>";
    let problems = parse(Format::MoodleXml, broken.as_bytes(), &meta())
        .err()
        .unwrap_or_default();
    assert_eq!(problems[0].line, 2, "{problems:#?}");
}

use super::super::{Bank, BankMeta, Format, parse};
use super::*;

fn ok(src: &str) -> Bank {
    match parse(Format::Toml, src.as_bytes(), &BankMeta::default()) {
        Ok(p) => p.bank,
        Err(problems) => panic!("unexpected problems: {problems:#?}"),
    }
}

fn problems(src: &str) -> Vec<(usize, String)> {
    match parse(Format::Toml, src.as_bytes(), &BankMeta::default()) {
        Ok(p) => panic!("expected problems, got {:#?}", p.bank),
        Err(problems) => problems.into_iter().map(|p| (p.line, p.message)).collect(),
    }
}

const EXAMPLE: &str = r#"
code = "dvc-2024"
title = "Dịch vụ công trực tuyến"
description = "Cuộc thi tìm hiểu Nghị định 45/2020/NĐ-CP"

[[questions]]
id = "q1"
topic = "Dịch vụ công"
difficulty = "easy"
kind = "single"
text = "Nghị định 45/2020/NĐ-CP quy định về việc gì?"
options = [
  { text = "Thực hiện thủ tục hành chính trên môi trường điện tử", correct = true, feedback = "Chính xác." },
  { text = "Thuế thu nhập cá nhân" },
]
explanation = "Xem Điều 1."
source = "Điều 1 Nghị định 45/2020/NĐ-CP"
tags = ["nghị định", "  ", "nghị định", "phạm vi"]

[[questions]]
topic = "Dịch vụ công"
difficulty = "khó"
kind = "true_false"
text = "Kết quả điện tử có giá trị pháp lý như bản giấy."
answer = true
false_feedback = "Xem Điều 25."
"#;

#[test]
fn parses_example() {
    let b = ok(EXAMPLE);
    assert_eq!(b.code, "dvc-2024");
    assert_eq!(b.title, "Dịch vụ công trực tuyến");
    assert_eq!(
        b.description.as_deref(),
        Some("Cuộc thi tìm hiểu Nghị định 45/2020/NĐ-CP")
    );
    assert_eq!(b.questions.len(), 2);
    let q = &b.questions[0];
    assert_eq!(q.key.as_deref(), Some("q1"));
    assert_eq!(q.line, 6);
    assert_eq!(q.difficulty, Difficulty::Easy);
    assert_eq!(q.kind, Kind::Single);
    assert_eq!(q.choices.len(), 2);
    assert!(q.choices[0].correct && !q.choices[1].correct);
    assert_eq!(q.choices[0].feedback.as_deref(), Some("Chính xác."));
    assert_eq!(q.tags, vec!["nghị định", "phạm vi"]);
    let tf = &b.questions[1];
    assert_eq!(tf.line, 20);
    assert_eq!(tf.difficulty, Difficulty::Hard);
    assert_eq!(tf.true_false_answer(), Some(true));
    assert_eq!(
        tf.choices,
        vec![
            Choice {
                images: Vec::new(),
                text: "Đúng".into(),
                correct: true,
                feedback: None,
                weight: None,
            },
            Choice {
                images: Vec::new(),
                text: "Sai".into(),
                correct: false,
                feedback: Some("Xem Điều 25.".into()),
                weight: None,
            },
        ]
    );
}

#[test]
fn file_code_wins_over_meta_and_meta_is_fallback() {
    let meta = BankMeta::new("khac", "Khác");
    let p = parse(Format::Toml, EXAMPLE.as_bytes(), &meta).map(|p| p.bank.code);
    assert_eq!(p, Ok("dvc-2024".to_owned()));
    let no_code = EXAMPLE.replace("code = \"dvc-2024\"", "");
    let p = parse(Format::Toml, no_code.as_bytes(), &meta).map(|p| p.bank.code);
    assert_eq!(p, Ok("khac".to_owned()));
    let got = problems(&no_code);
    assert_eq!(got.len(), 1);
    assert!(got[0].1.starts_with("Thiếu mã ngân hàng câu hỏi"));
}

#[test]
fn syntax_error_has_line() {
    let got = problems("code = \"a\"\ntitle = \"b\"\n\n[[questions]]\ntext = \"x\n");
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].0, 5);
    assert!(got[0].1.starts_with("Lỗi cú pháp TOML"));
}

#[test]
fn unknown_keys_and_bad_values_are_all_reported() {
    let src = r#"code = "a"
title = "b"
colour = "red"

[[questions]]
topic = "T"
difficulty = "very hard"
kind = "single"
text = "Câu một?"
options = [{ text = "A", correct = true, points = 2 }, { text = "B" }]
answer = true

[[questions]]
topic = "T"
difficulty = "easy"
kind = "choice"
text = "Câu hai?"
options = []

[[questions]]
topic = "T"
difficulty = "easy"
kind = "true_false"
text = "Câu ba?"
options = [{ text = "Đúng" }]
"#;
    let got = problems(src);
    let lines: Vec<usize> = got.iter().map(|p| p.0).collect();
    assert_eq!(lines, vec![3, 5, 5, 5, 13, 20, 20], "{got:#?}");
    let all = got
        .iter()
        .map(|p| p.1.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    for needle in [
        "Khóa “colour” không hợp lệ ở đầu tệp",
        "Độ khó “very hard” không hợp lệ",
        "Phương án thứ 1: khóa “points” không hợp lệ",
        "Khóa “answer” chỉ dùng cho câu hỏi đúng/sai",
        "Loại câu hỏi “choice” không hợp lệ",
        "Câu hỏi đúng/sai dùng answer = true hoặc false, không dùng options.",
        "Câu hỏi đúng/sai thiếu khóa “answer”",
    ] {
        assert!(all.contains(needle), "missing {needle:?} in\n{all}");
    }
}

#[test]
fn missing_required_keys() {
    let got = problems("code = \"a\"\ntitle = \"b\"\n[[questions]]\ntext = 3\n");
    let msgs: Vec<&str> = got.iter().map(|p| p.1.as_str()).collect();
    assert_eq!(
        msgs,
        vec![
            "Khóa “text” phải là chuỗi văn bản (\"…\").",
            "Câu hỏi thiếu khóa “topic”.",
            "Câu hỏi thiếu khóa “difficulty”.",
            "Câu hỏi thiếu khóa “kind”.",
        ]
    );
    assert!(got.iter().all(|p| p.0 == 3));
}

/// An 80-question bank; when `bad` is set, question `bad` gets two correct options.
fn eighty(bad: Option<usize>) -> (String, usize) {
    let mut src = String::from("code = \"tinh-a\"\ntitle = \"Tỉnh A\"\n");
    let mut bad_line = 0;
    for i in 1..=80 {
        src.push('\n');
        if Some(i) == bad {
            bad_line = src.lines().count() + 1;
        }
        let second = Some(i) == bad;
        src.push_str(&format!(
            "[[questions]]\nid = \"q{i}\"\ntopic = \"Chủ đề {}\"\ndifficulty = \"medium\"\n\
             kind = \"single\"\ntext = \"Câu hỏi số {i} về thủ tục hành chính?\"\n\
             options = [\n  {{ text = \"Đáp án đúng\", correct = true }},\n  \
             {{ text = \"Đáp án sai\", correct = {second} }},\n]\n",
            i % 5
        ));
    }
    (src, bad_line)
}

#[test]
fn eighty_questions_with_an_error_in_question_40() {
    let (valid, _) = eighty(None);
    let bank = ok(&valid);
    assert_eq!(bank.questions.len(), 80);
    assert_eq!(bank.questions[39].line, 4 + 39 * 11);

    let (src, line_of_40) = eighty(Some(40));
    assert_eq!(line_of_40, 4 + 39 * 11);
    assert_eq!(src.lines().nth(line_of_40 - 1), Some("[[questions]]"));
    let got = problems(&src);
    assert_eq!(got.len(), 1, "{got:#?}");
    assert_eq!(got[0].0, line_of_40);
    assert!(got[0].1.contains("có 2 phương án đúng"), "{}", got[0].1);
}

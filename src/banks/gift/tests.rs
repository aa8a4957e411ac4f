use super::super::{Bank, Format, parse};
use super::*;

const FIXTURE: &str = include_str!("../fixtures/moodle.gift");

fn meta() -> BankMeta {
    BankMeta::new("gift-demo", "Ngân hàng GIFT")
}

fn bank(src: &str) -> (Bank, Vec<Skipped>) {
    match parse(Format::Gift, src.as_bytes(), &meta()) {
        Ok(p) => (p.bank, p.skipped),
        Err(problems) => panic!("unexpected problems: {problems:#?}"),
    }
}

fn c(text: &str, correct: bool, feedback: Option<&str>) -> Choice {
    Choice {
        images: Vec::new(),
        text: text.to_owned(),
        correct,
        feedback: feedback.map(str::to_owned),
        weight: None,
    }
}

fn q(
    (line, key, topic, difficulty): (usize, Option<&str>, &str, Difficulty),
    (kind, text): (Kind, &str),
    choices: Vec<Choice>,
    explanation: Option<&str>,
) -> Question {
    Question {
        images: Vec::new(),
        key: key.map(str::to_owned),
        topic: topic.to_owned(),
        difficulty,
        kind,
        text: text.to_owned(),
        choices,
        explanation: explanation.map(str::to_owned),
        source: None,
        tags: vec![],
        line,
    }
}

#[test]
fn moodle_fixture_imports_exactly() {
    let (bank, skipped) = bank(FIXTURE);
    assert_eq!(bank.code, "gift-demo");
    assert_eq!(bank.title, "Ngân hàng GIFT");

    let skipped: Vec<(usize, &str)> = skipped
        .iter()
        .map(|s| (s.line, s.reason.as_str()))
        .collect();
    assert_eq!(
        skipped,
        vec![
            (
                4,
                "Bỏ qua đoạn mô tả (description): không có khối đáp án { … }."
            ),
            (
                39,
                "Bỏ qua câu hỏi trả lời ngắn (short answer): cuộc thi chỉ dùng câu hỏi \
                 trắc nghiệm và đúng/sai."
            ),
            (
                41,
                "Bỏ qua câu hỏi ghép đôi (matching): cuộc thi chỉ dùng câu hỏi trắc nghiệm \
                 và đúng/sai."
            ),
            (
                47,
                "Bỏ qua câu hỏi dạng số (numerical): cuộc thi chỉ dùng câu hỏi trắc nghiệm \
                 và đúng/sai."
            ),
            (
                49,
                "Bỏ qua câu hỏi tự luận (essay): cuộc thi chỉ dùng câu hỏi trắc nghiệm và \
                 đúng/sai."
            ),
            (
                51,
                "Bỏ qua câu hỏi trả lời ngắn (short answer): cuộc thi chỉ dùng câu hỏi \
                 trắc nghiệm và đúng/sai."
            ),
        ]
    );

    let mut expected = [
        q(
            (11, Some("Q1"), "Dịch vụ công", Difficulty::Easy),
            (Kind::Single, "Nghị định 45/2020/NĐ-CP quy định về việc gì?"),
            vec![
                c(
                    "Thực hiện thủ tục hành chính trên môi trường điện tử",
                    true,
                    Some("Chính xác!"),
                ),
                c("Thuế thu nhập cá nhân", false, Some("Không đúng.")),
                c("Đăng ký kết hôn", false, None),
            ],
            Some("Xem Điều 1 của Nghị định."),
        ),
        q(
            (19, Some("Q2"), "Dịch vụ công", Difficulty::Hard),
            (
                Kind::Multiple,
                "Những kênh nào dùng để nộp hồ sơ trực tuyến?",
            ),
            vec![
                c("Cổng Dịch vụ công quốc gia", true, Some("Đúng một phần.")),
                c("Cổng dịch vụ công cấp tỉnh", true, None),
                c("Gửi thư tay", false, Some("Không phải trực tuyến.")),
            ],
            None,
        ),
        q(
            (27, None, "Chủ đề A/B", Difficulty::Medium),
            (
                Kind::TrueFalse,
                "Kết quả giải quyết thủ tục hành chính điện tử có giá trị pháp lý như bản giấy.",
            ),
            vec![
                c("Đúng", true, Some("Đúng vậy: xem Điều 25.")),
                c("Sai", false, Some("Chưa đúng.")),
            ],
            None,
        ),
        q(
            (29, Some("Q4"), "Chủ đề A/B", Difficulty::Medium),
            (
                Kind::TrueFalse,
                "Công dân phải đến trực tiếp cơ quan để nộp mọi hồ sơ.",
            ),
            vec![c("Đúng", false, None), c("Sai", true, None)],
            Some("Có thể nộp trực tuyến."),
        ),
        q(
            (32, None, "Chủ đề A/B", Difficulty::Medium),
            (
                Kind::Single,
                "Ký tự đặc biệt: {ngoặc}, ~ngã, =bằng, #thăng và a:b; \\ là gạch chéo ngược?",
            ),
            vec![
                c("= là dấu bằng", true, None),
                c("~ là dấu ngã", false, None),
            ],
            None,
        ),
        q(
            (34, None, "Chủ đề A/B", Difficulty::Medium),
            (
                Kind::Single,
                "<p>Cổng <b>Dịch vụ công</b> quốc gia</p> có địa chỉ _____ trên Internet.",
            ),
            vec![
                c("dichvucong.gov.vn", true, None),
                c("example.com", false, None),
            ],
            None,
        ),
        q(
            (36, None, "Chủ đề A/B", Difficulty::Medium),
            (Kind::Multiple, "Một dòng xuống dòng thành khoảng trắng."),
            vec![c("A", true, None), c("B", true, None)],
            None,
        ),
    ];
    expected[0].source = Some("Điều 1 Nghị định 45/2020/NĐ-CP".to_owned());
    expected[0].tags = vec!["nghị định".to_owned(), "phạm vi [1]".to_owned()];
    // Compare one by one for readable failures.
    assert_eq!(
        bank.questions.len(),
        expected.len(),
        "{:#?}",
        bank.questions
    );
    for (got, want) in bank.questions.iter().zip(&expected) {
        assert_eq!(got, want);
    }
}

#[test]
fn problems_do_not_hide_each_other() {
    let src = "Câu một? {=A ~B\n\n::Q2 Câu hai {=A ~B}\n\n// difficulty: rất khó\nCâu ba? \
               {=A ~B}\n\nCâu bốn? {=A ~B} tiếp {x}\n\nrác {=A ~B}\n\nCâu năm {rác =A ~B}\n";
    let problems = match parse(Format::Gift, src.as_bytes(), &meta()) {
        Ok(p) => panic!("expected problems, got {:#?}", p.bank),
        Err(p) => p,
    };
    let got: Vec<(usize, &str)> = problems
        .iter()
        .map(|p| (p.line, p.message.as_str()))
        .collect();
    assert_eq!(got.len(), 5, "{got:#?}");
    assert_eq!(got[0].0, 1);
    assert!(got[0].1.starts_with("Thiếu dấu “{” hoặc “}”"));
    assert_eq!(got[1].0, 3);
    assert!(got[1].1.starts_with("Tên câu hỏi mở bằng “::”"));
    assert_eq!(got[2].0, 6);
    assert!(got[2].1.starts_with("Độ khó “rất khó”"));
    assert_eq!(got[3].0, 8);
    assert!(got[3].1.starts_with("Câu hỏi có nhiều hơn một khối"));
    assert_eq!(got[4].0, 12);
    assert!(
        got[4]
            .1
            .starts_with("Có nội dung “rác” trước phương án đầu tiên")
    );
}

#[test]
fn weights_and_kinds() {
    let (b, skipped) = bank(
        "A? {~%100%x ~y}\n\nB? {=x =y ~z}\n\nC? {=x ~%0%%50% giảm ~%-33.3%z}\n\n\
         D? {~%33.33333%x ~%33.33333%y ~%33.33333%z ~%-100%w}\n\nE? {~sai ~%50%nửa =đủ}\n",
    );
    let kinds: Vec<Kind> = b.questions.iter().map(|q| q.kind).collect();
    assert_eq!(
        kinds,
        vec![Kind::Multiple, Kind::Single, Kind::Multiple, Kind::Single]
    );
    // `{=x =y ~z}` is, for Moodle, a single-answer question where x and y are both right:
    // not a cuocthi question, so it is skipped with its line, never reinterpreted.
    assert_eq!(skipped.len(), 1);
    assert_eq!(skipped[0].line, 3);
    assert!(
        skipped[0]
            .reason
            .contains("2 phương án cùng được trọn điểm")
    );
    let c = &b.questions[1].choices;
    assert_eq!(c[1].text, "%50% giảm");
    assert_eq!(
        c.iter().map(|c| c.weight.as_deref()).collect::<Vec<_>>(),
        vec![None, Some("0"), Some("-33.3")]
    );
    let correct: Vec<bool> = b.questions[2].choices.iter().map(|c| c.correct).collect();
    assert_eq!(correct, vec![true, true, true, false]);
    // The canonical weights of a select-all question say nothing more than `correct`.
    assert!(b.questions[2].choices.iter().all(|c| c.weight.is_none()));
    // Partial credit in a single-answer question: only the `=` option is right.
    let e = &b.questions[3];
    let correct: Vec<bool> = e.choices.iter().map(|c| c.correct).collect();
    assert_eq!(correct, vec![false, false, true]);
    assert_eq!(e.choices[1].weight.as_deref(), Some("50"));
}

#[test]
fn category_paths() {
    assert_eq!(category_topic(" $course$/top/Chủ đề A "), "Chủ đề A");
    assert_eq!(category_topic("$course$/top/A//B"), "A/B");
    assert_eq!(category_topic("Chỉ một"), "Chỉ một");
    assert_eq!(category_topic("$course$/top/"), DEFAULT_TOPIC);
    assert_eq!(category_topic(""), DEFAULT_TOPIC);
}

#[test]
fn tags_in_comments() {
    assert_eq!(
        comment_tags("[id:x] [tag:a] [tag: b\\]c ] [tag:d\\\\] [tag:"),
        vec!["a", "b]c", "d\\"]
    );
}

//! Moodle's own importer test inputs (`tests/fixtures/moodle/`, see its README for their
//! origin), read by cuocthi with the results Moodle's tests assert.
//!
//! Where cuocthi differs on purpose the test says so: it runs only multiple-choice and
//! true/false questions (Moodle's essay, matching, numerical and short-answer questions are
//! skipped with their line and reason), it stores plain text (Moodle stores the HTML
//! escape `&lt;` of an Aiken `<`), and it scores all or nothing (partial credit is kept
//! for export but scores 0).

use super::model::Warning;
use super::{Bank, BankMeta, Format, Kind, Parsed, parse, to_gift};

const GIFT_QUESTIONS: &str = include_str!("../../tests/fixtures/moodle/questions.gift.txt");
const GIFT_IN_CATEGORY: &str =
    include_str!("../../tests/fixtures/moodle/questions_in_category.gift.txt");
const GIFT_EXAMPLES: &str = include_str!("../../tests/fixtures/moodle/examples.txt");
const AIKEN_QUESTIONS: &str = include_str!("../../tests/fixtures/moodle/questions.aiken.txt");
const AIKEN_ERRORS: &str = include_str!("../../tests/fixtures/moodle/aiken_errors.txt");

fn meta() -> BankMeta {
    BankMeta::new("moodle", "Moodle")
}

fn ok(format: Format, src: &str) -> Parsed {
    match parse(format, src.as_bytes(), &meta()) {
        Ok(p) => p,
        Err(e) => panic!("{format}: {e:#?}"),
    }
}

fn correct(bank: &Bank, i: usize) -> Vec<bool> {
    bank.questions[i]
        .choices
        .iter()
        .map(|c| c.correct)
        .collect()
}

fn texts(bank: &Bank, i: usize) -> Vec<&str> {
    bank.questions[i]
        .choices
        .iter()
        .map(|c| c.text.as_str())
        .collect()
}

fn feedback(bank: &Bank, i: usize) -> Vec<Option<&str>> {
    bank.questions[i]
        .choices
        .iter()
        .map(|c| c.feedback.as_deref())
        .collect()
}

/// Exported to GIFT and imported again, the bank is the same: no question changes
/// meaning on the way out.
fn assert_round_trip(parsed: &Parsed) {
    let again = ok(Format::Gift, &to_gift(&parsed.bank));
    assert!(again.skipped.is_empty());
    assert!(
        again.bank.same_content(&parsed.bank),
        "{:#?}\n{:#?}",
        again.bank,
        parsed.bank
    );
}

/// `giftformat_test.php`: test_import_multichoice, test_import_multichoice_multi,
/// test_import_truefalse, test_import_truefalse_true_answer1/2 — over the fixture that
/// holds them all (with Moodle's nine questions, two of them repeated).
#[test]
fn moodle_gift_fixture_imports_with_moodles_meaning() {
    let parsed = ok(Format::Gift, GIFT_QUESTIONS);
    let bank = &parsed.bank;
    let skipped: Vec<usize> = parsed.skipped.iter().map(|s| s.line).collect();
    // Essay (Q8), matching, numerical (Q5) and short answer are not contest questions.
    assert_eq!(skipped, vec![2, 5, 31, 34]);
    assert_eq!(bank.questions.len(), 5);

    // test_import_multichoice: single, fraction (1, 0, 0), format markers dropped.
    let q = &bank.questions[0];
    assert_eq!(q.key.as_deref(), Some("Q2"));
    assert_eq!(q.kind, Kind::Single);
    assert_eq!(q.text, "What's between orange and green in the spectrum?");
    assert_eq!(texts(bank, 0), ["yellow", "red", "blue"]);
    assert_eq!(correct(bank, 0), [true, false, false]);
    assert_eq!(
        feedback(bank, 0),
        [
            Some("right; good!"),
            Some("wrong, it's yellow"),
            Some("wrong, it's yellow")
        ]
    );

    // test_import_multichoice_multi: multiple, fraction (0.5, -1, 0.5, -1).
    let q = &bank.questions[1];
    assert_eq!(q.key.as_deref(), Some("colours"));
    assert_eq!(q.kind, Kind::Multiple);
    assert_eq!(texts(bank, 1), ["yellow", "red", "off-beige", "blue"]);
    assert_eq!(correct(bank, 1), [true, false, true, false]);
    assert_eq!(
        feedback(bank, 1),
        [
            Some("right; good!"),
            Some("wrong"),
            Some("right; good!"),
            Some("wrong")
        ]
    );

    // test_import_truefalse: correctanswer 0; feedbacktrue / feedbackfalse; the general
    // feedback is the explanation. The fixture leaves `";` after the block, which Moodle
    // (and cuocthi) read as a missing-word question.
    let q = &bank.questions[2];
    assert_eq!(q.key.as_deref(), Some("Q1"));
    assert_eq!(q.kind, Kind::TrueFalse);
    assert_eq!(q.text, "42 is the Absolute Answer to everything._____\";");
    assert_eq!(q.true_false_answer(), Some(false));
    assert_eq!(
        feedback(bank, 2),
        [
            Some("42 is the Ultimate Answer."),
            Some("You gave the right answer.")
        ]
    );
    assert_eq!(
        q.explanation.as_deref(),
        Some("This is, of course, a Hitchiker's Guide to the Galaxy reference.")
    );

    // test_import_truefalse_true_answer1/2: `{T}` and `{TRUE}`, the same name twice.
    for i in [3, 4] {
        assert_eq!(bank.questions[i].kind, Kind::TrueFalse);
        assert_eq!(bank.questions[i].text, "TSL is blablabla.");
        assert_eq!(bank.questions[i].true_false_answer(), Some(true));
    }
    assert_eq!(bank.questions[3].key.as_deref(), Some("2-08 TSL"));
    assert_eq!(bank.questions[4].key.as_deref(), Some("2-08 TSL (2)"));

    // Repeats are legal in Moodle: warnings, not problems.
    let warned: Vec<usize> = parsed.warnings.iter().map(|w| w.line).collect();
    assert_eq!(warned, vec![22, 49, 49]);
    assert_round_trip(&parsed);
}

/// `questions_in_category.gift.txt` (Moodle's behat import/export feature): a category
/// line, HTML question text with escaped `=` and `:`, a one-answer `{=%100%…}` block
/// (short answer for Moodle too).
#[test]
fn moodle_gift_category_fixture() {
    let parsed = ok(Format::Gift, GIFT_IN_CATEGORY);
    let bank = &parsed.bank;
    assert_eq!(
        parsed.skipped.iter().map(|s| s.line).collect::<Vec<_>>(),
        vec![5, 22]
    );
    assert_eq!(bank.questions.len(), 2);
    assert!(
        bank.questions
            .iter()
            .all(|q| q.topic == "Default for New Features")
    );
    let greeting = &bank.questions[0];
    assert_eq!(greeting.key.as_deref(), Some("Greeting"));
    assert_eq!(greeting.kind, Kind::Single);
    assert_eq!(
        greeting.text,
        "<a href=\"http://demo.moodle.net/file.php/5/media/bonjour.mp3\">Listen to this \
         greeting:</a><br /><br />What language is being spoken?"
    );
    assert_eq!(correct(bank, 0), [false, true, false, false]);
    assert_eq!(bank.questions[1].true_false_answer(), Some(true));
    assert!(parsed.warnings.is_empty());
    assert_round_trip(&parsed);
}

/// `examples.txt`, every example of Moodle's GIFT documentation: imported (with warnings
/// for its many repeats and its partial credit), and exported back unchanged in meaning.
#[test]
fn moodle_gift_examples_import_with_warnings() {
    let parsed = ok(Format::Gift, GIFT_EXAMPLES);
    let bank = &parsed.bank;
    assert_eq!(bank.questions.len(), 23, "{:#?}", bank.questions);
    assert_eq!(parsed.skipped.len(), 20);

    let find = |text: &str| {
        bank.questions
            .iter()
            .position(|q| q.text == text)
            .unwrap_or_else(|| panic!("{text:?} not imported"))
    };
    // `{~wrong answer ~%50%half credit answer =full credit answer}`: single answer; only
    // the full-credit option is right, the half-credit one keeps its weight for export.
    let i = find("Difficult question.");
    assert_eq!(bank.questions[i].kind, Kind::Single);
    assert_eq!(correct(bank, i), [false, false, true]);
    assert_eq!(bank.questions[i].choices[1].weight.as_deref(), Some("50"));
    assert!(
        parsed
            .warnings
            .iter()
            .any(|w| w.line == bank.questions[i].line && w.message.contains("một phần điểm"))
    );
    let gift = to_gift(bank);
    assert!(gift.contains("\t~wrong answer\n\t~%50%half credit answer\n\t=full credit answer\n"));

    // Multiple answers: the positive weights are the set to choose.
    let i = find("What two people are entombed in Grant's tomb?");
    assert_eq!(bank.questions[i].kind, Kind::Multiple);
    assert_eq!(correct(bank, i), [false, true, true, false]);

    // Escapes: the right answer of "GIFT Control Characters" is a backslash.
    let i = bank
        .questions
        .iter()
        .position(|q| q.key.as_deref() == Some("GIFT Control Characters"))
        .unwrap_or_default();
    assert_eq!(texts(bank, i), ["~", "=", "#", "{", "}", "\\"]);
    assert_eq!(correct(bank, i), [false, false, false, false, false, true]);

    // The same question three times, from three parts of the file: warnings.
    let repeats = parsed
        .warnings
        .iter()
        .filter(|w| w.message.contains("trùng nội dung"))
        .count();
    assert_eq!(repeats, 10, "{:#?}", parsed.warnings);
    assert_round_trip(&parsed);
}

/// `qformat_aiken_export_test.php`'s input, `questions.aiken.txt`.
#[test]
fn moodle_aiken_fixture() {
    let parsed = ok(Format::Aiken, AIKEN_QUESTIONS);
    let bank = &parsed.bank;
    assert_eq!(bank.questions.len(), 2);
    assert_eq!(bank.questions[0].text, "The Moodle project was started by:");
    assert_eq!(
        texts(bank, 0),
        [
            "Petr Skoda",
            "Martin Dougiamas",
            "Eloy Lafuente",
            "Tim Hunt"
        ]
    );
    assert_eq!(correct(bank, 0), [false, true, false, false]);
    // Plain text: Moodle stores the same text HTML-escaped.
    assert_eq!(
        bank.questions[1].text,
        "Moodle's abilities include handling user input that includes <html class=\"cool\"> \
         & images:"
    );
    assert_eq!(correct(bank, 1), [true, false]);
}

/// `aikenformat_test.php` test_readquestions: the errors Moodle reports, on the lines it
/// names, and the good questions it reads (no space needed after `A)`).
#[test]
fn moodle_aiken_errors_fixture() {
    let problems = match parse(Format::Aiken, AIKEN_ERRORS.as_bytes(), &meta()) {
        Ok(p) => panic!("{:#?}", p.bank),
        Err(p) => p,
    };
    let lines: Vec<usize> = problems.iter().map(|p| p.line).collect();
    // "at least 2 answers on line 3", "not started on line 5" and "on line 7",
    // "not completed before next question start on line 18".
    assert_eq!(lines, vec![3, 5, 7, 18], "{problems:#?}");
    assert!(problems[0].message.contains("ít nhất hai phương án"));
    assert!(problems[1].message.contains("trước nội dung câu hỏi"));
    assert!(problems[2].message.contains("không đi kèm câu hỏi nào"));
    assert!(
        problems[3]
            .message
            .contains("trước khi câu hỏi mới bắt đầu ở dòng 18")
    );

    // Like Moodle (which stops on errors too), the good questions were read.
    let draft = match super::aiken::parse(AIKEN_ERRORS.as_bytes(), &meta()) {
        Ok(d) => d,
        Err(e) => panic!("{e:#?}"),
    };
    let bank = &draft.bank;
    let names: Vec<&str> = bank.questions.iter().map(|q| q.text.as_str()).collect();
    assert_eq!(names, ["A good question", "A second good question"]);
    assert_eq!(texts(bank, 0), ["Correct", "Incorrect"]);
    assert_eq!(correct(bank, 0), [true, false]);
    assert_eq!(
        texts(bank, 1),
        ["Incorrect (No space)", "Correct (No space)"]
    );
    assert_eq!(correct(bank, 1), [false, true]);

    // The third good question of Moodle's test (its fixture is newer than ours):
    // HTML special characters stay as typed.
    let third = "A third good question with HTML chars such as > < &\nA) Correct (< > &)\n\
                 B) Incorrect (< > &)\nANSWER: A\n";
    let parsed = ok(Format::Aiken, third);
    assert_eq!(
        texts(&parsed.bank, 0),
        ["Correct (< > &)", "Incorrect (< > &)"]
    );
    assert_eq!(correct(&parsed.bank, 0), [true, false]);
}

/// Moodle's `ANSWER:` reads one letter, the value's first character: a question Moodle
/// accepts with `ANSWER: B) Martin` is not refused.
#[test]
fn aiken_answer_with_the_option_text_reads_its_letter() {
    let parsed = ok(
        Format::Aiken,
        "Who started Moodle?\nA) Petr\nB) Martin\nANSWER: B) Martin\n",
    );
    assert_eq!(correct(&parsed.bank, 0), [false, true]);
}

/// A file of nothing but questions cuocthi does not run says why for each one.
#[test]
fn a_file_of_only_skipped_questions_lists_each() {
    let problems = match parse(
        Format::Gift,
        b"::Q8:: How are you? {}\n\nTwo plus two equals {=four =4}.\n",
        &meta(),
    ) {
        Ok(p) => panic!("{:#?}", p.bank),
        Err(p) => p,
    };
    let got: Vec<(usize, bool)> = problems
        .iter()
        .map(|p| (p.line, p.message.starts_with("Bỏ qua câu hỏi")))
        .collect();
    assert_eq!(got, vec![(0, false), (1, true), (3, true)]);
    let _: Option<Warning> = None;
}

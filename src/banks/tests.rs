//! Cross-format tests: encodings, normalisation, round trips and property tests.

use std::time::Instant;

use proptest::prelude::*;
use unicode_normalization::UnicodeNormalization;

use super::text::{clean, clean_tags, clean_topic};
use super::*;

/// Property-test cases: `PROPTEST_CASES` when set, else a modest default.
fn config() -> ProptestConfig {
    let mut config = ProptestConfig::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = 128;
    }
    config
}

fn meta() -> BankMeta {
    BankMeta::new("kiem-thu", "Kiểm thử")
}

#[test]
fn format_names() {
    assert_eq!(Format::from_name(" GIFT "), Some(Format::Gift));
    assert_eq!(Format::from_name("docx"), None);
    for f in Format::ALL {
        assert_eq!(Format::from_name(f.as_str()), Some(f));
        assert_eq!(f.to_string(), f.as_str());
    }
    let cases = [
        ("ngan-hang.toml", Some(Format::Toml)),
        ("Moodle.GIFT", Some(Format::Gift)),
        ("xuat-tu-moodle.txt", Some(Format::Gift)),
        ("cau-hoi.aiken", Some(Format::Aiken)),
        ("cau-hoi.aiken.txt", Some(Format::Aiken)),
        ("bang.CSV", Some(Format::Csv)),
        ("bang.xlsx", Some(Format::Xlsx)),
        ("bang.xls", None),
        ("toml", None),
    ];
    for (name, format) in cases {
        assert_eq!(Format::from_file_name(name), format, "{name}");
    }
}

#[test]
fn missing_code_is_one_problem_for_meta_formats() {
    let inputs: [(Format, &[u8]); 3] = [
        (Format::Gift, b"C\xc3\xa2u? {=a ~b}\n"),
        (Format::Aiken, b"Q?\nA. a\nB. b\nANSWER: A\n"),
        (Format::Csv, b"question,A,B,correct\nQ?,a,b,A\n"),
    ];
    for (format, bytes) in inputs {
        let meta = BankMeta {
            code: Some("  ".into()),
            title: None,
        };
        let problems = parse(format, bytes, &meta).err().unwrap_or_default();
        assert_eq!(
            problems,
            vec![LineProblem {
                line: 0,
                message: "Thiếu mã ngân hàng câu hỏi (tham số code).".into()
            }],
            "{format}"
        );
        let bad = BankMeta::new("Mã Sai", "");
        let problems = parse(format, bytes, &bad).err().unwrap_or_default();
        assert_eq!(problems.len(), 1, "{format}");
        assert!(problems[0].message.contains("“Mã Sai” không hợp lệ"));
        let parsed = parse(format, bytes, &BankMeta::new("ma-dung", ""));
        assert_eq!(parsed.map(|p| p.bank.title), Ok("ma-dung".to_owned()));
    }
}

#[test]
fn non_utf8_gives_one_plain_problem_in_every_text_format() {
    // "Câu hỏi" in Windows-1258 on line 2.
    let bytes = b"code = \"x\"\nC\xe2u h\xf2i\n";
    for format in [Format::Toml, Format::Gift, Format::Aiken, Format::Csv] {
        let problems = parse(format, bytes, &meta()).err().unwrap_or_default();
        assert_eq!(
            problems,
            vec![LineProblem {
                line: 2,
                message: "Tệp không phải UTF-8 (dòng 2). Hãy lưu tệp với bảng mã UTF-8.".into()
            }],
            "{format}"
        );
    }
}

#[test]
fn nfd_input_becomes_nfc_in_every_format() {
    let question = "Thủ tục hành chính được thực hiện ở đâu?";
    let option_a = "Cổng Dịch vụ công quốc gia";
    let option_b = "Bộ phận một cửa";
    let topic = "Chủ đề thử";
    let nfd = |s: &str| s.nfd().collect::<String>();
    assert_ne!(nfd(question), question);
    let toml = format!(
        "code = \"nfd\"\ntitle = \"{}\"\n[[questions]]\ntopic = \"{}\"\ndifficulty = \"easy\"\n\
         kind = \"single\"\ntext = \"{}\"\noptions = [{{ text = \"{}\", correct = true }}, \
         {{ text = \"{}\" }}]\ntags = [\"{}\"]\n",
        nfd("Tiêu đề"),
        nfd(topic),
        nfd(question),
        nfd(option_a),
        nfd(option_b),
        nfd("nhãn")
    );
    let gift = nfd(&format!(
        "$CATEGORY: {topic}\n\n// difficulty: dễ\n{question}{{={option_a} ~{option_b}}}\n"
    ));
    let aiken = nfd(&format!(
        "{question}\nA. {option_a}\nB. {option_b}\nANSWER: A\n"
    ));
    let csv = nfd(&format!(
        "chủ đề,độ khó,câu hỏi,A,B,đáp án\n{topic},dễ,{question},{option_a},{option_b},A\n"
    ));
    for (format, src) in [
        (Format::Toml, toml),
        (Format::Gift, gift),
        (Format::Aiken, aiken),
        (Format::Csv, csv),
    ] {
        let bank = match parse(format, src.as_bytes(), &meta()) {
            Ok(p) => p.bank,
            Err(e) => panic!("{format}: {e:#?}"),
        };
        let q = &bank.questions[0];
        assert_eq!(q.text, question, "{format}");
        assert_eq!(q.choices[0].text, option_a, "{format}");
        assert_eq!(q.choices[1].text, option_b, "{format}");
        if format != Format::Aiken {
            assert_eq!(q.topic, topic, "{format}");
            assert_eq!(q.difficulty, Difficulty::Easy, "{format}");
        }
        if format == Format::Toml {
            assert_eq!(bank.title, "Tiêu đề");
            assert_eq!(q.tags, vec!["nhãn"]);
        }
    }
}

#[test]
fn duplicate_questions_across_nfc_and_nfd_are_warned_about() {
    let q = "Chữ ký số là gì?";
    let src = format!(
        "{q}\nA. a\nB. b\nANSWER: A\n\n{}\nA. a\nB. b\nANSWER: B\n",
        q.nfd()
            .collect::<String>()
            .to_uppercase()
            .replace('?', " ?")
    );
    let parsed = match parse(Format::Aiken, src.as_bytes(), &meta()) {
        Ok(p) => p,
        Err(e) => panic!("{e:#?}"),
    };
    // Legal, as in Moodle: both are imported, and the organiser is told.
    assert_eq!(parsed.bank.questions.len(), 2);
    assert_eq!(
        parsed.warnings,
        vec![Warning {
            line: 6,
            message: "Câu hỏi ở dòng 6 trùng nội dung với câu hỏi ở dòng 1; cả hai đều được \
                      nhập."
                .into()
        }]
    );
}

#[test]
fn synthetic_round_trips() {
    let bank = synthetic_bank(120);
    let toml = parse(
        Format::Toml,
        to_toml(&bank).as_bytes(),
        &BankMeta::default(),
    );
    assert!(toml.is_ok_and(|p| p.bank.same_content(&bank) && p.skipped.is_empty()));
    let gift = parse(
        Format::Gift,
        to_gift(&bank).as_bytes(),
        &BankMeta::new(&bank.code, &bank.title),
    );
    let expected = Bank {
        description: None,
        ..bank
    };
    assert!(gift.is_ok_and(|p| p.bank.same_content(&expected)));
}

/// Times parsing + validating a 10,000-question TOML (and GIFT) bank. Run with
/// `cargo test --release -- --ignored --nocapture`.
#[test]
#[ignore = "benchmark; run in release with --ignored --nocapture"]
fn bench_10k_import() {
    let bank = synthetic_bank(10_000);
    let toml = to_toml(&bank);
    let gift = to_gift(&bank);
    let meta = BankMeta::new(&bank.code, &bank.title);
    for (format, src) in [(Format::Toml, &toml), (Format::Gift, &gift)] {
        let mut best = f64::MAX;
        for _ in 0..5 {
            let start = Instant::now();
            let parsed = parse(format, src.as_bytes(), &meta);
            let elapsed = start.elapsed().as_secs_f64();
            assert!(parsed.is_ok_and(|p| p.bank.questions.len() == 10_000));
            best = best.min(elapsed);
        }
        println!(
            "{format}: 10,000 questions, {:.1} MiB, parse+validate best of 5: {:.1} ms",
            src.len() as f64 / 1_048_576.0,
            best * 1000.0
        );
    }
}

// ---------------------------------------------------------------------------------------
// Property tests.

/// Raw text with Vietnamese letters (NFC and NFD), GIFT/TOML/CSV special characters and
/// whitespace; cleaned, it must stay non-empty.
fn raw_text() -> impl Strategy<Value = String> {
    let pieces = prop_oneof![
        4 => "[a-zA-Z0-9 ]{1,6}",
        3 => "[ăâđêôơưĂÂĐÊÔƠƯáàảãạấầẩẫậếềểễệốồổỗộớờởỡợứừửữựíìỉĩịýỳỷỹỵ]{1,4}",
        2 => prop::sample::select(vec![
            "e\u{301}", "o\u{302}\u{303}", "u\u{31b}\u{323}", "\u{301}",
        ])
        .prop_map(str::to_owned),
        3 => "[{}~=#:%\\\\/$\\[\\]\"',;.?!\\-> \n\t]{1,4}",
        1 => prop::sample::select(vec![
            "//", "::", "[html]", "[PLAIN]", "%50%", "%-100%", "####", "$CATEGORY:", "\\n",
            "[tag:", "->", "_____", "{T}", "ANSWER: A", "A. ", "\r\n",
        ])
        .prop_map(str::to_owned),
    ];
    prop::collection::vec(pieces, 1..6).prop_map(|v| v.concat())
}

fn text() -> impl Strategy<Value = String> {
    raw_text().prop_filter_map("empty after cleaning", |s| {
        let c = clean(&s);
        (!c.is_empty()).then_some(c)
    })
}

fn opt_text() -> impl Strategy<Value = Option<String>> {
    prop::option::of(text())
}

fn difficulty() -> impl Strategy<Value = Difficulty> {
    prop::sample::select(vec![Difficulty::Easy, Difficulty::Medium, Difficulty::Hard])
}

/// Choices valid for `kind`, with distinct texts.
fn choices(kind: Kind) -> BoxedStrategy<Vec<Choice>> {
    match kind {
        Kind::TrueFalse => (any::<bool>(), opt_text(), opt_text())
            .prop_map(|(answer, on_true, on_false)| {
                vec![
                    Choice {
                        images: Vec::new(),
                        text: TRUE_TEXT.to_owned(),
                        correct: answer,
                        feedback: on_true,
                        weight: None,
                    },
                    Choice {
                        images: Vec::new(),
                        text: FALSE_TEXT.to_owned(),
                        correct: !answer,
                        feedback: on_false,
                        weight: None,
                    },
                ]
            })
            .boxed(),
        _ => prop::collection::vec((text(), any::<bool>(), opt_text()), 2..6)
            .prop_flat_map(move |options| {
                let n = options.len();
                (Just(options), 0..n)
            })
            .prop_map(move |(options, first_correct)| {
                options
                    .into_iter()
                    .enumerate()
                    .map(|(j, (text, flag, feedback))| Choice {
                        images: Vec::new(),
                        // Distinct after normalisation thanks to the suffix.
                        text: clean(&format!("{text} ({j})")),
                        correct: j == first_correct || (kind == Kind::Multiple && flag),
                        feedback,
                        weight: None,
                    })
                    .collect()
            })
            .boxed(),
    }
}

fn question(index: usize) -> impl Strategy<Value = Question> {
    (
        prop::sample::select(vec![Kind::Single, Kind::Multiple, Kind::TrueFalse]),
        prop::option::of(text()),
        prop_oneof![
            Just("Chủ đề A".to_owned()),
            Just("a/b//c".to_owned()),
            Just(DEFAULT_TOPIC.to_owned()),
            text(),
        ],
        difficulty(),
        text(),
        (opt_text(), opt_text()),
        prop::collection::vec(text(), 0..3),
    )
        .prop_flat_map(move |(kind, key, topic, difficulty, text, extra, tags)| {
            (
                Just((kind, key, topic, difficulty, text, extra, tags)),
                choices(kind),
            )
        })
        .prop_filter_map(
            "topic empty after cleaning",
            move |((kind, key, topic, difficulty, text, (explanation, source), tags), choices)| {
                let topic = clean_topic(&topic);
                (!topic.is_empty()).then(|| Question {
                    images: Vec::new(),
                    // Distinct keys and texts thanks to the index.
                    key: key.map(|k| clean(&format!("{k} {index}"))),
                    topic,
                    difficulty,
                    kind,
                    text: clean(&format!("{text} [{index}]")),
                    choices,
                    explanation,
                    source,
                    tags: clean_tags(tags),
                    line: 0,
                })
            },
        )
}

fn bank() -> impl Strategy<Value = Bank> {
    (
        "[a-z0-9][a-z0-9_-]{0,20}",
        text(),
        opt_text(),
        (1usize..8).prop_flat_map(|n| (0..n).map(question).collect::<Vec<_>>()),
    )
        .prop_map(|(code, title, description, questions)| Bank {
            code,
            title,
            description,
            questions,
        })
}

fn gift_soup() -> impl Strategy<Value = String> {
    "[{}~=#:%\\\\/$\\n \\[\\]a-cTFA-D.)\\->_]{0,300}"
}

fn line_soup() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            Just("\n".to_owned()),
            Just("ANSWER: B\n".to_owned()),
            Just("A. x\n".to_owned()),
            Just("[[questions]]\n".to_owned()),
            Just("kind = \"true_false\"\n".to_owned()),
            Just("question,A,B,correct,kind\n".to_owned()),
            Just("\"a,\"b\"\",c\n".to_owned()),
            Just("$CATEGORY: a/b\n".to_owned()),
            Just("// difficulty: hard\n".to_owned()),
            "[^\\x00]{0,20}",
        ],
        0..30,
    )
    .prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn parsers_never_panic_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        for format in Format::ALL {
            let _ = parse(format, &bytes, &meta());
        }
    }

    #[test]
    fn parsers_never_panic_on_gift_soup(s in gift_soup()) {
        for format in Format::ALL {
            let _ = parse(format, s.as_bytes(), &meta());
        }
    }

    #[test]
    fn parsers_never_panic_on_line_soup(s in line_soup()) {
        for format in Format::ALL {
            let _ = parse(format, s.as_bytes(), &meta());
        }
    }

    #[test]
    fn clean_is_idempotent_and_nfc(s in raw_text()) {
        let once = clean(&s);
        prop_assert_eq!(&clean(&once), &once);
        prop_assert!(unicode_normalization::is_nfc(&once));
        prop_assert_eq!(&clean_topic(&clean_topic(&s)), &clean_topic(&s));
    }

    #[test]
    fn generated_banks_are_valid(b in bank()) {
        prop_assert_eq!(validate(&b), vec![]);
    }

    #[test]
    fn toml_round_trip(b in bank()) {
        let exported = to_toml(&b);
        match parse(Format::Toml, exported.as_bytes(), &BankMeta::default()) {
            Ok(p) => prop_assert!(p.bank.same_content(&b), "{:#?}\n{}\n{:#?}", b, exported, p.bank),
            Err(e) => prop_assert!(false, "{:#?}\n{}\n{:#?}", b, exported, e),
        }
    }

    #[test]
    fn gift_round_trip(b in bank()) {
        let exported = to_gift(&b);
        let meta = BankMeta::new(&b.code, &b.title);
        let expected = Bank { description: None, ..b.clone() };
        match parse(Format::Gift, exported.as_bytes(), &meta) {
            Ok(p) => {
                prop_assert!(p.skipped.is_empty(), "{:#?}", p.skipped);
                prop_assert!(p.bank.same_content(&expected), "{:#?}\n{}\n{:#?}", b, exported, p.bank);
            }
            Err(e) => prop_assert!(false, "{:#?}\n{}\n{:#?}", b, exported, e),
        }
    }
}

/// The examples of the format documentation (`question-banks/README.md`) are kept in
/// `fixtures/example.*`: they must import as described there.
#[test]
fn documented_examples_import() {
    let meta = BankMeta::new("vi-du", "Ví dụ");
    let cases: [(Format, &str, &[Kind]); 4] = [
        (
            Format::Toml,
            include_str!("fixtures/example.toml"),
            &[Kind::Single, Kind::Multiple, Kind::TrueFalse],
        ),
        (
            Format::Gift,
            include_str!("fixtures/example.gift"),
            &[Kind::Single, Kind::Multiple, Kind::TrueFalse, Kind::Single],
        ),
        (
            Format::Aiken,
            include_str!("fixtures/example.aiken"),
            &[Kind::Single, Kind::Multiple],
        ),
        (
            Format::Csv,
            include_str!("fixtures/example.csv"),
            &[Kind::Single, Kind::Multiple, Kind::TrueFalse],
        ),
    ];
    let mut banks = Vec::new();
    for (format, src, kinds) in cases {
        let parsed = match parse(format, src.as_bytes(), &meta) {
            Ok(p) => p,
            Err(e) => panic!("{format}: {e:#?}"),
        };
        assert!(parsed.skipped.is_empty(), "{format}");
        let got: Vec<Kind> = parsed.bank.questions.iter().map(|q| q.kind).collect();
        assert_eq!(got, kinds, "{format}");
        banks.push(parsed.bank);
    }
    let (toml, gift) = (&banks[0], &banks[1]);
    assert_eq!(toml.code, "dvc-tinh-2024");
    assert_eq!(gift.code, "vi-du");
    // The GIFT example is the TOML example plus one missing-word question.
    let mut gift_questions = gift.questions.clone();
    let missing_word = gift_questions.pop().map(|q| q.text);
    assert_eq!(
        missing_word.as_deref(),
        Some("Cổng Dịch vụ công quốc gia có địa chỉ _____ trên Internet.")
    );
    assert_eq!(gift_questions.len(), toml.questions.len());
    for (g, t) in gift_questions.iter().zip(&toml.questions) {
        assert!(g.same_content(t), "{g:#?}\n{t:#?}");
    }
    // And the exporter writes that very GIFT text for the TOML example.
    let exported = to_gift(&Bank {
        description: None,
        ..toml.clone()
    });
    let documented = include_str!("fixtures/example.gift");
    assert!(
        documented.starts_with(&exported),
        "exported:\n{exported}\ndocumented:\n{documented}"
    );
}

/// The limit a refused file names, and its one problem's message.
fn refused(format: Format, bytes: &[u8]) -> (Option<&'static str>, String) {
    let problems = parse(format, bytes, &meta()).err().unwrap_or_default();
    assert_eq!(problems.total(), 1, "{format}: {problems:#?}");
    (problems.limit(), problems[0].message.clone())
}

#[test]
fn text_formats_are_refused_at_their_limits() {
    use crate::limits::{MAX_LINES, MAX_QUESTION_BYTES, MAX_QUESTIONS};

    let started = Instant::now();
    for format in [Format::Toml, Format::Gift, Format::Aiken] {
        let (limit, message) = refused(format, "\n".repeat(MAX_LINES + 1).as_bytes());
        assert_eq!(limit, Some("lines"), "{format}");
        assert!(message.contains("tối đa 1.000.000 dòng"), "{message}");
    }
    let block = format!(
        "Câu hỏi? {{\n{}}}\n",
        "~sai\n".repeat(MAX_QUESTION_BYTES / 5)
    );
    let (limit, message) = refused(Format::Gift, block.as_bytes());
    assert_eq!(limit, Some("question_bytes"));
    assert!(message.contains("dài hơn 256 KiB"), "{message}");
    // Skipped questions count too: they are kept in memory as well.
    let essays = "Viết cảm nghĩ? {}\n\n".repeat(MAX_QUESTIONS + 1);
    let (limit, message) = refused(Format::Gift, essays.as_bytes());
    assert_eq!(limit, Some("questions"));
    assert!(message.contains("tối đa 50.000 câu hỏi"), "{message}");
    let mut aiken = String::new();
    for i in 0..=MAX_QUESTIONS {
        aiken.push_str(&format!("Câu {i}?\nA. Có\nB. Không\nANSWER: A\n"));
    }
    assert_eq!(
        refused(Format::Aiken, aiken.as_bytes()).0,
        Some("questions")
    );
    let toml = format!(
        "code = \"a\"\ntitle = \"b\"\nx = [{}]\n",
        "1,".repeat(400_000)
    );
    let (limit, message) = refused(Format::Toml, toml.as_bytes());
    assert_eq!(limit, Some("toml_items"));
    assert!(message.contains("tối đa 400.000"), "{message}");
    assert!(started.elapsed().as_secs() < 20);
}

#[test]
fn quoted_file_text_is_cut_in_every_format() {
    let long = "đápán".repeat(500);
    let files = [
        (
            Format::Gift,
            format!("// difficulty: {long}\nCâu? {{=a ~b}}\n"),
        ),
        (Format::Aiken, format!("Câu?\nA. x\nB. y\nANSWER: {long}\n")),
        (
            Format::Toml,
            format!("code = \"a\"\ntitle = \"b\"\n\"{long}\" = 1\n"),
        ),
        (
            Format::Csv,
            format!("question,A,B,correct\nCâu?,x,y,{long}\n"),
        ),
    ];
    for (format, text) in files {
        let problems = parse(format, text.as_bytes(), &meta())
            .err()
            .unwrap_or_default();
        assert!(!problems.is_empty(), "{format}");
        for p in problems.iter() {
            assert!(p.message.chars().count() < 300, "{format}: {}", p.message);
        }
        assert!(
            problems
                .iter()
                .any(|p| p.message.contains("đápánđápán") && p.message.contains('…')),
            "{format}: {problems:#?}"
        );
    }
}

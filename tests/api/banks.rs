use cuocthi::accounts::Role;
use cuocthi::banks::{self, BankMeta, Format};
use serde_json::json;

use crate::helpers::{json_of, spawn_app};

const GIFT: &str = include_str!("../../src/banks/fixtures/moodle.gift");

#[tokio::test]
async fn every_format_imports() {
    let app = spawn_app().await;
    let organiser = app.staff(Role::Organiser, "btc@example.vn").await;
    let toml = banks::to_toml(&banks::synthetic_bank(12));
    let aiken = "Cổng Dịch vụ công quốc gia có địa chỉ nào?\nA. dichvucong.gov.vn\nB. chinhphu.vn\nC. vinhlong.gov.vn\nANSWER: A\n";
    let csv = "\u{feff}topic,difficulty,kind,question,A,B,C,D,correct,explanation,source\n\
               Chung,dễ,single,Nghị định 45 ban hành năm nào?,2019,2020,2021,2022,B,Ngày 08/4/2020.,Nghị định 45/2020/NĐ-CP\n";
    let xlsx = {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        for (c, h) in [
            "topic",
            "difficulty",
            "kind",
            "question",
            "A",
            "B",
            "correct",
        ]
        .iter()
        .enumerate()
        {
            sheet.write_string(0, c as u16, *h).unwrap();
        }
        for (c, v) in [
            "Chung",
            "easy",
            "true_false",
            "Nghị định 45 có hiệu lực từ 22/5/2020.",
            "Đúng",
            "Sai",
            "A",
        ]
        .iter()
        .enumerate()
        {
            sheet.write_string(1, c as u16, *v).unwrap();
        }
        book.save_to_buffer().unwrap()
    };
    for (query, body, expected) in [
        ("format=toml", toml.into_bytes(), 12),
        (
            "format=gift&code=moodle&title=Moodle",
            GIFT.as_bytes().to_vec(),
            7,
        ),
        ("format=aiken&code=aiken-bank", aiken.as_bytes().to_vec(), 1),
        ("format=csv&code=csv-bank", csv.as_bytes().to_vec(), 1),
        ("format=xlsx&code=xlsx-bank", xlsx, 1),
    ] {
        let (status, body) = json_of(app.import_bank(Some(&organiser), query, body).await).await;
        assert_eq!(status, 201, "{query}: {body}");
        assert_eq!(body["questions"], expected, "{query}");
    }
    let (_, list) = json_of(app.get("/api/v1/banks", Some(&organiser)).await).await;
    assert_eq!(list.as_array().unwrap().len(), 5);
}

#[tokio::test]
async fn moodle_gift_imports_supported_questions_and_lists_the_skipped_by_line() {
    let app = spawn_app().await;
    let organiser = app.staff(Role::Organiser, "btc@example.vn").await;
    let (status, body) = json_of(
        app.import_bank(
            Some(&organiser),
            "format=gift&code=moodle",
            GIFT.as_bytes().to_vec(),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let expected = banks::parse(
        Format::Gift,
        GIFT.as_bytes(),
        &BankMeta::new("moodle", "moodle"),
    )
    .unwrap();
    assert_eq!(body["questions"], expected.bank.questions.len());
    let skipped: Vec<u64> = body["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["line"].as_u64().unwrap())
        .collect();
    let expected_lines: Vec<u64> = expected.skipped.iter().map(|s| s.line as u64).collect();
    assert_eq!(skipped, expected_lines);
    assert!(
        skipped.len() >= 4,
        "short answer, matching, numerical and essay are skipped"
    );
    // What was stored is what the parser read.
    let id = body["id"].as_i64().unwrap();
    let stored = banks::store::load_bank(&app.state.db.read, id)
        .await
        .unwrap();
    assert!(stored.same_content(&expected.bank));
}

#[tokio::test]
async fn an_error_in_question_40_of_80_imports_nothing_and_names_the_line() {
    let app = spawn_app().await;
    let organiser = app.staff(Role::Organiser, "btc@example.vn").await;
    let mut bank = banks::synthetic_bank(80);
    bank.questions[39].text = String::new();
    let text = banks::to_toml(&bank);
    // The 40th `[[questions]]` header is where the problem is reported.
    let line = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.trim() == "[[questions]]")
        .nth(39)
        .map(|(i, _)| i + 1)
        .unwrap();
    let (status, body) = json_of(
        app.import_bank(Some(&organiser), "format=toml", text.into_bytes())
            .await,
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["code"], "invalid_bank");
    let problems = body["error"]["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 1, "{body}");
    assert_eq!(problems[0]["line"], line);
    assert!(
        problems[0]["message"].as_str().unwrap().contains("trống"),
        "{body}"
    );
    let (_, list) = json_of(app.get("/api/v1/banks", Some(&organiser)).await).await;
    assert_eq!(list.as_array().unwrap().len(), 0, "nothing stored");
}

#[tokio::test]
async fn checking_a_bank_stores_nothing() {
    let app = spawn_app().await;
    let organiser = app.staff(Role::Organiser, "btc@example.vn").await;
    let response = app
        .client
        .post(app.url("/api/v1/banks/check?format=toml"))
        .bearer_auth(&organiser)
        .body(banks::to_toml(&banks::synthetic_bank(5)))
        .send()
        .await
        .unwrap();
    let (status, body) = json_of(response).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["questions"], 5);
    let (_, list) = json_of(app.get("/api/v1/banks", Some(&organiser)).await).await;
    assert_eq!(list.as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn a_multipart_upload_takes_its_format_from_the_file_name() {
    let app = spawn_app().await;
    let organiser = app.staff(Role::Organiser, "btc@example.vn").await;
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(GIFT.as_bytes().to_vec()).file_name("ngan-hang.gift"),
    );
    let response = app
        .client
        .post(app.url("/api/v1/banks?code=tu-tep&title=T%E1%BB%AB%20t%E1%BB%87p"))
        .bearer_auth(&organiser)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let (status, body) = json_of(response).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["code"], "tu-tep");
}

#[tokio::test]
async fn exports_round_trip_through_the_api() {
    let app = spawn_app().await;
    let organiser = app.staff(Role::Organiser, "btc@example.vn").await;
    let original = banks::synthetic_bank(30);
    let (_, body) = json_of(
        app.import_bank(
            Some(&organiser),
            "format=toml",
            banks::to_toml(&original).into_bytes(),
        )
        .await,
    )
    .await;
    let id = body["id"].as_i64().unwrap();
    for (format, meta) in [
        ("toml", BankMeta::default()),
        ("gift", BankMeta::new(&original.code, &original.title)),
        ("csv", BankMeta::new(&original.code, &original.title)),
        ("xlsx", BankMeta::new(&original.code, &original.title)),
    ] {
        let response = app
            .get(
                &format!("/api/v1/banks/{id}/export?format={format}"),
                Some(&organiser),
            )
            .await;
        assert_eq!(response.status(), 200);
        let bytes = response.bytes().await.unwrap();
        let f = Format::from_name(format).unwrap();
        let back = banks::parse(f, &bytes, &meta).unwrap().bank;
        let mut expected = original.clone();
        if matches!(format, "csv" | "xlsx") {
            // The spreadsheets have no place for per-option feedback.
            for c in expected
                .questions
                .iter_mut()
                .flat_map(|q| q.choices.iter_mut())
            {
                c.feedback = None;
            }
        }
        if format != "toml" {
            expected.description = back.description.clone();
        }
        assert!(
            back.same_content(&expected),
            "{format} export does not round-trip"
        );
    }
}

#[tokio::test]
async fn bank_detail_counts_topics_by_difficulty() {
    let app = spawn_app().await;
    let organiser = app.staff(Role::Organiser, "btc@example.vn").await;
    let bank = banks::synthetic_bank(45);
    let (_, body) = json_of(
        app.import_bank(
            Some(&organiser),
            "format=toml",
            banks::to_toml(&bank).into_bytes(),
        )
        .await,
    )
    .await;
    let id = body["id"].as_i64().unwrap();
    let (status, detail) = json_of(
        app.get(&format!("/api/v1/banks/{id}"), Some(&organiser))
            .await,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(detail["questions"], 45);
    let topics = detail["topics"].as_array().unwrap();
    assert_eq!(topics.len(), 5);
    for t in topics {
        let name = t["topic"].as_str().unwrap();
        let in_bank = bank.questions.iter().filter(|q| q.topic == name);
        let easy = in_bank
            .clone()
            .filter(|q| q.difficulty == banks::Difficulty::Easy)
            .count();
        assert_eq!(t["total"], in_bank.count());
        assert_eq!(t["easy"], easy);
    }
}

#[tokio::test]
async fn participants_and_anonymous_callers_never_reach_banks() {
    let app = spawn_app().await;
    app.seed_units().await;
    let participant = app.participant("0912345678").await;
    let body = banks::to_toml(&banks::synthetic_bank(3)).into_bytes();
    assert_eq!(
        app.import_bank(Some(&participant), "format=toml", body.clone())
            .await
            .status(),
        403
    );
    assert_eq!(
        app.import_bank(None, "format=toml", body).await.status(),
        401
    );
    assert_eq!(
        app.get("/api/v1/banks", Some(&participant)).await.status(),
        403
    );
    assert_eq!(app.get("/api/v1/banks", None).await.status(), 401);
    let judge = app.staff(Role::Judge, "bgk@example.vn").await;
    assert_eq!(app.get("/api/v1/banks", Some(&judge)).await.status(), 200);
}

#[tokio::test]
async fn reimporting_makes_revisions_and_keeps_used_ones() {
    let app = spawn_app().await;
    let organiser = app.staff(Role::Organiser, "btc@example.vn").await;
    let mut bank = banks::synthetic_bank(10);
    let (_, first) = json_of(
        app.import_bank(
            Some(&organiser),
            "format=toml",
            banks::to_toml(&bank).into_bytes(),
        )
        .await,
    )
    .await;
    let id = first["id"].as_i64().unwrap();
    let before = banks::store::current_questions(&app.state.db.read, id)
        .await
        .unwrap();

    bank.questions[2].text = format!("{} (sửa đổi)", bank.questions[2].text);
    bank.questions.pop();
    let (status, second) = json_of(
        app.import_bank(
            Some(&organiser),
            "format=toml",
            banks::to_toml(&bank).into_bytes(),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{second}");
    assert_eq!(second["id"], id);
    assert_eq!(
        (
            second["created"].as_u64(),
            second["revised"].as_u64(),
            second["retired"].as_u64(),
            second["unchanged"].as_u64()
        ),
        (Some(0), Some(1), Some(1), Some(8))
    );

    let after = banks::store::current_questions(&app.state.db.read, id)
        .await
        .unwrap();
    assert_eq!(after.len(), 9);
    let edited = after.iter().find(|q| q.key == before[2].key).unwrap();
    assert_eq!(edited.revision, 2);
    assert_ne!(edited.id, before[2].id);
    // The old revision is untouched: an attempt pointing at it keeps the old text.
    use sea_orm::EntityTrait;
    let old = cuocthi::entities::question::Entity::find_by_id(before[2].id)
        .one(&app.state.db.read)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(old.text, before[2].text);
    assert!(!old.current);
    let _ = json!(null);
}

/// Moodle's `question/format/gift/examples.txt` (tests/fixtures/moodle): legal in Moodle,
/// it imports with warnings for its repeated questions; a second import of the same file
/// maps every question, repeats included, to the question it made the first time.
#[tokio::test]
async fn moodles_gift_examples_import_with_warnings_and_reimport_unchanged() {
    const EXAMPLES: &str = include_str!("../fixtures/moodle/examples.txt");
    let app = spawn_app().await;
    let organiser = app.staff(Role::Organiser, "btc@example.vn").await;
    let import = || async {
        json_of(
            app.import_bank(
                Some(&organiser),
                "format=gift&code=moodle-examples",
                EXAMPLES.as_bytes().to_vec(),
            )
            .await,
        )
        .await
    };
    let (status, body) = import().await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["questions"], 23);
    assert_eq!(body["created"], 23);
    let warnings = body["warnings"].as_array().unwrap();
    let repeats = warnings
        .iter()
        .filter(|w| w["message"].as_str().unwrap().contains("trùng nội dung"))
        .count();
    assert_eq!(repeats, 10, "{body}");
    assert!(warnings.iter().all(|w| w["line"].as_u64().unwrap() > 0));

    let (status, body) = import().await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        (&body["created"], &body["unchanged"], &body["retired"]),
        (&json!(0), &json!(23), &json!(0)),
        "{body}"
    );
}

/// Issue #19 point 7: a bank exported as Moodle XML imports back as the same questions.
#[tokio::test]
async fn a_bank_exported_as_moodle_xml_imports_back_unchanged() {
    let app = spawn_app().await;
    let organiser = app.staff(Role::Organiser, "btc@example.vn").await;
    let mut bank = banks::synthetic_bank(30);
    bank.code = "xml-goc".into();
    for q in &mut bank.questions {
        // What Moodle XML cannot carry.
        q.difficulty = banks::Difficulty::Medium;
        q.source = None;
    }
    let (status, body) = json_of(
        app.import_bank(
            Some(&organiser),
            "format=toml",
            banks::to_toml(&bank).into_bytes(),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let id = body["id"].as_i64().unwrap();
    let response = app
        .get(
            &format!("/api/v1/banks/{id}/export?format=moodlexml"),
            Some(&organiser),
        )
        .await;
    assert_eq!(response.status(), 200);
    let xml = response.bytes().await.unwrap().to_vec();
    assert!(xml.starts_with(b"<?xml"));
    let query = format!("format=moodlexml&code={}&title={}", bank.code, "xml");
    let (status, body) = json_of(app.import_bank(Some(&organiser), &query, xml).await).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        (&body["unchanged"], &body["created"], &body["revised"]),
        (&json!(30), &json!(0), &json!(0)),
        "{body}"
    );
}

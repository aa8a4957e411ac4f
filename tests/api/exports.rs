//! Exports (XLSX, CSV) read back and compared with the leaderboards, who may download
//! them, the item analysis, and the charts on the pages.

use std::io::Cursor;

use calamine::{Data, DataType, Reader, Xlsx};
use cuocthi::accounts::Role;
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use unicode_normalization::{UnicodeNormalization, is_nfc};

use crate::helpers::{TestApp, json_of, registration, round_spec, spawn_app, spawn_app_with};

const OFFICIALS: &str = "Cán bộ, công chức, viên chức";
const CITIZENS: &str = "Người dân, doanh nghiệp";

/// `(name, phone, category, unit, birth date, right answers)`. One name arrives
/// decomposed (NFD), as some keyboards send it.
const PEOPLE: [(&str, &str, &str, &str, &str, usize); 5] = [
    (
        "Nguyễn Thị Ánh",
        "0912000001",
        "official",
        "SO-TP",
        "1990-05-17",
        9,
    ),
    (
        "Trần Văn Bình",
        "0912000002",
        "official",
        "X-LH-TT",
        "1985-12-01",
        6,
    ),
    (
        "Lê Hoàng Đức",
        "0912000003",
        "citizen",
        "X-LH-TT",
        "2001-02-28",
        8,
    ),
    (
        "Phạm Thu Hà",
        "0912000004",
        "citizen",
        "H-LH",
        "1979-07-04",
        3,
    ),
    (
        "Võ Minh Quân",
        "0912000005",
        "official",
        "SO-TP",
        "1995-10-10",
        9,
    ),
];

/// A contest with one round taken by [`PEOPLE`] (the last one's name sent in NFD), and
/// staff tokens.
struct Fixture {
    app: TestApp,
    organiser: String,
    judge: String,
    contest: i64,
    round: i64,
    participant: String,
}

async fn fixture() -> Fixture {
    let app = spawn_app().await;
    let (organiser, contest) = app.seed_contest().await;
    let round = app.create_round(&organiser, contest, &round_spec()).await;
    let mut participant = String::new();
    for (i, (name, phone, category, unit, birth, right)) in PEOPLE.iter().enumerate() {
        let mut body = registration(phone);
        let name: String = if i == PEOPLE.len() - 1 {
            name.nfd().collect()
        } else {
            (*name).to_owned()
        };
        body["full_name"] = json!(name);
        body["category"] = json!(category);
        body["unit_code"] = json!(unit);
        body["birth_date"] = json!(birth);
        let (status, created) = json_of(app.register(&body).await).await;
        assert_eq!(status, 201, "{created}");
        let token = app.token(phone, "mật khẩu an toàn").await;
        app.take(&token, round, *right, Some(i as i64)).await;
        participant = token;
    }
    let judge = app.staff(Role::Judge, "bgk@example.vn").await;
    Fixture {
        app,
        organiser,
        judge,
        contest,
        round,
        participant,
    }
}

/// Downloads a file: status, headers and body.
async fn download(
    app: &TestApp,
    path: &str,
    token: Option<&str>,
) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
    let response = app.get(path, token).await;
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.bytes().await.expect("body").to_vec();
    (status, headers, body)
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Checks the download headers, the hash included, and returns the body.
fn check_file(
    status: StatusCode,
    headers: &reqwest::header::HeaderMap,
    body: &[u8],
    content_type: &str,
    file_name: &str,
) {
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(body));
    assert_eq!(headers["content-type"], content_type);
    assert_eq!(
        headers["content-disposition"],
        format!("attachment; filename=\"{file_name}\"").as_str()
    );
    assert_eq!(
        headers["x-content-sha256"].to_str().unwrap(),
        sha256_hex(body),
        "the hash header is the hash of the body"
    );
    assert_eq!(headers["content-length"], body.len().to_string().as_str());
    assert_eq!(headers["cache-control"], "no-store");
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const CSV: &str = "text/csv; charset=utf-8";

/// Every sheet of a workbook: its name and rows.
fn read_xlsx(body: &[u8]) -> Vec<(String, Vec<Vec<Data>>)> {
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(body.to_vec())).expect("a readable XLSX");
    book.sheet_names()
        .into_iter()
        .map(|name| {
            let range = book.worksheet_range(&name).expect("a readable sheet");
            let rows = range.rows().map(|r| r.to_vec()).collect();
            (name, rows)
        })
        .collect()
}

fn text(cell: &Data) -> String {
    match cell {
        Data::String(s) => s.clone(),
        Data::Empty => String::new(),
        other => other.to_string(),
    }
}

/// Reads a CSV body, checking the BOM; returns the header and the rows.
fn read_csv(body: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    assert!(
        body.starts_with(&[0xEF, 0xBB, 0xBF]),
        "CSV starts with the UTF-8 BOM"
    );
    let mut reader = csv::Reader::from_reader(&body[3..]);
    let header = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    (header, rows)
}

async fn board_names(app: &TestApp, path: &str) -> Vec<String> {
    let (status, body) = json_of(app.get(path, None).await).await;
    assert_eq!(status, 200, "{body}");
    body["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap().to_owned())
        .collect()
}

fn header_of(columns: &[&str]) -> Vec<String> {
    columns.iter().map(|c| (*c).to_owned()).collect()
}

/// The columns of a round's results with `?contact=birth_date,phone`.
const ROUND_COLUMNS_WITH_CONTACT: [&str; 12] = [
    "Hạng",
    "Họ và tên",
    "Ngày sinh",
    "Đơn vị",
    "Đối tượng",
    "Số điện thoại",
    "Điểm",
    "Thời gian làm bài",
    "Dự đoán",
    "Chênh lệch dự đoán",
    "Nộp lúc",
    "Số lượt thi",
];

/// The columns of a round's results, with or without `?contact=birth_date,phone`.
fn round_columns(with_contact: bool) -> Vec<String> {
    ROUND_COLUMNS_WITH_CONTACT
        .iter()
        .filter(|c| with_contact || !["Ngày sinh", "Số điện thoại"].contains(*c))
        .map(|c| (*c).to_owned())
        .collect()
}

#[tokio::test]
async fn round_results_in_xlsx_have_one_sheet_per_category_in_leaderboard_order() {
    let f = fixture().await;
    let app = &f.app;
    let path = format!(
        "/api/v1/rounds/{}/results.xlsx?contact=birth_date,phone",
        f.round
    );
    let (status, headers, body) = download(app, &path, Some(&f.organiser)).await;
    check_file(
        status,
        &headers,
        &body,
        XLSX,
        &format!("ket-qua-vong-thi-{}.xlsx", f.round),
    );

    let sheets = read_xlsx(&body);
    let names: Vec<&str> = sheets.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, [OFFICIALS, CITIZENS, "Đơn vị"]);
    for (sheet, category) in [(0, "official"), (1, "citizen")] {
        let rows = &sheets[sheet].1;
        let header: Vec<String> = rows[0].iter().map(text).collect();
        assert_eq!(header, round_columns(true), "the contact columns asked for");
        let expected = board_names(
            app,
            &format!("/api/v1/rounds/{}/leaderboard?category={category}", f.round),
        )
        .await;
        let got: Vec<String> = rows[1..].iter().map(|r| text(&r[1])).collect();
        assert_eq!(got, expected, "the sheet is the category's leaderboard");
        let ranks: Vec<f64> = rows[1..].iter().map(|r| r[0].as_f64().unwrap()).collect();
        let want: Vec<f64> = (1..=expected.len()).map(|r| r as f64).collect();
        assert_eq!(ranks, want, "ranked within the category");
    }

    // Vietnamese text intact and NFC, even for the name typed in NFD.
    let officials = &sheets[0].1;
    let quan = officials
        .iter()
        .find(|r| text(&r[1]) == "Võ Minh Quân")
        .expect("the NFD name is stored and exported in NFC");
    assert!(is_nfc(&text(&quan[1])));
    assert_eq!(text(&quan[3]), "Sở Tư pháp");
    assert_eq!(text(&quan[4]), OFFICIALS);
    assert_eq!(text(&quan[5]), "0912000005");
    // Real Excel values: a date, a duration, a date-time.
    match &quan[2] {
        Data::DateTime(d) => {
            let (y, m, day, ..) = d.to_ymd_hms_milli();
            assert_eq!((y, m, day), (1995, 10, 10));
        }
        other => panic!("birth date is not an Excel date: {other:?}"),
    }
    match &quan[7] {
        Data::DateTime(d) => {
            assert!(d.is_duration(), "time taken is a duration");
            assert!(d.as_f64() > 0.0 && d.as_f64() < 1200.0 / 86_400.0);
        }
        other => panic!("time taken is not an Excel duration: {other:?}"),
    }
    match &quan[10] {
        Data::DateTime(d) => assert!(d.is_datetime()),
        other => panic!("submitted at is not an Excel date-time: {other:?}"),
    }
    assert_eq!(quan[6].as_f64(), Some(9.0));

    // The units sheet: every unit, as the units table shows them.
    let (status, units) = json_of(
        app.get(&format!("/api/v1/rounds/{}/units", f.round), None)
            .await,
    )
    .await;
    assert_eq!(status, 200);
    let unit_rows = &sheets[2].1;
    assert_eq!(text(&unit_rows[0][0]), "Mã đơn vị");
    let codes: Vec<String> = unit_rows[1..].iter().map(|r| text(&r[0])).collect();
    let want: Vec<String> = units
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["unit_code"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(codes, want);
    let so_tp = unit_rows.iter().find(|r| text(&r[0]) == "SO-TP").unwrap();
    assert_eq!(so_tp[6].as_f64(), Some(2.0), "two participants");
}

#[tokio::test]
async fn round_results_in_csv_have_a_bom_the_leaderboard_order_and_no_contact_data_unasked() {
    let f = fixture().await;
    let app = &f.app;
    let path = format!("/api/v1/rounds/{}/results.csv", f.round);
    let (status, headers, body) = download(app, &path, Some(&f.organiser)).await;
    check_file(
        status,
        &headers,
        &body,
        CSV,
        &format!("ket-qua-vong-thi-{}.csv", f.round),
    );
    let (header, rows) = read_csv(&body);
    assert_eq!(
        header,
        round_columns(false),
        "no contact columns unless asked for"
    );
    assert!(!String::from_utf8_lossy(&body).contains("0912000001"));
    assert_eq!(rows.len(), PEOPLE.len());
    // The export is in the audit trail with the hash of exactly this file.
    let (_, log) =
        crate::helpers::json_of(app.get("/api/v1/audit", Some(&f.organiser)).await).await;
    let entry = &log[0];
    assert_eq!(entry["action"], "export");
    assert_eq!(entry["subject_id"], f.round);
    assert_eq!(entry["details"]["sha256"], sha256_hex(&body));
    assert_eq!(entry["details"]["with_phone"], false);
    let expected = board_names(app, &format!("/api/v1/rounds/{}/leaderboard", f.round)).await;
    let names: Vec<String> = rows.iter().map(|r| r[1].clone()).collect();
    assert_eq!(names, expected, "the CSV is the leaderboard");
    assert!(names.iter().all(|n| is_nfc(n)));
    assert!(names.contains(&"Võ Minh Quân".to_owned()));
    let binh = rows.iter().find(|r| r[1] == "Trần Văn Bình").unwrap();
    assert_eq!(binh[0], "4", "9, 9, 8, then 6 points");
    assert_eq!(binh[2], "Thị trấn Long Hồ");
    assert_eq!(binh[3], OFFICIALS);
    assert_eq!(binh[4], "6");
    assert!(
        binh[5].starts_with("0:") && binh[5].len() == "0:00:01.234".len(),
        "{}",
        binh[5]
    );
    assert_eq!(
        (binh[6].as_str(), binh[7].as_str()),
        ("", ""),
        "predictions show once the round has closed, as on the leaderboard"
    );
    assert_eq!(binh[9], "1");

    // The organiser's copy with the contact fields asked for.
    let (status, headers, body) = download(
        app,
        &format!("{path}?contact=birth_date,phone"),
        Some(&f.organiser),
    )
    .await;
    check_file(
        status,
        &headers,
        &body,
        CSV,
        &format!("ket-qua-vong-thi-{}.csv", f.round),
    );
    let (header, rows) = read_csv(&body);
    assert_eq!(header, round_columns(true));
    let binh = rows.iter().find(|r| r[1] == "Trần Văn Bình").unwrap();
    assert_eq!(binh[2], "1985-12-01");
    assert_eq!(binh[5], "0912000002");

    // The judge's copy: results, no contact data.
    let (status, _, body) = download(app, &path, Some(&f.judge)).await;
    assert_eq!(status, 200);
    assert_eq!(read_csv(&body).0, round_columns(false));

    // Admins manage accounts, not contest data.
    let admin = app.staff(Role::Admin, "qtv@example.vn").await;
    let (status, _, _) = download(app, &path, Some(&admin)).await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn contest_exports_follow_the_contest_leaderboard_and_unit_table() {
    let f = fixture().await;
    let app = &f.app;
    // A second round taken by two of them.
    let mut spec = round_spec();
    spec["title"] = json!("Tuần 2");
    let second = app.create_round(&f.organiser, f.contest, &spec).await;
    let late = app.token("0912000004", "mật khẩu an toàn").await;
    app.take(&late, second, 10, None).await;
    app.take(&f.participant, second, 1, None).await;

    let (status, headers, body) = download(
        app,
        &format!("/api/v1/contests/{}/results.csv", f.contest),
        Some(&f.judge),
    )
    .await;
    check_file(
        status,
        &headers,
        &body,
        CSV,
        &format!("ket-qua-cuoc-thi-{}.csv", f.contest),
    );
    let (header, rows) = read_csv(&body);
    assert_eq!(
        header,
        header_of(&[
            "Hạng",
            "Họ và tên",
            "Đơn vị",
            "Đối tượng",
            "Điểm",
            "Thời gian làm bài",
            "Số vòng thi",
            "Số lượt thi",
        ])
    );
    let expected = board_names(app, &format!("/api/v1/contests/{}/leaderboard", f.contest)).await;
    let names: Vec<String> = rows.iter().map(|r| r[1].clone()).collect();
    assert_eq!(names, expected);
    let ha = rows.iter().find(|r| r[1] == "Phạm Thu Hà").unwrap();
    assert_eq!(
        (ha[4].as_str(), ha[6].as_str()),
        ("13", "2"),
        "3 + 10 over two rounds"
    );

    let (status, headers, body) = download(
        app,
        &format!("/api/v1/contests/{}/results.xlsx", f.contest),
        Some(&f.organiser),
    )
    .await;
    check_file(
        status,
        &headers,
        &body,
        XLSX,
        &format!("ket-qua-cuoc-thi-{}.xlsx", f.contest),
    );
    let sheets = read_xlsx(&body);
    let citizens = board_names(
        app,
        &format!(
            "/api/v1/contests/{}/leaderboard?category=citizen",
            f.contest
        ),
    )
    .await;
    let got: Vec<String> = sheets[1].1[1..].iter().map(|r| text(&r[1])).collect();
    assert_eq!(got, citizens);

    // Units: the same figures as the API's unit table.
    let (_, units) = json_of(
        app.get(&format!("/api/v1/contests/{}/units", f.contest), None)
            .await,
    )
    .await;
    let want: Vec<(String, String)> = units
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["unit_code"].as_str().unwrap().to_owned(),
                u["participants"].to_string(),
            )
        })
        .collect();
    let (status, headers, body) = download(
        app,
        &format!("/api/v1/contests/{}/units.csv", f.contest),
        Some(&f.organiser),
    )
    .await;
    check_file(
        status,
        &headers,
        &body,
        CSV,
        &format!("don-vi-cuoc-thi-{}.csv", f.contest),
    );
    let (header, rows) = read_csv(&body);
    assert_eq!(header[1], "Đơn vị");
    let got: Vec<(String, String)> = rows.iter().map(|r| (r[0].clone(), r[6].clone())).collect();
    assert_eq!(got, want);
    assert!(rows.iter().any(|r| r[1] == "Huyện Long Hồ"));

    let (status, headers, body) = download(
        app,
        &format!("/api/v1/contests/{}/units.xlsx", f.contest),
        Some(&f.judge),
    )
    .await;
    check_file(
        status,
        &headers,
        &body,
        XLSX,
        &format!("don-vi-cuoc-thi-{}.xlsx", f.contest),
    );
    let sheets = read_xlsx(&body);
    assert_eq!(sheets.len(), 1);
    assert_eq!(sheets[0].0, "Đơn vị");
    let got: Vec<(String, String)> = sheets[0].1[1..]
        .iter()
        .map(|r| (text(&r[0]), format!("{}", r[6].as_f64().unwrap() as i64)))
        .collect();
    assert_eq!(got, want);
}

#[tokio::test]
async fn exports_are_for_staff_and_the_item_analysis_for_organisers() {
    let f = fixture().await;
    let app = &f.app;
    let staff_paths = [
        format!("/api/v1/rounds/{}/results.xlsx", f.round),
        format!("/api/v1/rounds/{}/results.csv", f.round),
        format!("/api/v1/contests/{}/results.xlsx", f.contest),
        format!("/api/v1/contests/{}/results.csv", f.contest),
        format!("/api/v1/contests/{}/units.xlsx", f.contest),
        format!("/api/v1/contests/{}/units.csv", f.contest),
    ];
    let organiser_paths = [
        format!("/api/v1/rounds/{}/items", f.round),
        format!("/api/v1/rounds/{}/items.csv", f.round),
    ];
    for path in staff_paths.iter().chain(&organiser_paths) {
        let (status, body) = json_of(app.get(path, None).await).await;
        assert_eq!(status, 401, "{path}");
        assert_eq!(body["error"]["code"], "unauthorized");
        let (status, body) = json_of(app.get(path, Some(&f.participant)).await).await;
        assert_eq!(status, 403, "{path}");
        assert_eq!(body["error"]["code"], "forbidden");
    }
    for path in &organiser_paths {
        assert_eq!(app.get(path, Some(&f.judge)).await.status(), 403, "{path}");
        assert_eq!(
            app.get(path, Some(&f.organiser)).await.status(),
            200,
            "{path}"
        );
    }
    for path in [
        "/api/v1/rounds/999/results.csv",
        "/api/v1/contests/999/results.xlsx",
        "/api/v1/contests/999/units.csv",
        "/api/v1/rounds/999/items",
    ] {
        let (status, body) = json_of(app.get(path, Some(&f.organiser)).await).await;
        assert_eq!(status, 404, "{path}");
        assert_eq!(body["error"]["code"], "not_found");
    }
}

#[tokio::test]
async fn an_unknown_export_format_is_not_found_whoever_asks() {
    // Arrange
    let f = fixture().await;
    let app = &f.app;

    for path in [
        format!("/api/v1/rounds/{}/results.pdf", f.round),
        format!("/api/v1/contests/{}/results.pdf", f.contest),
        format!("/api/v1/contests/{}/units.pdf", f.contest),
        // Formats are named exactly, as the literal paths before them were.
        format!("/api/v1/rounds/{}/results.XLSX", f.round),
    ] {
        for (caller, token) in [("anonymous", None), ("judge", Some(f.judge.as_str()))] {
            // Act
            let (status, body) = json_of(app.get(&path, token).await).await;

            // Assert: the path does not exist, before any question of who is asking.
            assert_eq!(status, 404, "{path} as {caller}: {body}");
            assert_eq!(body["error"]["code"], "not_found", "{path} as {caller}");
        }
    }
}

#[tokio::test]
async fn the_item_analysis_computes_facility_and_discrimination_per_question() {
    // Two attempts: flagged only because the minimum sample is lowered to one.
    let app = spawn_app_with(|s| s.item_min_sample = 1).await;
    let (organiser, contest) = app.seed_contest().await;
    let round = app.create_round(&organiser, contest, &round_spec()).await;
    // One participant answers everything right, one everything wrong.
    let strong = app.participant("0912000001").await;
    let weak = app.participant("0912000002").await;
    app.take(&strong, round, 10, None).await;
    app.take(&weak, round, 0, None).await;

    let attempts = cuocthi::entities::attempt::Entity::find()
        .filter(cuocthi::entities::attempt::Column::RoundId.eq(round))
        .all(&app.state.db.read)
        .await
        .unwrap();
    let drawn_by = |score: i32| -> Vec<i64> {
        let a = attempts
            .iter()
            .find(|a| a.score == Some(score))
            .expect("a finished attempt");
        cuocthi::contest::attempts::drawn_of(a)
            .unwrap()
            .iter()
            .map(|d| d.question_id)
            .collect()
    };
    let (by_strong, by_weak) = (drawn_by(10), drawn_by(0));

    let (status, items) = json_of(
        app.get(&format!("/api/v1/rounds/{round}/items"), Some(&organiser))
            .await,
    )
    .await;
    assert_eq!(status, 200, "{items}");
    let items = items.as_array().unwrap();
    let mut ids: Vec<i64> = by_strong.iter().chain(&by_weak).copied().collect();
    ids.sort_unstable();
    ids.dedup();
    let listed: Vec<i64> = items
        .iter()
        .map(|i| i["question_id"].as_i64().unwrap())
        .collect();
    assert_eq!(listed, ids, "every question drawn, in id order");
    for item in items {
        let id = item["question_id"].as_i64().unwrap();
        let (s, w) = (by_strong.contains(&id), by_weak.contains(&id));
        let flags: Vec<&str> = item["flags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f.as_str().unwrap())
            .collect();
        let chosen: u64 = item["options"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["chosen"].as_u64().unwrap())
            .sum();
        assert_eq!(item["drawn"], json!(u64::from(s) + u64::from(w)));
        assert_eq!(item["enough_data"], true);
        assert!(
            chosen >= item["drawn"].as_u64().unwrap(),
            "every question was answered"
        );
        match (s, w) {
            // Drawn by both: x = (1, 0) against the rest y = (9, 0):
            // r = (2·9 − 1·9) / √((2·1 − 1)(2·81 − 81)) = 9 / √81 = 1.
            (true, true) => {
                assert_eq!(item["facility"], json!(0.5));
                assert_eq!(item["discrimination"], json!(1.0));
                assert!(flags.is_empty(), "{item}");
            }
            (true, false) => {
                assert_eq!(item["facility"], json!(1.0));
                assert_eq!(
                    item["discrimination"],
                    Value::Null,
                    "one attempt: undefined"
                );
                assert_eq!(flags, ["too_easy"]);
            }
            (false, true) => {
                assert_eq!(item["facility"], json!(0.0));
                assert_eq!(flags, ["too_hard"]);
            }
            (false, false) => unreachable!(),
        }
    }

    // The CSV export of it, and the page.
    let (status, headers, body) = download(
        &app,
        &format!("/api/v1/rounds/{round}/items.csv"),
        Some(&organiser),
    )
    .await;
    check_file(
        status,
        &headers,
        &body,
        CSV,
        &format!("phan-tich-cau-hoi-vong-thi-{round}.csv"),
    );
    let (header, rows) = read_csv(&body);
    assert_eq!(header[0], "Mã câu hỏi");
    assert_eq!(header[9], "Độ dễ");
    assert_eq!(rows.len(), items.len());
    assert!(rows.iter().any(|r| r[12] == "quá dễ"));

    let response = app
        .client
        .get(app.url(&format!("/organiser/rounds/{round}/items")))
        .bearer_auth(&organiser)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let html = response.text().await.unwrap();
    assert!(html.contains("Phân tích câu hỏi"));
    assert!(
        html.contains("<mark>quá dễ</mark>"),
        "flags are highlighted"
    );
    assert!(!html.contains("style=\""));
    let judge = app.staff(Role::Judge, "bgk@example.vn").await;
    let response = app
        .client
        .get(app.url(&format!("/organiser/rounds/{round}/items")))
        .bearer_auth(&judge)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
}

#[tokio::test]
async fn the_item_analysis_flags_nothing_below_its_minimum_sample() {
    let app = spawn_app().await;
    let (organiser, contest) = app.seed_contest().await;
    let round = app.create_round(&organiser, contest, &round_spec()).await;
    let strong = app.participant("0912000001").await;
    app.take(&strong, round, 10, None).await;
    let (status, items) = json_of(
        app.get(&format!("/api/v1/rounds/{round}/items"), Some(&organiser))
            .await,
    )
    .await;
    assert_eq!(status, 200, "{items}");
    let items = items.as_array().unwrap();
    assert!(!items.is_empty());
    for item in items {
        assert_eq!(item["facility"], json!(1.0), "{item}");
        assert_eq!(item["enough_data"], false, "{item}");
        assert_eq!(
            item["flags"],
            json!([]),
            "one attempt flags nothing: {item}"
        );
    }
    let html = app
        .client
        .get(app.url(&format!("/organiser/rounds/{round}/items")))
        .bearer_auth(&organiser)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("chưa đủ dữ liệu"), "{html}");
    assert!(
        html.contains("ít nhất 30 lần"),
        "the page says the threshold"
    );
    assert!(!html.contains("<mark>"), "no flag is highlighted");
}

#[tokio::test]
async fn the_leaderboard_and_judge_pages_draw_charts_in_svg() {
    let f = fixture().await;
    let app = &f.app;
    let (status, units) = json_of(
        app.get(&format!("/api/v1/rounds/{}/units", f.round), None)
            .await,
    )
    .await;
    assert_eq!(status, 200);
    let units = units.as_array().unwrap().len();

    let html = app
        .client
        .get(app.url(&format!("/rounds/{}/leaderboard", f.round)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(html.matches("<svg").count(), 2, "participation and scores");
    assert!(html.contains("role=\"img\""));
    // One bar per unit, one per score 0..=10.
    assert_eq!(html.matches("<rect class=\"bar\"").count(), units + 11);
    assert!(!html.contains("style=\""), "no inline style (CSP)");

    let html = app
        .client
        .get(app.url(&format!("/judge/rounds/{}", f.round)))
        .bearer_auth(&f.judge)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(html.matches("<svg").count(), 3, "and participants per day");
    assert!(html.contains("Số người dự thi theo ngày: 5 người"));
}

//! The organiser's dashboard (issue #15 point 6), checked against a scenario: who
//! registered, who started, who is still answering, who submitted; an open round's
//! participants, median and perfect scores, units per block; and the warnings for the next
//! 24 hours (a round whose draw the bank can no longer fill, a round about to close,
//! duplicate accounts).

use chrono::{Duration, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::announcements::page_text;
use crate::helpers::{TEST_BANK, TestApp, json_of, registration, round_spec, spawn_app};
use crate::pages::{browser, log_in};

async fn dashboard(app: &TestApp, token: &str) -> Value {
    let (status, body) = json_of(app.get("/api/v1/dashboard", Some(token)).await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

/// Registers a participant with a birth date (duplicates are grouped by name, birth date
/// and unit).
async fn register_born(app: &TestApp, name: &str, phone: &str) {
    let mut body = registration(phone);
    body["full_name"] = json!(name);
    body["birth_date"] = json!("1990-05-31");
    let (status, body) = json_of(app.post_json("/api/v1/auth/register", None, &body).await).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

fn warning<'a>(d: &'a Value, code: &str) -> Vec<&'a Value> {
    d["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["code"] == code)
        .collect()
}

#[tokio::test]
async fn the_dashboard_counts_the_day_the_open_rounds_and_warns_of_the_next_24_hours() {
    // Arrange: an open round closing in 12 hours, a round opening in 6 hours and one in
    // 3 days, both drawing 10 questions of the test bank.
    let app = spawn_app().await;
    let (organiser, contest) = app.seed_contest().await;
    let now = Utc::now();
    let mut open = round_spec();
    open["closes_at"] = json!(now + Duration::hours(12));
    let open = app.create_round(&organiser, contest, &open).await;
    let mut soon = round_spec();
    soon["title"] = json!("Tuần 2");
    soon["opens_at"] = json!(now + Duration::hours(6));
    soon["closes_at"] = json!(now + Duration::days(7));
    let soon = app.create_round(&organiser, contest, &soon).await;
    let mut later = round_spec();
    later["title"] = json!("Tuần 3");
    later["opens_at"] = json!(now + Duration::days(3));
    later["closes_at"] = json!(now + Duration::days(10));
    app.create_round(&organiser, contest, &later).await;

    // Nothing yet: no participant, and only the closing round warns.
    let empty = dashboard(&app, &organiser).await;
    assert_eq!(empty["total"]["registrations"], 0);
    assert_eq!(empty["open_rounds"][0]["participants"], 0);
    assert!(empty["open_rounds"][0]["median_score"].is_null());
    assert!(warning(&empty, "draw_short").is_empty(), "{empty}");

    // Two submit (10/10 and 6/10), one is still answering, two accounts look alike.
    let perfect = app.participant_named("Trần Thị Mai", "0912000001").await;
    let six = app.participant_named("Lê Văn Hùng", "0912000002").await;
    let answering = app.participant_named("Phạm Văn Đức", "0912000003").await;
    app.take(&perfect, open, 10, Some(1)).await;
    app.take(&six, open, 6, Some(1)).await;
    let (status, body) = app.start(&answering, open).await;
    assert!(status.is_success(), "{body}");
    register_born(&app, "Nguyễn Văn Trùng", "0912000004").await;
    register_born(&app, "Nguyễn  Văn Trùng", "0912000005").await;

    // The bank is re-imported with 5 questions: the rounds drawing 10 can no longer be
    // filled (the import drops this instance's pool of the bank: the warning is at once).
    let mut small = cuocthi::banks::synthetic_bank(5);
    small.code = TEST_BANK.into();
    let (status, body) = json_of(
        app.import_bank(
            Some(&organiser),
            "format=toml",
            cuocthi::banks::to_toml(&small).into_bytes(),
        )
        .await,
    )
    .await;
    assert!(status.is_success(), "{body}");

    // Act
    let d = dashboard(&app, &organiser).await;

    // Assert: counts today and in total.
    for period in ["today", "total"] {
        assert_eq!(d[period]["registrations"], 5, "{period}: {d}");
        assert_eq!(d[period]["attempts_started"], 3, "{period}: {d}");
        assert_eq!(d[period]["submitted"], 2, "{period}: {d}");
    }
    assert_eq!(d["in_progress"], 1, "{d}");

    // The open round, from its snapshot.
    let rounds = d["open_rounds"].as_array().unwrap();
    assert_eq!(rounds.len(), 1, "{d}");
    let r = &rounds[0];
    assert_eq!(r["round_id"], open);
    assert_eq!(r["participants"], 2);
    assert_eq!(r["median_score"], 8.0);
    assert_eq!(r["max_score"], 10);
    assert_eq!(r["perfect_share"], 0.5);
    let block = r["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["block"] == "hanh-chinh")
        .expect("the block of SO-TP");
    assert_eq!(block["highest"][0]["unit_code"], "SO-TP");
    assert_eq!(block["highest"][0]["participants"], 2);
    assert_eq!(block["highest"][0]["headcount"], 48);

    // Warnings: the round opening within 24 h (not the one in 3 days), the round closing
    // within 24 h, the duplicates.
    let short = warning(&d, "draw_short");
    assert_eq!(short.len(), 1, "{d}");
    assert_eq!(short[0]["round_id"], soon);
    assert!(
        short[0]["message"]
            .as_str()
            .unwrap()
            .contains("thiếu 5 câu"),
        "{d}"
    );
    let closing = warning(&d, "round_closing");
    assert_eq!(closing.len(), 1, "{d}");
    assert_eq!(closing[0]["round_id"], open);
    let duplicates = warning(&d, "duplicates_waiting");
    assert_eq!(duplicates.len(), 1, "{d}");
    assert_eq!(duplicates[0]["count"], 1);

    // The page shows the same.
    let b = browser();
    log_in(&b, &app, "btc@example.vn", "staff password").await;
    let page = page_text(&b, &app, "/organiser").await;
    assert!(page.contains("data-code=\"draw_short\""), "{page}");
    assert!(page.contains("data-code=\"round_closing\""), "{page}");
    assert!(page.contains("data-code=\"duplicates_waiting\""), "{page}");
    assert!(
        page.contains("<strong id=\"in-progress\">1</strong>"),
        "{page}"
    );
    assert!(page.contains("8.0/10"), "{page}");
    assert!(page.contains("50.0%"), "{page}");

    // Two days on, the round has closed: no open round, nothing about it.
    app.state.engine.clock.advance(Duration::days(2));
    let d = dashboard(&app, &organiser).await;
    assert!(warning(&d, "round_closing").is_empty(), "{d}");
    assert!(
        d["open_rounds"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["round_id"] != open),
        "{d}"
    );
}

//! The organiser's and the judge's consoles in the browser: an organiser uploads a bad bank
//! and sees the line, creates a round; a judge opens a round's results.

use chrono::{Duration as Span, FixedOffset, Utc};
use cuocthi::accounts::Role;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;

use crate::app::{STAFF_PASSWORD, TEST_BANK, spawn_app};
use crate::flows::log_in;
use crate::harness::{Browser, tools};

/// A TOML bank whose 3rd question has no correct option, and the line where that
/// question starts (the line import errors name).
fn bad_bank() -> (String, usize) {
    let mut bank = cuocthi::banks::synthetic_bank(5);
    bank.code = "ngan-hang-loi".into();
    for c in &mut bank.questions[2].choices {
        c.correct = false;
    }
    let toml = cuocthi::banks::to_toml(&bank);
    let line = toml
        .lines()
        .enumerate()
        .filter(|(_, l)| *l == "[[questions]]")
        .nth(2)
        .map(|(i, _)| i + 1)
        .expect("a third question");
    // The importer agrees on the line (so the test checks the page, not the parser).
    let problems = cuocthi::banks::parse(
        cuocthi::banks::Format::Toml,
        toml.as_bytes(),
        &cuocthi::banks::BankMeta::new("ngan-hang-loi", "Lỗi"),
    )
    .expect_err("the bank is invalid");
    assert!(
        problems.iter().any(|p| p.line == line),
        "the importer reports {problems:?}, not line {line}"
    );
    (toml, line)
}

/// A `datetime-local` value in Vietnam time.
fn vn_local(t: chrono::DateTime<Utc>) -> String {
    t.with_timezone(&FixedOffset::east_opt(7 * 3600).expect("UTC+7"))
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

/// Sets a field's value as a person would leave it (input and change events fire).
async fn set_value(b: &Browser, css: &str, value: &str) {
    let field = b.find(css).await;
    b.js(
        "arguments[0].value = arguments[1];\
         arguments[0].dispatchEvent(new Event('input', {bubbles: true}));\
         arguments[0].dispatchEvent(new Event('change', {bubbles: true}));",
        vec![json!(field), json!(value)],
    )
    .await;
}

#[tokio::test]
async fn organiser_console_reports_bank_errors_by_line_and_creates_a_round() {
    let Some(tools) = tools("organiser_console_reports_bank_errors_by_line_and_creates_a_round")
    else {
        return;
    };
    let app = spawn_app().await;
    let seeded = app.seed_round().await;
    let b = Browser::launch(&tools, &app.address, true).await;
    log_in(&b, "btc@example.vn", STAFF_PASSWORD).await;

    // A bad bank through the upload form: the error names the question's line.
    let (toml, line) = bad_bank();
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("ngan-hang-loi.toml");
    std::fs::write(&file, toml).expect("write the bank");
    b.goto("/organiser/banks").await;
    b.find("form#bank-upload #bank-file")
        .await
        .send_keys(&file.display().to_string())
        .await
        .expect("choose the file");
    b.fill("form#bank-upload #bank-code", "ngan-hang-loi").await;
    b.find("form#bank-upload #bank-format")
        .await
        .select_by_value("toml")
        .await
        .expect("pick the format");
    b.find("form#bank-upload button[type=submit]")
        .await
        .click()
        .await
        .expect("upload");
    b.wait_for_text(".error", &format!("Dòng {line}")).await;
    b.screenshots("organiser-bank-error", 1280, 800).await;

    // A good file through "Kiểm tra": kept, so "Tải lên" imports it with no file chosen
    // again (the file field is no longer required); the code typed stays in the form.
    let sample = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("question-banks/mau/tthc-dien-tu-vinh-long.gift");
    b.find("form#bank-upload #bank-file")
        .await
        .send_keys(&sample.display().to_string())
        .await
        .expect("choose the sample");
    b.fill("form#bank-upload #bank-code", "mau-gift").await;
    b.find("form#bank-upload #bank-format")
        .await
        .select_by_value("")
        .await
        .expect("format by the file name");
    b.find("form#bank-upload button[value=check]")
        .await
        .click()
        .await
        .expect("check");
    b.wait_for_text("#bank-kept", "tthc-dien-tu-vinh-long.gift")
        .await;
    b.screenshots("organiser-bank-checked", 360, 740).await;
    b.find("form#bank-upload button[value=import]")
        .await
        .click()
        .await
        .expect("import the kept file");
    b.wait_for_text(".notice", "Đã lưu ngân hàng mau-gift")
        .await;

    // A new round through the form.
    b.goto(&format!("/organiser/contests/{}", seeded.contest))
        .await;
    let now = Utc::now();
    b.fill("#round-title", "Tuần 2 (tạo từ trang quản trị)")
        .await;
    set_value(&b, "#round-opens", &vn_local(now - Span::hours(1))).await;
    set_value(&b, "#round-closes", &vn_local(now + Span::days(7))).await;
    b.fill("#round-minutes", "20").await;
    b.fill("#round-attempts", "2").await;
    let bank_id = cuocthi::entities::bank::Entity::find()
        .filter(cuocthi::entities::bank::Column::Code.eq(TEST_BANK))
        .one(&app.state.db.read)
        .await
        .unwrap()
        .expect("the seeded bank")
        .id;
    // The bank's option, whether its value is the code or the id.
    let bank_select = b.find("#quota-0-bank").await;
    let chosen = b
        .js(
            "var s = arguments[0];\
             for (var i = 0; i < s.options.length; i++) {\
               var o = s.options[i];\
               if (o.value === arguments[1] || o.value === arguments[2] || o.text.indexOf(arguments[1]) >= 0) {\
                 s.selectedIndex = i; s.dispatchEvent(new Event('change', {bubbles: true})); return o.value;\
               }\
             }\
             return null;",
            vec![json!(bank_select), json!(TEST_BANK), json!(bank_id.to_string())],
        )
        .await;
    assert!(
        chosen.is_string(),
        "no option for bank {TEST_BANK} in #quota-0-bank"
    );
    b.find("#quota-0-difficulty")
        .await
        .select_by_value("")
        .await
        .expect("any difficulty");
    b.fill("#quota-0-count", "10").await;
    // First ask whether the bank can fill the quotas, then create.
    b.find("form#round-create button[value=check]")
        .await
        .click()
        .await
        .expect("check the quotas");
    b.wait_for_text(".notice", "Ngân hàng đủ câu hỏi").await;
    b.find("form#round-create button[value=create]")
        .await
        .click()
        .await
        .expect("create the round");
    b.wait_for_text("#rounds", "Tuần 2 (tạo từ trang quản trị)")
        .await;
    b.wait_for_text("#done-notice", "Đã tạo vòng thi.").await;
    b.screenshots("organiser-contest", 1280, 800).await;
    b.close().await;
}

#[tokio::test]
async fn judge_console_shows_the_round_results() {
    let Some(tools) = tools("judge_console_shows_the_round_results") else {
        return;
    };
    let app = spawn_app().await;
    let seeded = app.seed_round().await;
    let participant = app.participant_named("Đặng Thu Hà", "0912000555").await;
    app.take_round(&participant, seeded.round, 1).await;
    app.staff(Role::Judge, "bgk@example.vn").await;
    let b = Browser::launch(&tools, &app.address, true).await;
    log_in(&b, "bgk@example.vn", STAFF_PASSWORD).await;

    b.goto(&format!("/judge/rounds/{}", seeded.round)).await;
    b.find("table#results").await;
    let mut headers = Vec::new();
    for th in b.all("table#results thead th").await {
        headers.push(th.text().await.unwrap_or_default().trim().to_owned());
    }
    let wanted = [
        "Hạng",
        "Họ và tên",
        "Đơn vị",
        "Điểm",
        "Dự đoán",
        "Chênh lệch",
        "Thời gian",
        "Nộp lúc",
    ];
    let mut at = 0;
    for want in wanted {
        let Some(i) = headers[at..].iter().position(|h| h == want) else {
            panic!("the results table has no column {want:?} in order: {headers:?}");
        };
        at += i + 1;
    }
    b.wait_for_text("table#results tbody tr", "Đặng Thu Hà")
        .await;
    b.screenshots("judge-round", 1280, 800).await;

    // The export links work from the page, signed in by the cookie (the server refuses
    // such downloads from other sites: Sec-Fetch-Site says this one is same-origin).
    for suffix in ["results.xlsx", "results.csv"] {
        let got = b
            .js(
                "var a = document.querySelector('a[href$=\"' + arguments[0] + '\"]');\
                 if (!a) { return 'no link'; }\
                 var x = new XMLHttpRequest();\
                 x.open('GET', a.href, false);\
                 x.send();\
                 return x.status + ' ' + x.getResponseHeader('x-content-sha256');",
                vec![json!(suffix)],
            )
            .await;
        let got = got.as_str().unwrap_or_default().to_owned();
        assert!(
            got.starts_with("200 ") && got.len() == "200 ".len() + 64,
            "{suffix}: {got}"
        );
    }
    b.close().await;
}

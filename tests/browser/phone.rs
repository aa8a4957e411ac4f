//! Issue #18 in a real browser: every failure of the attempt page ends in a visible,
//! actionable state (the session lost, the connection lost), the prediction survives a
//! reload, a jump lands on the question's heading, practice teaches, and no page scrolls
//! sideways at 360 px (screenshots of each at 360×740 and 1280×800).

use serde_json::json;

use crate::app::{PASSWORD, STAFF_PASSWORD, TestApp, round_spec, spawn_app};
use crate::flows::{answer, log_in, positions, start_round, wait_saved_in_db};
use crate::harness::{Browser, tools};
use cuocthi::accounts::Role;
use cuocthi::contest::attempts::Status;

/// Where the sticky bar of the attempt page ends and where question `q`'s heading
/// starts, in CSS pixels from the top of the viewport.
pub async fn bar_and_heading(b: &Browser, q: usize) -> (f64, f64) {
    let v = b
        .js(
            "var f = document.getElementById(arguments[0]);\
             return [document.querySelector('.qbar').getBoundingClientRect().bottom,\
                     f.querySelector('legend').getBoundingClientRect().top];",
            vec![json!(format!("q{q}"))],
        )
        .await;
    (v[0].as_f64().unwrap_or(-1.0), v[1].as_f64().unwrap_or(-1.0))
}

/// Clicks "Nộp bài" and accepts the confirmation, whatever it says.
async fn submit_and_confirm(b: &Browser) {
    b.button("Nộp bài")
        .await
        .click()
        .await
        .expect("click Nộp bài");
    b.wait_for_dialog().await;
    b.client.accept_alert().await.expect("accept");
}

#[tokio::test]
async fn losing_the_session_mid_attempt_says_so_and_leads_back_to_the_attempt() {
    let Some(tools) = tools("losing_the_session_mid_attempt_says_so_and_leads_back_to_the_attempt")
    else {
        return;
    };
    let app = spawn_app().await;
    let seeded = app.seed_round().await;
    let token = app.participant_named("Đỗ Văn Hùng", "0912000555").await;
    let b = Browser::launch(&tools, &app.address, true).await;
    log_in(&b, "0912000555", PASSWORD).await;
    let attempt = start_round(&b, seeded.round).await;
    let key = app.answer_key(attempt).await;
    let order = positions(&b).await;
    answer(&b, order[0], &key[order[0] - 1]).await;
    b.wait_for_text(&format!("#q{} .save-state", order[0]), "Đã lưu")
        .await;

    // Signed out everywhere from another device: the browser's session is dead.
    let r = app
        .post_json("/api/v1/auth/logout-all", Some(&token), &json!({}))
        .await;
    assert!(r.status().is_success(), "logout-all: {}", r.status());
    answer(&b, order[1], &key[order[1] - 1]).await;
    let banner = b
        .wait_for_text("#save-banner", "Phiên đăng nhập đã hết")
        .await;
    assert!(banner.contains("bài làm của bạn vẫn được giữ"), "{banner}");
    b.screenshots("attempt-session-lost", 360, 740).await;

    // "Nộp bài" does not hang: it says why not, and the button comes back.
    submit_and_confirm(&b).await;
    b.wait_for_text("#save-banner", "Đăng nhập lại").await;
    b.wait_for_text("#submit-button", "Nộp bài").await;
    assert_eq!(b.path().await, format!("/attempts/{attempt}"));
    assert_eq!(app.attempt(attempt).await.status, Status::InProgress);

    // The way back: log in again, land on the attempt, the answer given meanwhile saved.
    b.find("#banner-link")
        .await
        .click()
        .await
        .expect("click Đăng nhập lại");
    b.wait_for_path("the login page", |p| p == "/login").await;
    b.fill("#login", "0912000555").await;
    b.fill("#password", PASSWORD).await;
    b.button("Đăng nhập").await.click().await.expect("log in");
    b.wait_for_path("the attempt again", |p| p == format!("/attempts/{attempt}"))
        .await;
    wait_saved_in_db(&app, attempt, order[1], &key[order[1] - 1]).await;
    b.wait_for_text(&format!("#q{} .save-state", order[1]), "Đã lưu")
        .await;
    assert!(
        b.find("#save-banner")
            .await
            .attr("class")
            .await
            .unwrap()
            .unwrap()
            .contains("hidden")
    );
    b.close().await;
}

#[tokio::test]
async fn answers_given_offline_are_queued_and_submit_says_why_not_until_back_online() {
    let Some(tools) =
        tools("answers_given_offline_are_queued_and_submit_says_why_not_until_back_online")
    else {
        return;
    };
    let app = spawn_app().await;
    let seeded = app.seed_round().await;
    app.participant_named("Ngô Thị Mai", "0912000666").await;
    let b = Browser::launch(&tools, &app.address, true).await;
    log_in(&b, "0912000666", PASSWORD).await;
    let attempt = start_round(&b, seeded.round).await;
    let key = app.answer_key(attempt).await;
    let order = positions(&b).await;

    b.set_offline(true).await;
    for &p in &order[..2] {
        answer(&b, p, &key[p - 1]).await;
    }
    b.wait_for_text("#save-banner", "Chưa lưu được 2 câu trả lời")
        .await;
    submit_and_confirm(&b).await;
    b.wait_for_text("#save-banner", "Chưa nộp được").await;
    b.wait_for_text("#submit-button", "Nộp bài").await;
    assert_eq!(app.attempt(attempt).await.status, Status::InProgress);
    assert!(app.saved_answers(attempt).await.is_empty());

    // Back online: the queue drains by itself, and the submit goes through.
    b.set_offline(false).await;
    b.js("window.dispatchEvent(new Event('online'))", vec![])
        .await;
    for &p in &order[..2] {
        wait_saved_in_db(&app, attempt, p, &key[p - 1]).await;
    }
    for &p in &order[..2] {
        b.wait_for_text(&format!("#q{p} .save-state"), "Đã lưu")
            .await;
    }
    submit_and_confirm(&b).await;
    b.wait_for_path("the result", |p| p.ends_with("/result"))
        .await;
    assert_eq!(app.attempt(attempt).await.status, Status::Finished);
    b.close().await;
}

#[tokio::test]
async fn a_typed_prediction_is_saved_and_survives_a_reload() {
    let Some(tools) = tools("a_typed_prediction_is_saved_and_survives_a_reload") else {
        return;
    };
    let app = spawn_app().await;
    let seeded = app.seed_round().await;
    app.participant_named("Vũ Thị Hoa", "0912000777").await;
    let b = Browser::launch(&tools, &app.address, true).await;
    log_in(&b, "0912000777", PASSWORD).await;
    let attempt = start_round(&b, seeded.round).await;
    b.fill("#prediction", "1234").await;
    b.wait_for_text("#prediction-state", "Đã lưu lúc").await;
    assert_eq!(app.attempt(attempt).await.prediction, Some(1234));
    b.client.refresh().await.expect("reload");
    let value = b.find("#prediction").await.prop("value").await.unwrap();
    assert_eq!(value.as_deref(), Some("1234"));
    b.close().await;
}

/// A round of 20 questions, so that question 15 is far down the page.
async fn long_round(app: &TestApp) -> i64 {
    let (organiser, contest) = app.seed_contest().await;
    let mut spec = round_spec();
    spec["draw"] = json!([{"bank": crate::app::TEST_BANK, "count": 20}]);
    app.create_round(&organiser, contest, &spec).await
}

#[tokio::test]
async fn a_jump_to_question_15_on_a_phone_shows_its_heading() {
    let Some(tools) = tools("a_jump_to_question_15_on_a_phone_shows_its_heading") else {
        return;
    };
    let app = spawn_app().await;
    let round = long_round(&app).await;
    app.participant_named("Lý Văn Tâm", "0912000888").await;
    for javascript in [true, false] {
        let b = Browser::launch(&tools, &app.address, javascript).await;
        log_in(&b, "0912000888", PASSWORD).await;
        if javascript {
            start_round(&b, round).await;
        } else {
            b.goto("/me").await;
            b.find_xpath("//a[normalize-space(.)='Làm tiếp']")
                .await
                .click()
                .await
                .expect("resume");
        }
        b.find("#attempt-form").await;
        b.set_viewport(360, 740).await;
        let bar = b
            .js(
                "return document.querySelector('.qbar').getBoundingClientRect().height",
                vec![],
            )
            .await;
        assert!(
            bar.as_f64().unwrap() <= 64.0,
            "the sticky bar is {bar}px tall (JS {javascript})"
        );
        // From the bar to the list, then to question 15.
        b.find(".qbar-list")
            .await
            .click()
            .await
            .expect("open the list");
        b.find(".qnav a[href='#q15']")
            .await
            .click()
            .await
            .expect("jump to 15");
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let (bar, heading) = bar_and_heading(&b, 15).await;
        assert!(
            heading >= bar && heading < 370.0,
            "question 15's heading is hidden (JS {javascript}): bar ends at {bar}, heading at {heading}"
        );
        b.screenshot(&format!(
            "attempt-360-jump-15{}",
            if javascript { "" } else { "-nojs" }
        ))
        .await;
        b.close().await;
    }
}

#[tokio::test]
async fn a_practice_result_teaches_and_offers_another_try() {
    let Some(tools) = tools("a_practice_result_teaches_and_offers_another_try") else {
        return;
    };
    let app = spawn_app().await;
    let (organiser, contest) = app.seed_contest().await;
    let mut spec = round_spec();
    spec["title"] = json!("Thi thử");
    spec["practice"] = json!(true);
    spec["max_attempts"] = json!(0);
    let practice = app.create_round(&organiser, contest, &spec).await;
    app.participant_named("Trịnh Thị Nga", "0912000999").await;
    let b = Browser::launch(&tools, &app.address, true).await;
    log_in(&b, "0912000999", PASSWORD).await;
    b.goto("/").await;
    let card = b.wait_for_text(".card", "Thi thử").await;
    assert_eq!(card.matches("hi thử").count(), 1, "“Thi thử” once: {card}");
    start_round(&b, practice).await;
    let order = positions(&b).await;
    submit_and_confirm(&b).await;
    b.wait_for_path("the result", |p| p.ends_with("/result"))
        .await;
    let review = b.wait_for_text("main", "Đáp án và giải thích").await;
    assert!(
        review.matches("(đáp án đúng)").count() >= order.len(),
        "{review}"
    );
    assert!(review.contains("Giải thích:"), "{review}");
    assert!(!review.contains("khi vòng thi kết thúc"), "{review}");
    b.screenshots("practice-result", 360, 740).await;
    b.find("#again").await.click().await.expect("Thi lại");
    b.wait_for_text("#ready", "không giới hạn số lượt").await;
    b.close().await;
}

#[tokio::test]
async fn round_cards_and_results_say_where_you_stand() {
    let Some(tools) = tools("round_cards_and_results_say_where_you_stand") else {
        return;
    };
    let app = spawn_app().await;
    let seeded = app.seed_round().await;
    let token = app.participant_named("Hà Văn Long", "0912001000").await;
    app.take_round(&token, seeded.round, 3).await;
    let b = Browser::launch(&tools, &app.address, true).await;
    log_in(&b, "0912001000", PASSWORD).await;
    b.goto("/").await;
    b.wait_for_text(".card", "Đã làm 1/2 lượt").await;
    let attempt = start_round(&b, seeded.round).await;
    positions(&b).await;
    submit_and_confirm(&b).await;
    b.wait_for_path("the result", |p| p == format!("/attempts/{attempt}/result"))
        .await;
    b.wait_for_text("#attempts-used", "Đã làm 2/2 lượt").await;
    b.wait_for_text("#rank", "Hạng hiện tại: 1 / 1").await;
    assert!(
        b.all("#again").await.is_empty(),
        "no attempt left, no “Thi lại”"
    );
    b.goto("/").await;
    b.wait_for_text(".card", "Bạn đã dùng hết lượt thi").await;
    assert!(
        b.all(&format!("a[href='/rounds/{}/vao-thi']", seeded.round))
            .await
            .is_empty(),
        "no “Vào thi” when none are left"
    );
    b.close().await;
}

/// Codes and English status words that must never reach a page a person reads (#18, 9).
const ENGLISH: &[&str] = &[
    "open",
    "upcoming",
    "closed",
    "official",
    "citizen",
    "finished",
    "in_progress",
    "single",
    "multiple",
    "true_false",
    "seed",
    "draw[0]",
    "code:",
    "province",
    "department",
    "district",
    "commune",
    "on_submit",
    "after_close",
    "submitted",
    "expired",
];

/// Checks a page at 360×740 (nothing wider than the screen, no table scrolling inside
/// itself, no English status word) and writes its screenshots at 360×740 and 1280×800.
async fn check_page(b: &Browser, path: &str, name: &str, failures: &mut Vec<String>) {
    b.goto(path).await;
    b.find("main").await;
    let found = b
        .js(
            "var text = document.body.innerText + ' ' + Array.from(document.querySelectorAll('option'))\
               .map(function (o) { return o.textContent; }).join(' ');\
             return arguments[0].filter(function (w) {\
               var escaped = w.replace(/[\\[\\]]/g, '\\\\$&');\
               return new RegExp('(^|[^\\\\p{L}_])' + escaped + '($|[^\\\\p{L}_])', 'u').test(text);\
             });",
            vec![json!(ENGLISH)],
        )
        .await;
    if found.as_array().is_some_and(|f| !f.is_empty()) {
        failures.push(format!("{name} ({path}) shows {found}"));
    }
    let overflow = b.screenshots(name, 360, 740).await;
    let widths = b
        .js(
            "return [document.documentElement.scrollWidth,\
               Array.from(document.querySelectorAll('.table-wrap')).filter(function (w) {\
                 return w.closest('details:not([open])') === null && w.scrollWidth > w.clientWidth + 1;\
               }).length]",
            vec![],
        )
        .await;
    let (width, scrolling) = (
        widths[0].as_i64().unwrap_or(0),
        widths[1].as_i64().unwrap_or(0),
    );
    eprintln!("{name} ({path}) at 360: scrollWidth {width}, tables scrolling inside: {scrolling}");
    if overflow > 0 || width > 360 {
        failures.push(format!("{name} ({path}) is {width}px wide at 360"));
    }
    if scrolling > 0 && !path.starts_with("/organiser") && !path.starts_with("/judge") {
        failures.push(format!(
            "{name} ({path}): {scrolling} table(s) scroll sideways at 360"
        ));
    }
    if scrolling > 0 {
        // A staff table wider than the phone scrolls inside its own box, and says so.
        let hinted = b
            .js(
                "return Array.from(document.querySelectorAll('.table-wrap')).every(function (w) {\
                   if (w.closest('details:not([open])') !== null || w.scrollWidth <= w.clientWidth + 1) return true;\
                   var hint = w.previousElementSibling;\
                   return hint !== null && hint.classList.contains('scroll-hint') && hint.offsetHeight > 0;\
                 })",
                vec![],
            )
            .await;
        if hinted != json!(true) {
            failures.push(format!(
                "{name} ({path}): a table scrolls inside without a visible hint"
            ));
        }
    }
    b.screenshots(name, 1280, 800).await;
}

#[tokio::test]
async fn no_page_scrolls_sideways_on_a_360px_phone() {
    let Some(tools) = tools("no_page_scrolls_sideways_on_a_360px_phone") else {
        return;
    };
    let app = spawn_app().await;
    let seeded = app.seed_round().await;
    let (r, c) = (seeded.round, seeded.contest);
    for (i, name) in [
        "Nguyễn Thị Phương Thảo Quỳnh Anh",
        "Trần Hoàng Bảo Khánh Ngọc",
        "Lê Văn Tám",
    ]
    .iter()
    .enumerate()
    {
        let token = app
            .participant_named(name, &format!("09130000{i:02}"))
            .await;
        app.take_round(&token, r, 5).await;
    }
    app.participant_named("Phan Văn Đức", "0913000099").await;
    app.staff(Role::Judge, "bgk@example.vn").await;
    // The header and footer as a province sets them, long names included.
    let admin = app.staff(Role::Admin, "quantri@example.vn").await;
    let saved = app
        .client
        .patch(app.url("/api/v1/site"))
        .bearer_auth(&admin)
        .json(&json!({
            "organiser_name": "Sở Thông tin và Truyền thông tỉnh Vĩnh Long",
            "province": "Tỉnh Vĩnh Long",
            "hotline": "0270 3822 111",
            "contact_email": "cuocthi.hotro@vinhlong.gov.vn"
        }))
        .send()
        .await
        .unwrap();
    assert!(saved.status().is_success(), "site settings saved");
    let mut failures = Vec::new();

    let b = Browser::launch(&tools, &app.address, true).await;
    for (path, name) in [
        ("/", "home"),
        ("/login", "login"),
        ("/register", "register"),
        ("/huong-dan", "guide"),
        ("/khong-co-trang-nay", "not-found"),
    ] {
        check_page(&b, path, name, &mut failures).await;
    }
    log_in(&b, "0913000099", PASSWORD).await;
    check_page(&b, "/", "home-signed-in", &mut failures).await;
    check_page(&b, &format!("/contests/{c}"), "contest", &mut failures).await;
    check_page(&b, &format!("/rounds/{r}/vao-thi"), "ready", &mut failures).await;
    let attempt = start_round(&b, r).await;
    check_page(
        &b,
        &format!("/attempts/{attempt}"),
        "attempt",
        &mut failures,
    )
    .await;
    b.goto(&format!("/attempts/{attempt}")).await;
    positions(&b).await;
    submit_and_confirm(&b).await;
    b.wait_for_path("the result", |p| p.ends_with("/result"))
        .await;
    for (path, name) in [
        (format!("/attempts/{attempt}/result"), "result"),
        ("/me".to_owned(), "my-results"),
        ("/tai-khoan".to_owned(), "account"),
        (format!("/rounds/{r}/leaderboard"), "leaderboard"),
        (format!("/contests/{c}/leaderboard"), "contest-leaderboard"),
    ] {
        check_page(&b, &path, name, &mut failures).await;
    }
    b.close().await;

    for (login, pages) in [
        (
            "btc@example.vn",
            vec![
                ("/organiser".to_owned(), "organiser-dashboard"),
                (format!("/organiser/contests/{c}"), "organiser-contest"),
                (format!("/organiser/rounds/{r}"), "organiser-round"),
                (
                    "/organiser/participants".to_owned(),
                    "organiser-participants",
                ),
                ("/admin".to_owned(), "forbidden-signed-in"),
            ],
        ),
        (
            "bgk@example.vn",
            vec![
                ("/judge".to_owned(), "judge-dashboard"),
                (format!("/judge/rounds/{r}"), "judge-round"),
            ],
        ),
    ] {
        let b = Browser::launch(&tools, &app.address, true).await;
        log_in(&b, login, STAFF_PASSWORD).await;
        for (path, name) in pages {
            check_page(&b, &path, name, &mut failures).await;
        }
        b.close().await;
    }
    assert!(failures.is_empty(), "at 360px:\n{}", failures.join("\n"));
}

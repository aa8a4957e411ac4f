//! A participant in a real browser: register, take a round with autosave, reload, submit
//! through the confirmation, the result and the leaderboard; the unanswered-questions
//! warning; and the same round with JavaScript turned off.

use std::time::Duration;

use cuocthi::contest::attempts::Status;

use crate::app::{PASSWORD, ROUND_TITLE, spawn_app};
use crate::flows::{
    answer, checked, expected_checked, log_in, positions, start_round, wait_saved_in_db,
};
use crate::harness::{Browser, tools};

#[tokio::test]
async fn a_participant_registers_takes_the_round_and_sees_the_result() {
    let Some(tools) = tools("a_participant_registers_takes_the_round_and_sees_the_result") else {
        return;
    };
    let app = spawn_app().await;
    let seeded = app.seed_round().await;
    let b = Browser::launch(&tools, &app.address, true).await;

    // Register with the form, picking the unit from the tree.
    b.goto("/register").await;
    b.fill("#full_name", "Phạm Thị Lan").await;
    b.fill("#phone", "0912 000 111").await;
    b.find("#unit_code")
        .await
        .select_by_value("X-LH-TT")
        .await
        .expect("pick the unit");
    b.fill("#password", "mật khẩu của Lan").await;
    // Decree 13/2023: the form states the purpose; registering needs the consent ticked.
    b.wait_for_text("#consent-box", "Mục đích").await;
    b.find("#consent")
        .await
        .click()
        .await
        .expect("tick the consent");
    b.button("Đăng ký")
        .await
        .click()
        .await
        .expect("click Đăng ký");
    b.wait_for_path("/me after registering", |p| p == "/me")
        .await;
    b.wait_for_text("main", "Phạm Thị Lan").await;

    // Home, then "Vào thi".
    b.find_xpath("//nav//a[normalize-space(.)='Trang chủ']")
        .await
        .click()
        .await
        .expect("click Trang chủ");
    b.wait_for_path("the home page", |p| p == "/").await;
    let attempt = start_round(&b, seeded.round).await;
    let key = app.answer_key(attempt).await;
    let order = positions(&b).await;
    assert_eq!(
        order.len(),
        key.len(),
        "every drawn question is on the page"
    );
    // The script took over: the countdown replaced the static deadline.
    b.wait_for_text("#timer", "Còn ").await;

    // Answer the first half; each answer is saved as it is given.
    let (first, rest) = order.split_at(order.len() / 2);
    for &p in first {
        answer(&b, p, &key[p - 1]).await;
        b.wait_for_text(&format!("#q{p} .save-state"), "Đã lưu")
            .await;
        wait_saved_in_db(&app, attempt, p, &key[p - 1]).await;
    }
    assert_eq!(
        app.saved_answers(attempt).await.len(),
        first.len(),
        "only the answered questions are saved"
    );

    // Reload mid-attempt: the saved answers come back checked, the others stay empty.
    b.client.refresh().await.expect("reload");
    b.find("#attempt-form").await;
    assert_eq!(
        b.find(&format!("#q{} .save-state", first[0]))
            .await
            .text()
            .await
            .unwrap(),
        "",
        "the page was really reloaded"
    );
    assert_eq!(checked(&b).await, expected_checked(&key, first));
    assert_eq!(b.all(".qnav a.answered").await.len(), first.len());

    // From here on, an error thrown by the page's script is recorded.
    b.js(
        "window.__errors = []; window.addEventListener('error', function (e) { window.__errors.push(e.message); });",
        vec![],
    )
    .await;

    // Screenshots of the attempt page, phone and desktop; and on the phone, where a jump
    // from the question list lands (the list stays on top of the page as it scrolls).
    let phone = b.screenshots("attempt", 360, 740).await;
    let desktop = b.screenshots("attempt", 1280, 800).await;
    eprintln!("attempt page horizontal overflow: {phone}px at 360, {desktop}px at 1280");
    assert_eq!(
        phone, 0,
        "the attempt page scrolls sideways on a 360px phone"
    );
    assert_eq!(desktop, 0, "the attempt page scrolls sideways at 1280px");
    b.set_viewport(360, 740).await;
    let target = rest[rest.len() / 2];
    b.find(&format!(".qnav a[href='#q{target}']"))
        .await
        .click()
        .await
        .expect("jump to a question");
    let (bar, heading) = crate::phone::bar_and_heading(&b, target).await;
    eprintln!(
        "after jumping to question {target} at 360px: the sticky bar ends at {bar}px, its heading starts at {heading}px"
    );
    assert!(
        heading >= bar && heading < 740.0 / 2.0,
        "the jump hides the heading of question {target}: bar ends at {bar}, heading at {heading}"
    );
    b.screenshot("attempt-360-jump").await;
    b.set_viewport(1280, 800).await;

    // The rest of the answers, and a prediction.
    for &p in rest {
        answer(&b, p, &key[p - 1]).await;
        b.wait_for_text(&format!("#q{p} .save-state"), "Đã lưu")
            .await;
        wait_saved_in_db(&app, attempt, p, &key[p - 1]).await;
    }
    b.fill("#prediction", "3").await;
    // Leaving the field fires its change event; the script must not choke on it.
    b.find("h1")
        .await
        .click()
        .await
        .expect("click outside the field");
    let errors = b.js("return window.__errors", vec![]).await;
    assert_eq!(
        errors,
        serde_json::json!([]),
        "the attempt page's script threw"
    );

    // Submit: the confirmation asks plainly (nothing is unanswered), then the result.
    b.button("Nộp bài")
        .await
        .click()
        .await
        .expect("click Nộp bài");
    assert_eq!(b.wait_for_dialog().await, "Bạn chắc chắn muốn nộp bài?");
    b.client
        .accept_alert()
        .await
        .expect("accept the confirmation");
    let result = format!("/attempts/{attempt}/result");
    b.wait_for_path("the result page", |p| p == result).await;
    let n = key.len();
    assert_eq!(
        b.find("#score").await.text().await.unwrap(),
        format!("{n}/{n}")
    );
    let stored = app.attempt(attempt).await;
    assert_eq!(stored.status, Status::Finished);
    assert_eq!(stored.score, Some(n as i32));
    assert_eq!(stored.prediction, Some(3));
    b.screenshots("result", 360, 740).await;
    b.screenshots("result", 1280, 800).await;

    // The round's leaderboard lists her.
    b.find_xpath("//a[normalize-space(.)='Bảng xếp hạng']")
        .await
        .click()
        .await
        .expect("click Bảng xếp hạng");
    let board = format!("/rounds/{}/leaderboard", seeded.round);
    b.wait_for_path("the leaderboard", |p| p == board).await;
    b.wait_for_text("h1", ROUND_TITLE).await;
    let row = b.wait_for_text("table tbody tr", "Phạm Thị Lan").await;
    assert!(row.contains("Thị trấn Long Hồ"), "row: {row}");
    assert!(row.contains(&format!("{n}/{n}")), "row: {row}");
    let phone = b.screenshots("leaderboard", 360, 740).await;
    b.screenshots("leaderboard", 1280, 800).await;
    eprintln!("leaderboard horizontal overflow at 360: {phone}px");
    b.close().await;
}

#[tokio::test]
async fn submitting_lists_unanswered_questions_in_the_confirmation() {
    let Some(tools) = tools("submitting_lists_unanswered_questions_in_the_confirmation") else {
        return;
    };
    let app = spawn_app().await;
    let seeded = app.seed_round().await;
    app.participant_named("Trần Văn Bình", "0912000222").await;
    let b = Browser::launch(&tools, &app.address, true).await;
    log_in(&b, "0912000222", PASSWORD).await;
    let attempt = start_round(&b, seeded.round).await;
    let key = app.answer_key(attempt).await;
    let order = positions(&b).await;

    // Answer the 1st, 2nd and 5th questions of the page.
    let answered = [order[0], order[1], order[4]];
    for &p in &answered {
        answer(&b, p, &key[p - 1]).await;
        b.wait_for_text(&format!("#q{p} .save-state"), "Đã lưu")
            .await;
    }
    let missing: Vec<String> = order
        .iter()
        .filter(|p| !answered.contains(p))
        .map(|p| p.to_string())
        .collect();

    b.button("Nộp bài")
        .await
        .click()
        .await
        .expect("click Nộp bài");
    let text = b.wait_for_dialog().await;
    assert_eq!(
        text,
        format!(
            "Bạn chưa trả lời {} câu: {}. Vẫn nộp bài?",
            missing.len(),
            missing.join(", ")
        )
    );
    b.client.dismiss_alert().await.expect("dismiss");

    // Still on the attempt, still in progress, the answers kept.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(b.client.get_alert_text().await.is_err(), "no second dialog");
    assert_eq!(b.path().await, format!("/attempts/{attempt}"));
    assert_eq!(app.attempt(attempt).await.status, Status::InProgress);
    assert_eq!(checked(&b).await, expected_checked(&key, &answered));
    assert_eq!(app.saved_answers(attempt).await.len(), answered.len());
    b.close().await;
}

#[tokio::test]
async fn an_attempt_with_javascript_disabled_is_saved_and_scored() {
    let Some(tools) = tools("an_attempt_with_javascript_disabled_is_saved_and_scored") else {
        return;
    };
    let app = spawn_app().await;
    let seeded = app.seed_round().await;
    app.participant_named("Lê Thị Cúc", "0912000333").await;
    let b = Browser::launch(&tools, &app.address, false).await;
    log_in(&b, "0912000333", PASSWORD).await;
    let attempt = start_round(&b, seeded.round).await;
    let key = app.answer_key(attempt).await;
    let order = positions(&b).await;
    // No script runs: the deadline stays as the server wrote it, without a countdown.
    let timer = b.find("#timer").await.text().await.unwrap();
    assert!(timer.starts_with("Hạn: "), "JavaScript ran: {timer:?}");

    // Half the answers, then "Lưu bài": a form post that comes back to the attempt.
    let (first, rest) = order.split_at(order.len() / 2);
    for &p in first {
        answer(&b, p, &key[p - 1]).await;
    }
    assert!(
        app.saved_answers(attempt).await.is_empty(),
        "nothing saves before the form is posted"
    );
    b.button("Lưu bài")
        .await
        .click()
        .await
        .expect("click Lưu bài");
    for &p in first {
        wait_saved_in_db(&app, attempt, p, &key[p - 1]).await;
    }
    assert_eq!(b.path().await, format!("/attempts/{attempt}"));
    b.client.refresh().await.expect("reload");
    b.find("#attempt-form").await;
    assert_eq!(checked(&b).await, expected_checked(&key, first));

    // "Lưu bài" said what it saved.
    b.wait_for_text(
        "#saved-summary",
        &format!("Đã lưu {}/{} câu trả lời", first.len(), order.len()),
    )
    .await;
    // The notice tells the truth: without script, answers are saved by "Lưu bài".
    b.wait_for_text("#save-mode", "khi bạn bấm “Lưu bài”").await;

    // The rest but one, then "Nộp bài": a confirmation page lists the unanswered question.
    let (last, rest) = rest.split_last().expect("questions");
    for &p in rest {
        answer(&b, p, &key[p - 1]).await;
    }
    b.button("Nộp bài")
        .await
        .click()
        .await
        .expect("click Nộp bài");
    let confirm = b
        .wait_for_text("#confirm-submit", "Bạn chưa trả lời 1 câu")
        .await;
    assert!(confirm.contains(&last.to_string()), "{confirm}");
    assert_eq!(app.attempt(attempt).await.status, Status::InProgress);
    b.find_xpath("//a[normalize-space(.)='Quay lại làm tiếp']")
        .await
        .click()
        .await
        .expect("back to the attempt");
    b.find("#attempt-form").await;
    answer(&b, *last, &key[last - 1]).await;
    b.button("Nộp bài")
        .await
        .click()
        .await
        .expect("click Nộp bài");
    b.wait_for_text("#confirm-submit", "Bạn đã trả lời tất cả các câu")
        .await;
    b.find_xpath("//div[@id='confirm-submit']//button[normalize-space(.)='Nộp bài']")
        .await
        .click()
        .await
        .expect("confirm the submit");
    let result = format!("/attempts/{attempt}/result");
    b.wait_for_path("the result page", |p| p == result).await;
    assert!(
        b.client.get_alert_text().await.is_err(),
        "a dialog opened without JavaScript"
    );
    let n = key.len();
    assert_eq!(
        b.find("#score").await.text().await.unwrap(),
        format!("{n}/{n}")
    );
    let stored = app.attempt(attempt).await;
    assert_eq!(stored.status, Status::Finished);
    assert_eq!(stored.score, Some(n as i32));
    assert_eq!(app.saved_answers(attempt).await.len(), n);
    b.close().await;
}

//! Steps a participant takes in the browser, shared by the tests.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use crate::app::{Correct, TestApp};
use crate::harness::{Browser, PATIENCE};

/// Logs in with the form at `/login`; waits to leave the login page.
pub async fn log_in(b: &Browser, login: &str, password: &str) {
    b.goto("/login").await;
    b.fill("#login", login).await;
    b.fill("#password", password).await;
    b.button("Đăng nhập").await.click().await.expect("click");
    b.wait_for_path("to leave /login", |p| p != "/login").await;
}

/// From the home page, clicks "Vào thi" on the round's card, then "Bắt đầu" on the ready
/// screen; returns the attempt's id.
pub async fn start_round(b: &Browser, round: i64) -> i64 {
    b.goto("/").await;
    let link = b
        .find_xpath(&format!(
            "//a[@href='/rounds/{round}/vao-thi'][normalize-space(.)='Vào thi']"
        ))
        .await;
    link.click().await.expect("click Vào thi");
    b.wait_for_text("#ready", "Thời gian làm bài").await;
    b.find_xpath(&format!(
        "//form[@action='/rounds/{round}/start']//button[normalize-space(.)='Bắt đầu']"
    ))
    .await
    .click()
    .await
    .expect("click Bắt đầu");
    let path = b
        .wait_for_path("the attempt page", |p| p.starts_with("/attempts/"))
        .await;
    path.trim_start_matches("/attempts/")
        .parse()
        .unwrap_or_else(|_| panic!("not an attempt page: {path}"))
}

/// The question numbers of the attempt page, in page order.
pub async fn positions(b: &Browser) -> Vec<usize> {
    b.find("fieldset.question[data-question]").await;
    let mut out = Vec::new();
    for f in b.all("fieldset.question[data-question]").await {
        let q = f.attr("data-question").await.expect("attr");
        out.push(q.and_then(|q| q.parse().ok()).expect("a question number"));
    }
    out
}

/// Clicks every correct option of question `position`.
pub async fn answer(b: &Browser, position: usize, right: &[Correct]) {
    assert!(
        !right.is_empty(),
        "question {position} has no correct option"
    );
    for c in right {
        let input = b
            .find(&format!("#q{position} input[value='{}']", c.option_id))
            .await;
        // As a person would: bring the option to the middle of the screen, clear of the
        // question list that sticks to the top of the page.
        b.js(
            "arguments[0].scrollIntoView({block: 'center'})",
            vec![serde_json::json!(input)],
        )
        .await;
        input
            .click()
            .await
            .unwrap_or_else(|e| panic!("cannot click an option of question {position}: {e}"));
        assert!(
            input.is_selected().await.expect("state"),
            "question {position}: the option is not checked after a click"
        );
    }
}

/// The `name=value` of every checked option on the page.
pub async fn checked(b: &Browser) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for input in b.all("fieldset.question input:checked").await {
        let name = input.attr("name").await.expect("attr").unwrap_or_default();
        let value = input.attr("value").await.expect("attr").unwrap_or_default();
        out.insert(format!("{name}={value}"));
    }
    out
}

/// The `name=value` the page should have checked for the given questions.
pub fn expected_checked(key: &[Vec<Correct>], questions: &[usize]) -> BTreeSet<String> {
    questions
        .iter()
        .flat_map(|&p| {
            key[p - 1]
                .iter()
                .map(move |c| format!("q{p}={}", c.option_id))
        })
        .collect()
}

/// Waits until the database holds the correct answer to question `position`.
pub async fn wait_saved_in_db(app: &TestApp, attempt: i64, position: usize, right: &[Correct]) {
    let mut want: Vec<usize> = right.iter().map(|c| c.bank_index).collect();
    want.sort_unstable();
    let started = Instant::now();
    loop {
        let saved = app.saved_answers(attempt).await;
        if saved.get(&position) == Some(&want) {
            return;
        }
        assert!(
            started.elapsed() < PATIENCE,
            "question {position}: the database has {:?}, not {want:?}",
            saved.get(&position)
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

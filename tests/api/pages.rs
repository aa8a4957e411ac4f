//! The HTML pages over plain HTTP, as a browser without JavaScript uses them: forms, CSRF,
//! cookies, security headers, well-formed ids. (The Chromium suite is separate.)

use std::collections::HashSet;

use reqwest::StatusCode;

use crate::helpers::{TestApp, json_of, round_spec, spawn_app};

/// A client that keeps cookies, as a browser does.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The values of `name="…" value="…"` pairs, in order (enough for our own markup).
fn values_of(html: &str, name: &str) -> Vec<String> {
    let needle = format!("name=\"{name}\" value=\"");
    html.match_indices(&needle)
        .map(|(i, _)| {
            let rest = &html[i + needle.len()..];
            rest[..rest.find('"').unwrap()].to_owned()
        })
        .collect()
}

/// The value of a page's (first) CSRF field.
pub fn csrf_of(html: &str) -> String {
    values_of(html, "csrf")
        .into_iter()
        .next()
        .expect("a csrf field")
}

/// Every `id="…"` of a page appears once.
fn assert_ids_unique(html: &str) {
    let mut seen = HashSet::new();
    for (i, _) in html.match_indices(" id=\"") {
        let rest = &html[i + 5..];
        let id = &rest[..rest.find('"').unwrap()];
        assert!(seen.insert(id.to_owned()), "duplicate id {id}");
    }
}

/// A page as `client` gets it: status, headers, body.
pub async fn page(
    client: &reqwest::Client,
    app: &TestApp,
    path: &str,
) -> (StatusCode, reqwest::header::HeaderMap, String) {
    let r = client.get(app.url(path)).send().await.unwrap();
    let status = r.status();
    let headers = r.headers().clone();
    (status, headers, r.text().await.unwrap())
}

fn location(r: &reqwest::Response) -> String {
    r.headers()["location"].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_participant_takes_a_round_without_javascript() {
    let app = spawn_app().await;
    let (organiser, contest) = app.seed_contest().await;
    let round = app.create_round(&organiser, contest, &round_spec()).await;
    let b = browser();

    // Register with the form.
    let (status, _, html) = page(&b, &app, "/register").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Thị trấn Long Hồ"),
        "the unit list follows the tree"
    );
    let csrf = csrf_of(&html);
    let form = [
        ("csrf", csrf.as_str()),
        ("full_name", "Phạm Thị Lan"),
        ("phone", "0912 000 111"),
        ("category", "official"),
        ("unit_code", "X-LH-TT"),
        ("password", "mật khẩu của Lan"),
        ("consent", "yes"),
    ];
    let r = b
        .post(app.url("/register"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/me");

    // From the home page's "Vào thi" to the ready screen, which starts the clock.
    let (_, _, home) = page(&b, &app, "/").await;
    assert!(home.contains(&format!("/rounds/{round}/vao-thi")));
    let (status, _, ready) = page(&b, &app, &format!("/rounds/{round}/vao-thi")).await;
    assert_eq!(status, 200);
    assert!(
        ready.contains("20 phút") && ready.contains("Số câu hỏi: <strong>10</strong>"),
        "{ready}"
    );
    assert!(ready.contains("còn <strong>2 lượt</strong>"), "{ready}");
    assert!(ready.contains(&format!("/rounds/{round}/start")));
    let r = b
        .post(app.url(&format!("/rounds/{round}/start")))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let attempt_path = location(&r);
    let attempt_id: i64 = attempt_path.rsplit('/').next().unwrap().parse().unwrap();

    let (status, headers, html) = page(&b, &app, &attempt_path).await;
    assert_eq!(status, 200);
    assert!(
        headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("script-src 'self'")
    );
    assert!(html.contains("lang=\"vi\""));
    assert!(!html.contains("<script>"), "no inline script");
    assert!(
        html.contains("Hạn nộp bài"),
        "the deadline is shown as a clock time"
    );
    assert_ids_unique(&html);

    // Answer every question correctly through the form, saving first, then submitting.
    let key = app.option_ids(attempt_id).await;
    let mut fields: Vec<(String, String)> = vec![
        ("csrf".into(), csrf.clone()),
        ("action".into(), "save".into()),
    ];
    for (i, right) in key.iter().enumerate() {
        let offered = values_of(&html, &format!("q{}", i + 1));
        for choice in right {
            assert!(offered.contains(choice), "the form offers every option");
            fields.push((format!("q{}", i + 1), choice.clone()));
        }
    }
    let r = b
        .post(app.url(&attempt_path))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        location(&r),
        format!("{attempt_path}?luu=1#saved-summary"),
        "saving stays on the attempt"
    );

    // A reload shows the saved answers checked, and says what was saved.
    let (_, _, reloaded) = page(&b, &app, &format!("{attempt_path}?luu=1")).await;
    assert!(reloaded.contains("Đã lưu 10/10 câu trả lời"), "{reloaded}");
    assert_eq!(
        reloaded.matches(" checked").count(),
        key.iter().map(Vec::len).sum::<usize>()
    );

    // "Nộp bài" without script: the prediction is saved and a confirmation asks first.
    fields[1].1 = "submit".into();
    fields.push(("prediction".into(), "7".into()));
    let r = b
        .post(app.url(&attempt_path))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let confirm = r.text().await.unwrap();
    assert!(
        confirm.contains("Bạn đã trả lời tất cả các câu"),
        "{confirm}"
    );
    assert!(
        confirm.contains("Số dự đoán: <strong>7</strong>"),
        "{confirm}"
    );
    assert_eq!(app.attempt(attempt_id).await.prediction, Some(7));
    let r = b
        .post(app.url(&attempt_path))
        .form(&[("csrf", csrf.as_str()), ("action", "confirm")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), format!("{attempt_path}/result"));
    let (status, _, result) = page(&b, &app, &format!("{attempt_path}/result")).await;
    assert_eq!(status, 200);
    assert!(result.contains("10/10"), "scored: {result}");
    assert!(
        !result.contains("đáp án đúng"),
        "no key before the round closes"
    );

    // The public leaderboard shows the name and unit, never the phone.
    let (status, _, board) = page(&b, &app, &format!("/rounds/{round}/leaderboard")).await;
    assert_eq!(status, 200);
    assert!(board.contains("Phạm Thị Lan") && board.contains("Thị trấn Long Hồ"));
    assert!(!board.contains("0912000111"));
    assert_ids_unique(&board);
    // The contest page links to the contest-wide board, an HTML page with the same care.
    let (_, _, contest_page) = page(&b, &app, &format!("/contests/{contest}")).await;
    let contest_board = format!("/contests/{contest}/leaderboard");
    assert!(contest_page.contains(&format!("href=\"{contest_board}\"")));
    let (status, headers, board) = page(&b, &app, &contest_board).await;
    assert_eq!(status, 200);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(board.contains("Bảng xếp hạng toàn cuộc thi"));
    assert!(board.contains("Phạm Thị Lan") && board.contains("Thị trấn Long Hồ"));
    assert!(
        board.contains("10/10"),
        "the round's best score summed: {board}"
    );
    assert!(!board.contains("0912000111"));
    assert_ids_unique(&board);
    let (_, _, mine) = page(&b, &app, "/me").await;
    assert!(mine.contains("10/10"));
}

#[tokio::test]
async fn forms_without_the_csrf_token_are_refused() {
    let app = spawn_app().await;
    app.seed_units().await;
    let b = browser();
    page(&b, &app, "/login").await; // gets the CSRF cookie
    for (path, form) in [
        ("/login", vec![("login", "0912000001"), ("password", "x")]),
        ("/register", vec![("full_name", "A B")]),
        ("/logout", vec![]),
    ] {
        let r = b.post(app.url(path)).form(&form).send().await.unwrap();
        assert_eq!(
            r.status(),
            StatusCode::BAD_REQUEST,
            "{path}: a form without its token"
        );
        assert!(r.text().await.unwrap().contains("Biểu mẫu không hợp lệ"));
        let mut with_wrong = form.clone();
        with_wrong.push(("csrf", "not-the-token-not-the-token-not-the-token"));
        let r = b
            .post(app.url(path))
            .form(&with_wrong)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{path}");
    }
    // A token from another browser (no cookie) is refused too.
    let (_, _, html) = page(&b, &app, "/login").await;
    let r = reqwest::Client::new()
        .post(app.url("/login"))
        .form(&[
            ("csrf", csrf_of(&html).as_str()),
            ("login", "x"),
            ("password", "y"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn every_page_carries_the_security_headers_and_valid_ids() {
    let app = spawn_app().await;
    let (organiser, contest) = app.seed_contest().await;
    let round = app.create_round(&organiser, contest, &round_spec()).await;
    let b = browser();
    for path in [
        "/",
        "/login",
        "/register",
        &format!("/contests/{contest}"),
        &format!("/rounds/{round}/leaderboard"),
        &format!("/contests/{contest}/leaderboard"),
    ] {
        let (status, headers, html) = page(&b, &app, path).await;
        assert_eq!(status, 200, "{path}");
        assert!(html.starts_with("<!DOCTYPE html>"), "{path}");
        assert!(html.contains("<html lang=\"vi\">"), "{path}");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["referrer-policy"], "same-origin", "{path}");
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"),
            "{path}"
        );
        assert!(
            !html.contains("style=\""),
            "{path}: inline styles break the CSP"
        );
        assert_ids_unique(&html);
        // Every input has a label.
        for (i, _) in html.match_indices("<input id=\"") {
            let rest = &html[i + 11..];
            let id = &rest[..rest.find('"').unwrap()];
            assert!(
                html.contains(&format!("for=\"{id}\"")),
                "{path}: input {id} has no label"
            );
        }
    }
    let (status, _, _) = page(&b, &app, "/no-such-page").await;
    assert_eq!(status, 404);
    // Pages that need a login send the browser to it.
    let r = b.get(app.url("/me")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/login");
}

#[tokio::test]
async fn static_assets_are_cached_by_content_hash() {
    let app = spawn_app().await;
    let b = browser();
    let (_, _, html) = page(&b, &app, "/login").await;
    let start = html.find("/static/app.css?v=").unwrap();
    let url = &html[start..start + html[start..].find('"').unwrap()];
    let r = b.get(app.url(url)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
}

/// Logs a browser in through the form; returns its CSRF token.
pub async fn log_in(b: &reqwest::Client, app: &TestApp, login: &str, password: &str) -> String {
    let (_, _, html) = page(b, app, "/login").await;
    let csrf = csrf_of(&html);
    let r = b
        .post(app.url("/login"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("login", login),
            ("password", password),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "login as {login}");
    csrf
}

#[tokio::test]
async fn the_organiser_console_uploads_banks_creates_rounds_and_voids() {
    let app = spawn_app().await;
    let (_, contest) = app.seed_contest().await;
    let b = browser();
    let csrf = log_in(&b, &app, "btc@example.vn", "staff password").await;

    // A bad bank: the second question has no correct option.
    let bad = "code = \"xau\"\ntitle = \"Ngân hàng lỗi\"\n\n[[questions]]\ntopic = \"A\"\ndifficulty = \"easy\"\nkind = \"single\"\ntext = \"Câu một?\"\noptions = [{ text = \"Có\", correct = true }, { text = \"Không\" }]\n\n[[questions]]\ntopic = \"A\"\ndifficulty = \"easy\"\nkind = \"single\"\ntext = \"Câu hai?\"\noptions = [{ text = \"Có\" }, { text = \"Không\" }]\n";
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf.clone())
        .text("format", "")
        .text("action", "import")
        .part(
            "file",
            reqwest::multipart::Part::bytes(bad.as_bytes().to_vec()).file_name("xau.toml"),
        );
    let r = b
        .post(app.url("/organiser/banks"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("Dòng 11"),
        "the problem is shown with its line: {html}"
    );
    assert_ids_unique(&html);

    // Create a round through the form; first check the quotas.
    let (status, _, html) = page(&b, &app, &format!("/organiser/contests/{contest}")).await;
    assert_eq!(status, 200);
    assert_ids_unique(&html);
    let mut fields = vec![
        ("csrf", csrf.clone()),
        ("title", "Tuần thi thứ hai".to_owned()),
        ("opens_at", "2026-01-01T09:00".to_owned()),
        ("closes_at", "2030-01-08T08:00".to_owned()),
        ("minutes", "20".to_owned()),
        ("max_attempts", "3".to_owned()),
        ("order", "by_difficulty".to_owned()),
        ("prediction", "Bao nhiêu người đạt điểm tối đa?".to_owned()),
        ("quota-0-bank", crate::helpers::TEST_BANK.to_owned()),
        ("quota-0-difficulty", "hard".to_owned()),
        ("quota-0-count", "25".to_owned()),
        ("action", "check".to_owned()),
    ];
    let r = b
        .post(app.url(&format!("/organiser/contests/{contest}/rounds")))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text().await.unwrap().contains("thiếu 5 câu"),
        "the form says the bank cannot fill the quota"
    );
    fields[10].1 = "10".into();
    let r = b
        .post(app.url(&format!("/organiser/contests/{contest}/rounds")))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("Ngân hàng đủ câu hỏi"));
    fields[11].1 = "create".into();
    let r = b
        .post(app.url(&format!("/organiser/contests/{contest}/rounds")))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, _, html) = page(&b, &app, &format!("/organiser/contests/{contest}")).await;
    assert!(html.contains("Tuần thi thứ hai"));
    let (_, detail) =
        crate::helpers::json_of(app.get(&format!("/api/v1/contests/{contest}"), None).await).await;
    let round = &detail["rounds"][0];
    assert_eq!(round["title"], "Tuần thi thứ hai");
    assert_eq!(
        round["opens_at"], "2026-01-01T02:00:00Z",
        "form times are Vietnam time"
    );
    assert_eq!(round["questions"], 10);

    // Close it from the console: not in one click — the confirmation is required.
    let round_id = round["id"].as_i64().unwrap();
    let r = b
        .post(app.url(&format!("/organiser/rounds/{round_id}/close")))
        .form(&[("csrf", csrf.as_str()), ("reason", "Kết thúc sớm.")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = b
        .post(app.url(&format!("/organiser/rounds/{round_id}/close")))
        .form(&[
            ("csrf", csrf.as_str()),
            ("reason", "Kết thúc sớm."),
            ("confirm", "true"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, detail) =
        crate::helpers::json_of(app.get(&format!("/api/v1/rounds/{round_id}"), None).await).await;
    assert_eq!(detail["status"], "closed");

    // Import units: a bad file shows its line; nothing changes.
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf.clone())
        .part(
            "file",
            reqwest::multipart::Part::bytes(
                b"code,name,parent_code,kind,block,headcount\nZZ,Z,NOPE,commune,xa,1\n".to_vec(),
            )
            .file_name("u.csv"),
        );
    let r = b
        .post(app.url("/organiser/units"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("Dòng 2"));

    // Void a participant from the search page.
    app.participant("0912000001").await;
    let (_, _, html) = page(&b, &app, "/organiser/participants?query=0912000001").await;
    assert!(html.contains("0912000001"));
    let start = html.find("/organiser/participants/").unwrap();
    let action = &html[start..start + html[start..].find('"').unwrap()];
    assert!(action.ends_with("/void"));
    let r = b
        .post(app.url(action))
        .form(&[("csrf", csrf.as_str()), ("reason", "Tài khoản trùng")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, _, html) = page(&b, &app, "/organiser/participants?query=0912000001").await;
    assert!(html.contains("Đã huỷ: Tài khoản trùng"));
}

#[tokio::test]
async fn the_judge_console_shows_results_and_the_full_record() {
    let app = spawn_app().await;
    let (organiser, contest) = app.seed_contest().await;
    let round = app.create_round(&organiser, contest, &round_spec()).await;
    let a = app.participant("0912000001").await;
    let result = app.take(&a, round, 7, Some(4)).await;
    app.staff(cuocthi::accounts::Role::Judge, "bgk@example.vn")
        .await;
    let b = browser();
    log_in(&b, &app, "bgk@example.vn", "staff password").await;

    let (status, _, html) = page(&b, &app, &format!("/judge/rounds/{round}")).await;
    assert_eq!(status, 200);
    for column in [
        "Hạng",
        "Họ và tên",
        "Đơn vị",
        "Điểm",
        "Dự đoán",
        "Chênh lệch",
        "Thời gian",
        "Nộp lúc",
    ] {
        assert!(html.contains(&format!(">{column}</th>")), "column {column}");
    }
    assert!(html.contains("Nguyễn Văn An") && html.contains("7/10"));
    assert_ids_unique(&html);
    let attempt = result["attempt_id"].as_i64().unwrap();
    let (status, _, record) = page(&b, &app, &format!("/judge/attempts/{attempt}")).await;
    assert_eq!(status, 200);
    assert!(record.contains("Mã rút đề") && record.contains("Lưu lúc"));
    // take() chose the correct set for the first 7 questions and one wrong option for the rest.
    let key = app.option_ids(attempt).await;
    let chosen: usize = key[..7].iter().map(Vec::len).sum::<usize>() + 3;
    assert_eq!(record.matches("← đã chọn").count(), chosen);
    let (status, _, units) = page(&b, &app, &format!("/judge/rounds/{round}/units")).await;
    assert_eq!(status, 200);
    assert!(units.contains("<meter"));
    // Judges do not reach the organisers' console.
    assert_eq!(
        page(&b, &app, "/organiser/banks").await.0,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn participants_do_not_reach_the_consoles() {
    let app = spawn_app().await;
    app.seed_units().await;
    app.register(&crate::helpers::registration("0912000001"))
        .await;
    let b = browser();
    log_in(&b, &app, "0912000001", "mật khẩu an toàn").await;
    for path in [
        "/organiser",
        "/organiser/banks",
        "/judge",
        "/judge/rounds/1",
    ] {
        assert_eq!(
            page(&b, &app, path).await.0,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
}

#[tokio::test]
async fn an_unknown_page_is_an_html_404_and_an_unknown_api_path_a_json_one() {
    let app = spawn_app().await;
    let b = browser();

    let (status, headers, html) = page(&b, &app, "/khong-co-trang-nay").await;
    assert_eq!(status, 404);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(html.starts_with("<!DOCTYPE html>") && html.contains("Không tìm thấy trang"));

    let r = b.get(app.url("/api/v1/khong-co")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let (_, body) = json_of(r).await;
    assert_eq!(body["error"]["code"], "not_found");
}

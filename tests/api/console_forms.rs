//! The staff forms keep what was typed and say what they did (#18, point 10): a refused
//! contest form shows its values again, every create/void/close ends with a success
//! message, voiding keeps the search, the round form starts filled with a bank, a count
//! that bank can fill and the bank's own topics to pick from.

use reqwest::StatusCode;

use crate::common::*;
use crate::pages::{browser, log_in, page};

fn location(r: &reqwest::Response) -> String {
    r.headers()["location"].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_refused_contest_form_keeps_what_was_typed_and_a_created_one_says_so() {
    let app = spawn_app().await;
    let (_, contest) = app.seed_contest().await;
    let b = browser();
    let csrf = log_in(&b, &app, "btc@example.vn", STAFF_PASSWORD).await;
    let (_, detail) = json_of(app.get(&format!("/api/v1/contests/{contest}"), None).await).await;
    let taken = detail["code"].as_str().unwrap().to_owned();
    let (_, _, html) = page(&b, &app, "/organiser/contests").await;
    let needle = "name=\"categories\" value=\"";
    let at = html.find(needle).unwrap() + needle.len();
    let category = html[at..at + html[at..].find('"').unwrap()].to_owned();

    // A code already used: refused, and the form shows every value typed.
    let typed = [
        ("csrf", csrf.as_str()),
        ("code", taken.as_str()),
        ("title", "Cuộc thi tìm hiểu Hiến pháp"),
        ("description", "Mô tả đã gõ"),
        ("rules", "Thể lệ đã gõ"),
        ("draft", "1"),
        ("categories", category.as_str()),
    ];
    let r = b
        .post(app.url("/organiser/contests"))
        .form(&typed)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_client_error(), "{}", r.status());
    let html = r.text().await.unwrap();
    assert!(html.contains("role=\"alert\""), "the refusal is shown");
    assert!(
        html.contains("value=\"Cuộc thi tìm hiểu Hiến pháp\""),
        "{html}"
    );
    assert!(html.contains(&format!("value=\"{taken}\"")));
    assert!(html.contains(">Mô tả đã gõ</textarea>") && html.contains(">Thể lệ đã gõ</textarea>"));
    assert!(
        html.contains("id=\"contest-draft\" type=\"checkbox\" name=\"draft\" value=\"1\" checked")
    );

    // A new code: created, and the contest's page says so.
    let mut fields = typed.to_vec();
    fields[1].1 = "hien-phap";
    let r = b
        .post(app.url("/organiser/contests"))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = location(&r);
    assert!(to.ends_with("?ok=created"), "{to}");
    let (_, _, html) = page(&b, &app, &to).await;
    assert!(html.contains("Đã tạo cuộc thi."));

    // The edit form, refused (an empty title), shows what was typed, not the saved values.
    let r = b
        .post(app.url(&format!("/organiser/contests/{contest}")))
        .form(&[
            ("csrf", csrf.as_str()),
            ("title", " "),
            ("rules", "Thể lệ mới chưa lưu"),
        ])
        .send()
        .await
        .unwrap();
    assert!(r.status().is_client_error(), "{}", r.status());
    let html = r.text().await.unwrap();
    assert!(html.contains(">Thể lệ mới chưa lưu</textarea>"));
    assert!(
        html.contains("<li>Tên: "),
        "the field is named in Vietnamese"
    );
}

#[tokio::test]
async fn the_round_form_starts_with_a_bank_a_count_it_can_fill_and_its_topics() {
    let app = spawn_app().await;
    let (_, contest) = app.seed_contest().await;
    let b = browser();
    let csrf = log_in(&b, &app, "btc@example.vn", STAFF_PASSWORD).await;

    let (_, _, html) = page(&b, &app, &format!("/organiser/contests/{contest}")).await;
    let quotas = &html[html.find("id=\"round-quotas\"").unwrap()..];
    assert!(
        quotas.contains(&format!("<option value=\"{TEST_BANK}\" selected>")),
        "{quotas}"
    );
    assert!(quotas.contains("name=\"quota-0-count\" min=\"0\" max=\"200\" value=\"20\""));
    assert!(quotas.contains(&format!("<optgroup label=\"Ngân hàng {TEST_BANK}\">")));
    let topic = quotas.find("name=\"quota-0-topic\"").unwrap();
    assert!(
        quotas[topic..].contains(" câu)</option>"),
        "the bank's topics with their counts"
    );

    // The form as it opens creates a round, and the contest page says so.
    let r = b
        .post(app.url(&format!("/organiser/contests/{contest}/rounds")))
        .form(&[
            ("csrf", csrf.as_str()),
            ("title", "Tuần mặc định"),
            ("opens_at", "2026-01-01T09:00"),
            ("closes_at", "2030-01-08T08:00"),
            ("minutes", "20"),
            ("max_attempts", "3"),
            ("order", "by_difficulty"),
            ("prediction", ""),
            ("quota-0-bank", TEST_BANK),
            ("quota-0-topic", ""),
            ("quota-0-difficulty", ""),
            ("quota-0-count", "20"),
            ("action", "create"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = location(&r);
    assert_eq!(to, format!("/organiser/contests/{contest}?ok=round"));
    let (_, _, html) = page(&b, &app, &to).await;
    assert!(html.contains("Đã tạo vòng thi.") && html.contains("Tuần mặc định"));
}

#[tokio::test]
async fn voiding_a_participant_keeps_the_search_and_says_so() {
    let app = spawn_app().await;
    app.seed_contest().await;
    app.participant_named("Nguyễn Thị Hoa", "0912000001").await;
    let b = browser();
    let csrf = log_in(&b, &app, "btc@example.vn", STAFF_PASSWORD).await;

    let (_, _, html) = page(&b, &app, "/organiser/participants?query=nguyen%20thi%20hoa").await;
    assert!(html.contains("Nguyễn Thị Hoa"));
    assert!(
        html.contains("Vuốt ngang bảng để xem thêm cột"),
        "the phone hint"
    );
    let start = html.find("/organiser/participants/").unwrap();
    let action = html[start..start + html[start..].find('"').unwrap()].to_owned();
    assert!(action.ends_with("/void"));
    let r = b
        .post(app.url(&action))
        .form(&[
            ("csrf", csrf.as_str()),
            ("reason", "Tài khoản trùng"),
            ("query", "nguyen thi hoa"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = location(&r);
    assert_eq!(
        to,
        "/organiser/participants?query=nguyen%20thi%20hoa&ok=void"
    );
    let (_, _, html) = page(&b, &app, &to).await;
    assert!(html.contains("Đã huỷ kết quả của thí sinh"));
    assert!(
        html.contains("value=\"nguyen thi hoa\""),
        "the search box keeps the query"
    );
    assert!(html.contains("Đã huỷ: Tài khoản trùng"));

    let action = action.replace("/void", "/unvoid");
    let r = b
        .post(app.url(&action))
        .form(&[("csrf", csrf.as_str()), ("query", "nguyen thi hoa")])
        .send()
        .await
        .unwrap();
    let (_, _, html) = page(&b, &app, &location(&r)).await;
    assert!(html.contains("Đã khôi phục thí sinh."));
}

#[tokio::test]
async fn uploading_a_bank_without_a_file_says_no_file_was_chosen() {
    let app = spawn_app().await;
    app.seed_contest().await;
    let b = browser();
    let csrf = log_in(&b, &app, "btc@example.vn", STAFF_PASSWORD).await;

    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf)
        .text("format", "")
        .text("action", "import")
        .part(
            "file",
            reqwest::multipart::Part::bytes(Vec::new()).file_name(""),
        );
    let r = b
        .post(app.url("/organiser/banks"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("role=\"alert\"><p>Chưa chọn tệp.</p>"),
        "a message above the form: {html}"
    );
    assert!(
        html.contains("id=\"bank-file\""),
        "the upload form is still there"
    );
}

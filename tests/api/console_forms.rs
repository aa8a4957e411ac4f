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

/// The hidden `pending` token of a page's upload form, if a checked file is kept.
fn kept_token(html: &str) -> Option<String> {
    let needle = "name=\"pending\" value=\"";
    let at = html.find(needle)? + needle.len();
    Some(html[at..at + html[at..].find('"').unwrap()].to_owned())
}

#[tokio::test]
async fn a_checked_bank_file_is_kept_and_imported_without_choosing_it_again() {
    let app = spawn_app().await;
    app.seed_contest().await;
    let b = browser();
    let csrf = log_in(&b, &app, "btc@example.vn", STAFF_PASSWORD).await;
    let gift = include_str!("../../src/banks/fixtures/moodle.gift");
    let post = |form: reqwest::multipart::Form| {
        let b = b.clone();
        let url = app.url("/organiser/banks");
        async move {
            let r = b.post(url).multipart(form).send().await.unwrap();
            (r.status(), r.text().await.unwrap())
        }
    };
    let form = |action: &str, file: Option<&str>, pending: Option<&str>| {
        let mut f = reqwest::multipart::Form::new()
            .text("csrf", csrf.clone())
            .text("format", "gift")
            .text("code", "giu-tep")
            .text("title", "Ngân hàng giữ tệp")
            .text("action", action.to_owned());
        f = match file {
            Some(text) => f.part(
                "file",
                reqwest::multipart::Part::bytes(text.as_bytes().to_vec()).file_name("mau.gift"),
            ),
            None => f.part(
                "file",
                reqwest::multipart::Part::bytes(Vec::new()).file_name(""),
            ),
        };
        match pending {
            Some(t) => f.text("pending", t.to_owned()),
            None => f,
        }
    };

    // "Kiểm tra": nothing saved, the file is named as kept and the typed values stay.
    let (status, html) = post(form("check", Some(gift), None)).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Chưa lưu gì."), "{html}");
    assert!(
        html.contains("Tệp đã kiểm tra: <strong>mau.gift</strong>"),
        "{html}"
    );
    assert!(html.contains("value=\"giu-tep\""), "the code typed is kept");
    assert!(
        html.contains("value=\"Ngân hàng giữ tệp\""),
        "the title typed is kept"
    );
    assert!(
        html.contains("<option value=\"gift\" selected>"),
        "the format chosen is kept"
    );
    assert!(
        !html.contains("id=\"bank-file\" type=\"file\" name=\"file\" required"),
        "no file is required any more"
    );
    let token = kept_token(&html).expect("the kept file's token in the form");
    let (_, _, list) = page(&b, &app, "/organiser/banks").await;
    assert!(!list.contains(">giu-tep<"), "a check saves nothing");

    // Another organiser cannot import it with the token.
    let other = browser();
    app.staff(cuocthi::accounts::Role::Organiser, "btc2@example.vn")
        .await;
    let csrf2 = log_in(&other, &app, "btc2@example.vn", STAFF_PASSWORD).await;
    let stolen = reqwest::multipart::Form::new()
        .text("csrf", csrf2)
        .text("action", "import")
        .text("pending", token.clone())
        .part(
            "file",
            reqwest::multipart::Part::bytes(Vec::new()).file_name(""),
        );
    let r = other
        .post(app.url("/organiser/banks"))
        .multipart(stolen)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Tệp đã kiểm tra không còn được giữ")
    );

    // "Tải lên" with no file chosen imports the kept one.
    let (status, html) = post(form("import", None, Some(&token))).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(
        html.contains("Đã lưu ngân hàng <strong>giu-tep</strong> từ tệp mau.gift"),
        "{html}"
    );
    assert!(
        kept_token(&html).is_none(),
        "an imported file is no longer kept"
    );
    assert!(html.contains(">giu-tep</a>"), "the bank is listed: {html}");

    // Imported once: the token is spent.
    let (status, html) = post(form("import", None, Some(&token))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("hãy chọn lại tệp"), "{html}");
    assert!(
        html.contains("value=\"giu-tep\""),
        "a refusal keeps the values typed"
    );

    // A file that fails its check drops the kept one from the form.
    let (_, html) = post(form("check", Some(gift), None)).await;
    let token = kept_token(&html).unwrap();
    let (status, html) = post(form("check", Some("không phải GIFT {"), Some(&token))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(
        kept_token(&html).is_none(),
        "a failed check keeps no file to import by mistake"
    );
}

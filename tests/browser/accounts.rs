//! Accounts in the browser (#16): a forgotten password reset with the organiser's code and
//! with the emailed link (a real SMTP server), and an admin who creates a judge — who then
//! signs in — and disables them, which ends the judge's session.

use cuocthi::accounts::Role;

use crate::app::{PASSWORD, STAFF_PASSWORD, registration, spawn_app, spawn_app_with};
use crate::common::smtp::{reset_link, smtp_sink, wait_for_messages};
use crate::flows::log_in;
use crate::harness::{Browser, tools};

const NEW_PASSWORD: &str = "mật khẩu mới rất dài";

/// Submits the form holding `field` by clicking its submit button.
async fn submit(b: &Browser, form: &str) {
    b.find(&format!("{form} button[type=submit]"))
        .await
        .click()
        .await
        .expect("submit");
}

#[tokio::test]
async fn a_forgotten_password_is_reset_with_the_organisers_code_and_with_the_emailed_link() {
    let Some(tools) =
        tools("a_forgotten_password_is_reset_with_the_organisers_code_and_with_the_emailed_link")
    else {
        return;
    };
    let Some(sink) = smtp_sink().await else {
        return;
    };
    let app = spawn_app_with(|s| s.mail = Some(sink.settings("http://cuocthi.test"))).await;
    app.seed_contest().await;
    let old_token = app.participant("0912345681").await;
    let id = app.id_of(&old_token).await;

    // The organiser issues a code from the participants console.
    let staff = Browser::launch(&tools, &app.address, true).await;
    log_in(&staff, "btc@example.vn", STAFF_PASSWORD).await;
    staff.goto("/organiser/participants?query=0912345681").await;
    submit(
        &staff,
        &format!("form[action='/organiser/participants/{id}/reset-code']"),
    )
    .await;
    let code = staff.find("code").await.text().await.expect("the code");
    assert_eq!(code.len(), 11, "a code like ABCDE-FGHJK: {code:?}");
    staff.screenshots("organiser-reset-code", 360, 740).await;
    staff.close().await;

    // The participant follows "Quên mật khẩu" from the login page and uses it.
    let person = Browser::launch(&tools, &app.address, true).await;
    person.goto("/login").await;
    person
        .find("a[href='/quen-mat-khau']")
        .await
        .click()
        .await
        .expect("the recovery link");
    person
        .wait_for_path("the recovery page", |p| p == "/quen-mat-khau")
        .await;
    person.fill("#login", "0912345681").await;
    person.fill("#code", &code).await;
    person.fill("#new_password", NEW_PASSWORD).await;
    submit(&person, "form[action='/quen-mat-khau']").await;
    person.wait_for_text("main", "Đã đặt lại mật khẩu").await;
    assert_eq!(app.me(&old_token).await.status(), 401, "old tokens die");
    log_in(&person, "0912345681", NEW_PASSWORD).await;
    person.goto("/tai-khoan").await;
    person.wait_for_text("main", "0912345681").await;
    person.close().await;

    // A participant who gave an email asks for a link, opens it and sets a password.
    let mut body = registration("0912345682");
    body["email"] = serde_json::json!("chi.tran@example.vn");
    assert_eq!(app.register(&body).await.status(), 201);
    let email_token = app.token("0912345682", PASSWORD).await;
    let person = Browser::launch(&tools, &app.address, true).await;
    person.goto("/quen-mat-khau").await;
    person.fill("#email", "chi.tran@example.vn").await;
    submit(&person, "form[action='/quen-mat-khau/email']").await;
    person
        .wait_for_text("main", "thư hướng dẫn đặt lại mật khẩu đã được gửi")
        .await;
    let mail = wait_for_messages(&sink.dir, 1).await;
    let path = reset_link(&mail[0], "http://cuocthi.test");
    person.goto(&path).await;
    person.fill("#new_password", NEW_PASSWORD).await;
    submit(&person, "form[action='/dat-lai-mat-khau']").await;
    person.wait_for_text("main", "Đã đặt lại mật khẩu").await;
    assert_eq!(app.me(&email_token).await.status(), 401, "old tokens die");
    log_in(&person, "chi.tran@example.vn", NEW_PASSWORD).await;
    person.goto("/tai-khoan").await;
    person.wait_for_text("main", "0912345682").await;
    person.close().await;
}

#[tokio::test]
async fn an_admin_creates_a_judge_who_signs_in_and_disabling_them_ends_their_session() {
    let Some(tools) =
        tools("an_admin_creates_a_judge_who_signs_in_and_disabling_them_ends_their_session")
    else {
        return;
    };
    let app = spawn_app().await;
    app.seed_contest().await;
    app.staff(Role::Admin, "quantri@example.vn").await;

    let admin = Browser::launch(&tools, &app.address, true).await;
    log_in(&admin, "quantri@example.vn", STAFF_PASSWORD).await;
    admin.goto("/admin").await;
    admin.fill("#staff-login", "giamkhao.moi@example.vn").await;
    admin.fill("#staff-name", "Lê Văn Giám Khảo").await;
    admin
        .find("#staff-role")
        .await
        .select_by_value("judge")
        .await
        .expect("pick the role");
    submit(&admin, "form#staff-create").await;
    let password = admin
        .find("#issued-password")
        .await
        .text()
        .await
        .expect("the password shown once");
    assert!(password.len() >= 12, "{password:?}");
    admin.screenshots("admin-staff-created", 360, 740).await;

    // The judge signs in with it and reaches the judge console.
    let judge = Browser::launch(&tools, &app.address, true).await;
    log_in(&judge, "giamkhao.moi@example.vn", &password).await;
    judge.goto("/judge").await;
    assert_eq!(judge.path().await, "/judge");

    // Disabled by the admin: the judge's next page asks them to sign in again.
    let card =
        "//li[contains(., 'giamkhao.moi@example.vn')]//button[normalize-space(.)='Khoá tài khoản']";
    admin.find_xpath(card).await.click().await.expect("disable");
    admin.wait_for_text(".notice", "đã khoá").await;
    judge.goto("/judge").await;
    judge
        .wait_for_path("the login page", |p| p.starts_with("/login"))
        .await;
    judge.close().await;

    // …and cannot sign in.
    let again = Browser::launch(&tools, &app.address, true).await;
    again.goto("/login").await;
    again.fill("#login", "giamkhao.moi@example.vn").await;
    again.fill("#password", &password).await;
    again
        .button("Đăng nhập")
        .await
        .click()
        .await
        .expect("click");
    again.wait_for_text("main", "khoá").await;
    again.close().await;
    admin.close().await;
}

//! The site's identity (#16): the organiser named as the data controller in the consent
//! text, the province, a hotline and a contact address — public to read, set by admins
//! (API and the /admin form), audited, shared by every instance on the database.

use reqwest::StatusCode;
use serde_json::json;

use crate::common::*;
use crate::pages::{browser, csrf_of, page};
use cuocthi::accounts::Role;

#[tokio::test]
async fn admins_set_the_organiser_named_in_the_consent_text() {
    let app = spawn_app().await;
    app.seed_units().await;
    let admin = app.staff(Role::Admin, "quantri@example.vn").await;
    let organiser = app.staff(Role::Organiser, "btc@example.vn").await;

    // Defaults, readable by anyone.
    let (status, site) = json_of(app.get("/api/v1/site", None).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(site["organiser_name"], "Ban Tổ chức cuộc thi");
    assert!(site["hotline"].is_null());

    // Only admins change it; bad values are refused field by field, nothing written.
    let patch = json!({"organiser_name": "Sở Thông tin và Truyền thông tỉnh Vĩnh Long", "hotline": "0270 3822 xxx"});
    let r = app
        .patch_json("/api/v1/site", Some(&organiser), &patch)
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let (status, body) = json_of(app.patch_json("/api/v1/site", Some(&admin), &patch).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["error"]["fields"]["hotline"].is_string(), "{body}");
    let (_, site) = json_of(app.get("/api/v1/site", None).await).await;
    assert_eq!(
        site["organiser_name"], "Ban Tổ chức cuộc thi",
        "nothing half-written"
    );
    let (status, body) = json_of(
        app.patch_json("/api/v1/site", Some(&admin), &json!({}))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["code"], "empty_change");
    let r = app
        .patch_json("/api/v1/site", Some(&admin), &json!({"jwt_secret": "x"}))
        .await;
    assert_eq!(
        r.status(),
        StatusCode::BAD_REQUEST,
        "no other key is reachable"
    );

    let (status, site) = json_of(
        app.patch_json(
            "/api/v1/site",
            Some(&admin),
            &json!({"organiser_name": "Sở Thông tin và Truyền thông tỉnh Vĩnh Long", "hotline": "0270 3822 111", "contact_email": "HoTro@VinhLong.gov.vn", "province": "Tỉnh Vĩnh Long"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{site}");
    assert_eq!(site["contact_email"], "hotro@vinhlong.gov.vn");

    // The registration form names the new controller.
    let (_, _, html) = page(&browser(), &app, "/register").await;
    assert!(
        html.contains("Sở Thông tin và Truyền thông tỉnh Vĩnh Long"),
        "the consent text names the organiser"
    );

    // The /admin form: a bad email re-renders with the error; a good one saves.
    let b = browser();
    let r = b
        .get(app.url("/admin"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    let html = r.text().await.unwrap();
    assert!(html.contains("0270 3822 111"), "the form shows the values");
    let form = |email: &'static str, csrf: String| {
        vec![
            ("csrf", csrf),
            (
                "organiser_name",
                "Ban Tổ chức Cuộc thi tỉnh Vĩnh Long".to_owned(),
            ),
            ("province", "Tỉnh Vĩnh Long".to_owned()),
            ("hotline", "".to_owned()),
            ("contact_email", email.to_owned()),
        ]
    };
    let r = b
        .post(app.url("/admin/site"))
        .bearer_auth(&admin)
        .form(&form("khong-phai-email", csrf_of(&html)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = b
        .post(app.url("/admin/site"))
        .bearer_auth(&admin)
        .form(&form("", csrf_of(&html)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Đã lưu thông tin Ban Tổ chức")
    );
    let (_, site) = json_of(app.get("/api/v1/site", None).await).await;
    assert_eq!(
        site["organiser_name"],
        "Ban Tổ chức Cuộc thi tỉnh Vĩnh Long"
    );
    assert!(site["hotline"].is_null(), "an empty field clears: {site}");

    // Audited with before and after.
    let (_, audit) = json_of(app.get("/api/v1/audit?limit=100", Some(&admin)).await).await;
    let changes: Vec<_> = audit
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "site.update")
        .collect();
    assert_eq!(changes.len(), 2, "{audit}");
}

//! The table of the authorization matrix: one row per route, its path and bodies, and the
//! outcome expected for each caller (see the rules in `authz/mod.rs`).

use serde_json::json;

use super::{Body, Case, PDF, World, bank_toml, password_of};
use crate::helpers::{PASSWORD, UNITS_CSV, registration, round_spec, season_spec};

fn form(fields: &[(&str, &str)]) -> Body {
    Body::Form(
        fields
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    )
}

fn none() -> Box<dyn Fn(usize) -> Body> {
    Box::new(|_| Body::None)
}

/// The table. Columns: anonymous, owner, other, voided, judge, organiser, admin.
pub(super) fn cases(w: &World) -> Vec<Case> {
    let (c, r, b, a) = (w.contest, w.round, w.bank, w.attempt);
    let docs = w.documents;
    let choice = w.choice.clone();
    let target = w.target;
    let staff_target = w.staff_target;
    let mut cases = Vec::new();
    let mut row = |method: &'static str,
                   route: &'static str,
                   path: String,
                   body: Box<dyn Fn(usize) -> Body>,
                   expect: &'static str| {
        cases.push(Case {
            method,
            route,
            path,
            body,
            expect,
        })
    };
    let all_ok = "200 200 200 200 200 200 200";
    let organiser_page = "login 403 403 login 403 200 403";
    // Contest data is for judges and organisers; admins manage accounts (issue #13).
    let staff_page = "login 403 403 login 200 200 403";
    let staff_api = "401 403 403 401 200 200 403";
    let organiser_api = "401 403 403 401 403 200 403";
    let admin_page = "login 403 403 login 403 403 200";
    let admin_api = "401 403 403 401 403 403 200";
    // A path the app does not have: 404 for everyone, before any sign-in check.
    let no_such_path = "404 404 404 404 404 404 404";

    // Pages.
    row("GET", "/healthz", "/healthz".into(), none(), all_ok);
    row("GET", "/readyz", "/readyz".into(), none(), all_ok);
    // Tests connect from loopback, which scrapes without a token.
    row("GET", "/metrics", "/metrics".into(), none(), all_ok);
    row(
        "GET",
        "/api/openapi.json",
        "/api/openapi.json".into(),
        none(),
        all_ok,
    );
    row(
        "GET",
        "/static/{name}",
        "/static/app.css".into(),
        none(),
        all_ok,
    );
    // Pictures are public, by content hash: an unknown one is 404 for every caller.
    let no_picture = format!("{}.png", "0".repeat(64));
    row(
        "GET",
        "/media/{name}",
        format!("/media/{no_picture}"),
        none(),
        "404 404 404 404 404 404 404",
    );
    row(
        "GET",
        "/media/720/{name}",
        format!("/media/720/{no_picture}"),
        none(),
        "404 404 404 404 404 404 404",
    );
    row("GET", "/", "/".into(), none(), all_ok);
    row("GET", "/login", "/login".into(), none(), all_ok);
    row(
        "POST",
        "/login",
        "/login".into(),
        Box::new(|_| form(&[("login", "0912000009"), ("password", PASSWORD)])),
        "303 303 303 303 303 303 303",
    );
    row(
        "POST",
        "/logout",
        "/logout".into(),
        Box::new(|_| form(&[])),
        "303 303 303 303 303 303 303",
    );
    row("GET", "/register", "/register".into(), none(), all_ok);
    // Password recovery pages (issue #16): open to everyone; a wrong code or link is 400.
    row(
        "GET",
        "/quen-mat-khau",
        "/quen-mat-khau".into(),
        none(),
        all_ok,
    );
    row(
        "POST",
        "/quen-mat-khau",
        "/quen-mat-khau".into(),
        Box::new(|_| {
            form(&[
                ("login", "0912000009"),
                ("code", "ABCDE-FGHJK"),
                ("new_password", "mat-khau-moi-123"),
            ])
        }),
        "400 400 400 400 400 400 400",
    );
    row(
        "POST",
        "/quen-mat-khau/email",
        "/quen-mat-khau/email".into(),
        Box::new(|_| form(&[("email", "ai-do-khac@example.vn")])),
        all_ok,
    );
    row(
        "GET",
        "/dat-lai-mat-khau",
        "/dat-lai-mat-khau?token=khong-co".into(),
        none(),
        all_ok,
    );
    row(
        "POST",
        "/dat-lai-mat-khau",
        "/dat-lai-mat-khau".into(),
        Box::new(|_| form(&[("token", "khong-co"), ("new_password", "mat-khau-moi-123")])),
        "400 400 400 400 400 400 400",
    );
    row(
        "POST",
        "/register",
        "/register".into(),
        Box::new(|caller| {
            let phone = format!("09130000{caller:02}");
            form(&[
                ("full_name", "Trần Thị Bình"),
                ("phone", &phone),
                ("category", "official"),
                ("unit_code", "SO-TP"),
                ("password", PASSWORD),
                ("consent", "yes"),
            ])
        }),
        "303 303 303 303 303 303 303",
    );
    row(
        "GET",
        "/me",
        "/me".into(),
        none(),
        "login 200 200 login 403 403 403",
    );
    row(
        "GET",
        "/contests/{id}",
        format!("/contests/{c}"),
        none(),
        all_ok,
    );
    row(
        "GET",
        "/contests/{id}/documents/{doc_id}",
        format!("/contests/{c}/documents/{}", docs[0]),
        none(),
        all_ok,
    );
    row(
        "GET",
        "/rounds/{id}/leaderboard",
        format!("/rounds/{r}/leaderboard"),
        none(),
        all_ok,
    );
    row(
        "GET",
        "/contests/{id}/leaderboard",
        format!("/contests/{c}/leaderboard"),
        none(),
        all_ok,
    );
    row("GET", "/huong-dan", "/huong-dan".into(), none(), all_ok);
    row(
        "GET",
        "/rounds/{id}/vao-thi",
        format!("/rounds/{r}/vao-thi"),
        none(),
        "login 303 200 login 403 403 403",
    );
    row(
        "POST",
        "/rounds/{id}/start",
        format!("/rounds/{r}/start"),
        Box::new(|_| form(&[])),
        "login 303 303 login 403 403 403",
    );
    row(
        "GET",
        "/attempts/{id}",
        format!("/attempts/{a}"),
        none(),
        "login 200 404 login 403 403 403",
    );
    {
        let choice = choice.clone();
        row(
            "POST",
            "/attempts/{id}",
            format!("/attempts/{a}"),
            Box::new(move |_| form(&[("q1", &choice)])),
            "login 303 404 login 403 403 403",
        );
    }
    row(
        "GET",
        "/attempts/{id}/result",
        format!("/attempts/{a}/result"),
        none(),
        "login 303 404 login 403 403 403",
    );
    row(
        "GET",
        "/organiser",
        "/organiser".into(),
        none(),
        organiser_page,
    );
    row(
        "GET",
        "/organiser/banks",
        "/organiser/banks".into(),
        none(),
        organiser_page,
    );
    row(
        "GET",
        "/organiser/banks/mau-ngan-hang.xlsx",
        "/organiser/banks/mau-ngan-hang.xlsx".into(),
        none(),
        organiser_page,
    );
    row(
        "POST",
        "/organiser/banks",
        "/organiser/banks".into(),
        Box::new(|caller| {
            Body::Multipart(
                vec![("format", "toml".into())],
                "bank.toml",
                bank_toml(&format!("authz-page-{caller}")),
            )
        }),
        organiser_page,
    );
    row(
        "GET",
        "/organiser/banks/{id}",
        format!("/organiser/banks/{b}"),
        none(),
        organiser_page,
    );
    row(
        "GET",
        "/organiser/contests",
        "/organiser/contests".into(),
        none(),
        organiser_page,
    );
    row(
        "POST",
        "/organiser/contests",
        "/organiser/contests".into(),
        Box::new(|caller| {
            let code = format!("authz-page-{caller}");
            form(&[
                ("code", &code),
                ("title", "Cuộc thi phân quyền"),
                ("categories", "official"),
            ])
        }),
        "login 403 403 login 403 303 403",
    );
    row(
        "GET",
        "/organiser/contests/{id}",
        format!("/organiser/contests/{c}"),
        none(),
        organiser_page,
    );
    // The edit form sent back unchanged: allowed, and it changes nothing.
    row(
        "POST",
        "/organiser/contests/{id}",
        format!("/organiser/contests/{c}"),
        Box::new(|_| {
            form(&[
                ("title", "Cuộc thi thử nghiệm"),
                ("categories", "official"),
                ("categories", "citizen"),
            ])
        }),
        "login 403 403 login 403 303 403",
    );
    row(
        "POST",
        "/organiser/contests/{id}/rounds",
        format!("/organiser/contests/{c}/rounds"),
        Box::new(|_| form(&[("title", "Tuần phân quyền")])),
        "login 403 403 login 403 422 403",
    );
    row(
        "POST",
        "/organiser/contests/{id}/documents",
        format!("/organiser/contests/{c}/documents"),
        Box::new(|_| Body::Multipart(vec![], "the-le.pdf", PDF.to_vec())),
        "login 403 403 login 403 303 403",
    );
    row(
        "POST",
        "/organiser/contests/{id}/documents/{doc_id}/delete",
        format!("/organiser/contests/{c}/documents/{}/delete", docs[2]),
        Box::new(|_| form(&[])),
        "login 403 403 login 403 303 403",
    );
    row(
        "POST",
        "/organiser/rounds/{id}/close",
        format!("/organiser/rounds/{}/close", w.spare_rounds[1]),
        Box::new(|_| form(&[("reason", "Sự cố kỹ thuật"), ("confirm", "true")])),
        "login 403 403 login 403 303 403",
    );
    row(
        "GET",
        "/organiser/rounds/{id}/close",
        format!("/organiser/rounds/{}/close", w.spare_rounds[1]),
        none(),
        organiser_page,
    );
    row(
        "GET",
        "/organiser/rounds/{id}",
        format!("/organiser/rounds/{r}"),
        none(),
        organiser_page,
    );
    row(
        "POST",
        "/organiser/rounds/{id}",
        format!("/organiser/rounds/{r}"),
        Box::new(|_| form(&[("title", "Tuần phân quyền")])),
        "login 403 403 login 403 303 403",
    );
    row(
        "POST",
        "/organiser/contests/{id}/season",
        format!("/organiser/contests/{c}/season"),
        Box::new(|_| form(&[("season-title", "Tuần {n}")])),
        "login 403 403 login 403 422 403",
    );
    row(
        "GET",
        "/organiser/rounds/{id}/items",
        format!("/organiser/rounds/{r}/items"),
        none(),
        organiser_page,
    );
    row(
        "POST",
        "/organiser/rounds/{id}/questions/{question_id}/decision",
        format!("/organiser/rounds/{r}/questions/{}/decision", w.question),
        Box::new(|_| form(&[("decision", "drop")])),
        "login 403 403 login 403 422 403",
    );
    row(
        "GET",
        "/organiser/units",
        "/organiser/units".into(),
        none(),
        organiser_page,
    );
    row(
        "POST",
        "/organiser/units",
        "/organiser/units".into(),
        Box::new(|_| Body::Multipart(vec![], "units.csv", UNITS_CSV.as_bytes().to_vec())),
        organiser_page,
    );
    row(
        "GET",
        "/organiser/participants",
        "/organiser/participants".into(),
        none(),
        organiser_page,
    );
    row(
        "POST",
        "/organiser/participants/{id}/reset-code",
        format!("/organiser/participants/{target}/reset-code"),
        Box::new(|_| form(&[])),
        "login 403 403 login 403 200 403",
    );
    row(
        "POST",
        "/organiser/participants/{id}/{action}",
        format!("/organiser/participants/{target}/unvoid"),
        Box::new(|_| form(&[])),
        "login 403 403 login 403 303 403",
    );
    row(
        "POST",
        "/organiser/corrections/{id}",
        format!("/organiser/corrections/{target}"),
        Box::new(|_| {
            form(&[
                ("full_name", "Người Được Sửa"),
                ("reason", "Kiểm tra phân quyền"),
            ])
        }),
        "login 403 403 login 403 303 403",
    );
    row(
        "GET",
        "/organiser/duplicates",
        "/organiser/duplicates".into(),
        none(),
        organiser_page,
    );
    // Announcements (issue #15): the organiser's form posts announcement 1, withdrawn by
    // the next row (the API's rows below post and withdraw number 2).
    row(
        "GET",
        "/organiser/announcements",
        "/organiser/announcements".into(),
        none(),
        organiser_page,
    );
    row(
        "POST",
        "/organiser/announcements",
        "/organiser/announcements".into(),
        Box::new(|_| form(&[("title", "Thông báo phân quyền"), ("body", "Nội dung")])),
        "login 403 403 login 403 303 403",
    );
    row(
        "POST",
        "/organiser/announcements/{id}/withdraw",
        "/organiser/announcements/1/withdraw".into(),
        Box::new(|_| form(&[])),
        "login 403 403 login 403 303 403",
    );
    row("GET", "/admin", "/admin".into(), none(), admin_page);
    // One's own account and personal data (issue #16): every signed-in role.
    row(
        "GET",
        "/tai-khoan",
        "/tai-khoan".into(),
        none(),
        "login 200 200 login 200 200 200",
    );
    row(
        "POST",
        "/tai-khoan/mat-khau",
        "/tai-khoan/mat-khau".into(),
        Box::new(|_| {
            form(&[
                ("current_password", "not the password"),
                ("new_password", "mật khẩu mới dài"),
            ])
        }),
        "login 422 422 login 422 422 422",
    );
    row(
        "POST",
        "/tai-khoan/dang-xuat-tat-ca",
        "/tai-khoan/dang-xuat-tat-ca".into(),
        Box::new(|_| form(&[])),
        "login 303 303 login 303 303 303",
    );
    row(
        "POST",
        "/tai-khoan/yeu-cau",
        "/tai-khoan/yeu-cau".into(),
        Box::new(|_| {
            form(&[
                ("kind", "correction"),
                ("note", "Ngày sinh đúng là 1990-05-31."),
            ])
        }),
        "login 303 303 login 403 403 403",
    );
    row(
        "GET",
        "/organiser/requests",
        "/organiser/requests".into(),
        none(),
        organiser_page,
    );
    row(
        "GET",
        "/api/v1/me/data",
        "/api/v1/me/data".into(),
        none(),
        "401 200 200 401 200 200 200",
    );
    row(
        "GET",
        "/api/v1/me/data",
        "/api/v1/me/data?format=csv".into(),
        none(),
        "401 200 200 401 200 200 200",
    );
    row(
        "POST",
        "/api/v1/me/requests",
        "/api/v1/me/requests".into(),
        Box::new(|_| Body::Json(json!({"kind": "correction", "note": "Sai đơn vị."}))),
        "401 201 201 401 403 403 403",
    );
    row(
        "GET",
        "/api/v1/requests",
        "/api/v1/requests".into(),
        none(),
        organiser_api,
    );
    // A rejection without its reason: refused before the request is looked up.
    row(
        "POST",
        "/api/v1/requests/{id}/resolve",
        "/api/v1/requests/999999/resolve".into(),
        Box::new(|_| Body::Json(json!({"outcome": "rejected"}))),
        "401 403 403 401 403 422 403",
    );
    row(
        "POST",
        "/organiser/requests/{id}",
        "/organiser/requests/999999".into(),
        Box::new(|_| form(&[("outcome", "rejected"), ("note", "")])),
        "login 403 403 login 403 422 403",
    );
    row("GET", "/api/v1/site", "/api/v1/site".into(), none(), all_ok);
    row(
        "PATCH",
        "/api/v1/site",
        "/api/v1/site".into(),
        Box::new(|_| Body::Json(json!({"province": "Tỉnh Vĩnh Long"}))),
        admin_api,
    );
    row(
        "POST",
        "/admin/site",
        "/admin/site".into(),
        Box::new(|_| {
            form(&[
                ("organiser_name", "Ban Tổ chức"),
                ("province", "Tỉnh Vĩnh Long"),
            ])
        }),
        admin_page,
    );
    row(
        "POST",
        "/admin/staff",
        "/admin/staff".into(),
        Box::new(|caller| {
            let login = format!("staff-page-{caller}@example.vn");
            form(&[
                ("login", &login),
                ("full_name", "Cán Bộ Mới"),
                ("role", "judge"),
            ])
        }),
        admin_page,
    );
    row(
        "POST",
        "/admin/staff/{id}",
        format!("/admin/staff/{staff_target}"),
        Box::new(|_| form(&[("disabled", "false")])),
        admin_page,
    );
    row(
        "POST",
        "/admin/staff/{id}/password",
        format!("/admin/staff/{staff_target}/password"),
        Box::new(|_| form(&[])),
        admin_page,
    );
    row("GET", "/judge", "/judge".into(), none(), staff_page);
    row(
        "GET",
        "/judge/rounds/{id}",
        format!("/judge/rounds/{r}"),
        none(),
        staff_page,
    );
    row(
        "GET",
        "/judge/contests/{id}",
        format!("/judge/contests/{c}"),
        none(),
        staff_page,
    );
    row(
        "GET",
        "/judge/rounds/{id}/units",
        format!("/judge/rounds/{r}/units"),
        none(),
        staff_page,
    );
    row(
        "GET",
        "/judge/attempts/{id}",
        format!("/judge/attempts/{a}"),
        none(),
        staff_page,
    );
    row(
        "GET",
        "/judge/attempts/{id}/verify",
        format!("/judge/attempts/{a}/verify"),
        none(),
        staff_page,
    );

    // API.
    row(
        "POST",
        "/api/v1/auth/register",
        "/api/v1/auth/register".into(),
        Box::new(|caller| Body::Json(registration(&format!("09140000{caller:02}")))),
        "201 201 201 201 201 201 201",
    );
    row(
        "POST",
        "/api/v1/auth/login",
        "/api/v1/auth/login".into(),
        Box::new(|_| Body::Json(json!({"login": "0912000009", "password": PASSWORD}))),
        all_ok,
    );
    row(
        "POST",
        "/api/v1/auth/logout",
        "/api/v1/auth/logout".into(),
        none(),
        "204 204 204 204 204 204 204",
    );
    row(
        "POST",
        "/api/v1/auth/logout-all",
        "/api/v1/auth/logout-all".into(),
        none(),
        "401 204 204 401 204 204 204",
    );
    // Password recovery (issue #16): anyone may try; a made-up link is `invalid_code`.
    row(
        "POST",
        "/api/v1/auth/reset",
        "/api/v1/auth/reset".into(),
        Box::new(|_| Body::Json(json!({"token": "khong-co", "new_password": "mat-khau-moi-123"}))),
        "400 400 400 400 400 400 400",
    );
    row(
        "POST",
        "/api/v1/auth/forgot",
        "/api/v1/auth/forgot".into(),
        Box::new(|_| Body::Json(json!({"email": "ai-do@example.vn"}))),
        "202 202 202 202 202 202 202",
    );
    row(
        "GET",
        "/api/v1/me",
        "/api/v1/me".into(),
        none(),
        "401 200 200 401 200 200 200",
    );
    row(
        "POST",
        "/api/v1/me/password",
        "/api/v1/me/password".into(),
        Box::new(|caller| {
            Body::Json(json!({
                "current_password": password_of(caller),
                "new_password": password_of(caller),
            }))
        }),
        "401 200 200 401 200 200 200",
    );
    row(
        "GET",
        "/api/v1/units",
        "/api/v1/units".into(),
        none(),
        all_ok,
    );
    row(
        "POST",
        "/api/v1/units/import",
        "/api/v1/units/import".into(),
        Box::new(|_| Body::Raw("text/csv", UNITS_CSV.as_bytes().to_vec())),
        organiser_api,
    );
    row(
        "POST",
        "/api/v1/banks",
        "/api/v1/banks?format=toml".into(),
        Box::new(|caller| {
            Body::Raw(
                "application/toml",
                bank_toml(&format!("authz-api-{caller}")),
            )
        }),
        "401 403 403 401 403 201 403",
    );
    row(
        "GET",
        "/api/v1/banks",
        "/api/v1/banks".into(),
        none(),
        staff_api,
    );
    row(
        "POST",
        "/api/v1/banks/check",
        "/api/v1/banks/check?format=toml".into(),
        Box::new(|_| Body::Raw("application/toml", bank_toml("authz-check"))),
        organiser_api,
    );
    row(
        "GET",
        "/api/v1/banks/{id}",
        format!("/api/v1/banks/{b}"),
        none(),
        staff_api,
    );
    row(
        "GET",
        "/api/v1/banks/{id}/export",
        format!("/api/v1/banks/{b}/export"),
        none(),
        staff_api,
    );
    row(
        "POST",
        "/api/v1/contests",
        "/api/v1/contests".into(),
        Box::new(|caller| {
            Body::Json(
                json!({"code": format!("authz-{caller}"), "title": "Cuộc thi phân quyền", "categories": ["official"]}),
            )
        }),
        "401 403 403 401 403 201 403",
    );
    row(
        "GET",
        "/api/v1/contests",
        "/api/v1/contests".into(),
        none(),
        all_ok,
    );
    row(
        "GET",
        "/api/v1/contests/{id}",
        format!("/api/v1/contests/{c}"),
        none(),
        all_ok,
    );
    row(
        "PATCH",
        "/api/v1/contests/{id}",
        format!("/api/v1/contests/{c}"),
        Box::new(|_| Body::Json(json!({"title": "Cuộc thi thử nghiệm"}))),
        "401 403 403 401 403 200 403",
    );
    row(
        "POST",
        "/api/v1/contests/{id}/rounds",
        format!("/api/v1/contests/{c}/rounds"),
        Box::new(|_| Body::Json(round_spec())),
        "401 403 403 401 403 201 403",
    );
    row(
        "GET",
        "/api/v1/contests/{id}/leaderboard",
        format!("/api/v1/contests/{c}/leaderboard"),
        none(),
        all_ok,
    );
    row(
        "GET",
        "/api/v1/contests/{id}/units",
        format!("/api/v1/contests/{c}/units"),
        none(),
        all_ok,
    );
    row(
        "POST",
        "/api/v1/contests/{id}/documents",
        format!("/api/v1/contests/{c}/documents"),
        Box::new(|_| Body::Raw("application/pdf", PDF.to_vec())),
        "401 403 403 401 403 201 403",
    );
    row(
        "GET",
        "/api/v1/contests/{id}/documents",
        format!("/api/v1/contests/{c}/documents"),
        none(),
        all_ok,
    );
    row(
        "DELETE",
        "/api/v1/contests/{id}/documents/{doc_id}",
        format!("/api/v1/contests/{c}/documents/{}", docs[1]),
        none(),
        "401 403 403 401 403 204 403",
    );
    row(
        "GET",
        "/api/v1/rounds",
        "/api/v1/rounds".into(),
        none(),
        "401 200 200 401 403 403 403",
    );
    row(
        "GET",
        "/api/v1/rounds/{id}",
        format!("/api/v1/rounds/{r}"),
        none(),
        all_ok,
    );
    row(
        "POST",
        "/api/v1/rounds/{id}/close",
        format!("/api/v1/rounds/{}/close", w.spare_rounds[0]),
        Box::new(|_| Body::Json(json!({"reason": "Sự cố kỹ thuật", "confirm": true}))),
        organiser_api,
    );
    row(
        "PATCH",
        "/api/v1/rounds/{id}",
        format!("/api/v1/rounds/{r}"),
        Box::new(|_| Body::Json(json!({"title": "Tuần phân quyền"}))),
        organiser_api,
    );
    row(
        "POST",
        "/api/v1/contests/{id}/season",
        format!("/api/v1/contests/{c}/season"),
        Box::new(|_| Body::Json(season_spec(2))),
        "401 403 403 401 403 201 403",
    );
    row(
        "POST",
        "/api/v1/rounds/{id}/attempts",
        format!("/api/v1/rounds/{r}/attempts"),
        Box::new(|_| Body::Json(json!({}))),
        "401 200 200 401 403 403 403",
    );
    row(
        "GET",
        "/api/v1/rounds/{id}/leaderboard",
        format!("/api/v1/rounds/{r}/leaderboard"),
        none(),
        all_ok,
    );
    row(
        "GET",
        "/api/v1/rounds/{id}/units",
        format!("/api/v1/rounds/{r}/units"),
        none(),
        all_ok,
    );
    row(
        "GET",
        "/api/v1/attempts/{id}",
        format!("/api/v1/attempts/{a}"),
        none(),
        "401 200 404 401 200 200 403",
    );
    row(
        "GET",
        "/api/v1/attempts/{id}/verify",
        format!("/api/v1/attempts/{a}/verify"),
        none(),
        staff_api,
    );
    // Without a reason: refused (422) once the organiser is through.
    row(
        "POST",
        "/api/v1/rounds/{id}/questions/{question_id}/decision",
        format!("/api/v1/rounds/{r}/questions/{}/decision", w.question),
        Box::new(|_| Body::Json(json!({"decision": "drop"}))),
        "401 403 403 401 403 422 403",
    );
    row(
        "GET",
        "/api/v1/audit",
        "/api/v1/audit".into(),
        none(),
        "401 403 403 401 200 200 200",
    );
    row(
        "GET",
        "/api/v1/contests/{id}/unusual-attempts",
        format!("/api/v1/contests/{c}/unusual-attempts"),
        none(),
        staff_api,
    );
    {
        let choice = choice.clone();
        row(
            "PUT",
            "/api/v1/attempts/{id}/answers/{question_id}",
            format!("/api/v1/attempts/{a}/answers/1"),
            Box::new(move |_| Body::Json(json!({"choices": [choice]}))),
            "401 200 404 401 403 403 403",
        );
    }
    row(
        "PUT",
        "/api/v1/attempts/{id}/prediction",
        format!("/api/v1/attempts/{a}/prediction"),
        Box::new(|_| Body::Json(json!({"prediction": 7}))),
        "401 200 404 401 403 403 403",
    );
    row(
        "GET",
        "/api/v1/participants",
        "/api/v1/participants".into(),
        none(),
        organiser_api,
    );
    row(
        "GET",
        "/api/v1/participants/duplicates",
        "/api/v1/participants/duplicates".into(),
        none(),
        organiser_api,
    );
    row(
        "POST",
        "/api/v1/participants/{id}/void",
        format!("/api/v1/participants/{target}/void"),
        Box::new(|_| Body::Json(json!({"reason": "Kiểm tra phân quyền"}))),
        organiser_api,
    );
    row(
        "POST",
        "/api/v1/participants/{id}/unvoid",
        format!("/api/v1/participants/{target}/unvoid"),
        none(),
        organiser_api,
    );
    row(
        "PATCH",
        "/api/v1/participants/{id}",
        format!("/api/v1/participants/{target}"),
        Box::new(|_| {
            Body::Json(json!({"full_name": "Người Được Sửa", "reason": "Kiểm tra phân quyền"}))
        }),
        organiser_api,
    );
    row(
        "POST",
        "/api/v1/participants/{id}/reset-code",
        format!("/api/v1/participants/{target}/reset-code"),
        none(),
        "401 403 403 401 403 201 403",
    );
    row(
        "GET",
        "/api/v1/staff",
        "/api/v1/staff".into(),
        none(),
        admin_api,
    );
    row(
        "POST",
        "/api/v1/staff",
        "/api/v1/staff".into(),
        Box::new(|caller| {
            Body::Json(json!({
                "login": format!("staff-api-{caller}@example.vn"),
                "full_name": "Cán Bộ Mới",
                "role": "judge",
            }))
        }),
        "401 403 403 401 403 403 201",
    );
    row(
        "PATCH",
        "/api/v1/staff/{id}",
        format!("/api/v1/staff/{staff_target}"),
        Box::new(|_| Body::Json(json!({"disabled": false}))),
        admin_api,
    );
    row(
        "POST",
        "/api/v1/staff/{id}/password",
        format!("/api/v1/staff/{staff_target}/password"),
        none(),
        admin_api,
    );
    // One handler per kind, the format a path parameter: each format is its own request,
    // and an unknown one is a path the API does not have, for every caller.
    for (route, path, expect) in [
        (
            "/api/v1/rounds/{id}/results.{format}",
            format!("/api/v1/rounds/{r}/results"),
            staff_api,
        ),
        (
            "/api/v1/contests/{id}/results.{format}",
            format!("/api/v1/contests/{c}/results"),
            staff_api,
        ),
        (
            "/api/v1/contests/{id}/units.{format}",
            format!("/api/v1/contests/{c}/units"),
            staff_api,
        ),
    ] {
        for (format, expect) in [("xlsx", expect), ("csv", expect), ("pdf", no_such_path)] {
            row("GET", route, format!("{path}.{format}"), none(), expect);
        }
    }
    row(
        "GET",
        "/api/v1/rounds/{id}/items",
        format!("/api/v1/rounds/{r}/items"),
        none(),
        organiser_api,
    );
    row(
        "GET",
        "/api/v1/rounds/{id}/items.csv",
        format!("/api/v1/rounds/{r}/items.csv"),
        none(),
        organiser_api,
    );
    row(
        "POST",
        "/api/v1/announcements",
        "/api/v1/announcements".into(),
        Box::new(|_| Body::Json(json!({"title": "Thông báo phân quyền", "body": "Nội dung"}))),
        "401 403 403 401 403 201 403",
    );
    row(
        "GET",
        "/api/v1/announcements",
        "/api/v1/announcements".into(),
        none(),
        all_ok,
    );
    row(
        "DELETE",
        "/api/v1/announcements/{id}",
        "/api/v1/announcements/2".into(),
        none(),
        "401 403 403 401 403 200 403",
    );
    row(
        "GET",
        "/api/v1/dashboard",
        "/api/v1/dashboard".into(),
        none(),
        organiser_api,
    );
    // Prizes (issue #17). The round is not settled and nothing is published: staff reach
    // the rule (409) or find no list (404); the public pages have nothing to show.
    row(
        "PUT",
        "/api/v1/contests/{id}/prize-plan",
        format!("/api/v1/contests/{c}/prize-plan"),
        Box::new(|_| {
            Body::Json(json!({"individual": [{"prize": "Giải Nhất", "count": 1}], "min_score": 0}))
        }),
        organiser_api,
    );
    row(
        "GET",
        "/api/v1/contests/{id}/prize-plan",
        format!("/api/v1/contests/{c}/prize-plan"),
        none(),
        staff_api,
    );
    let staff_rule = "401 403 403 401 409 409 403";
    let organiser_rule = "401 403 403 401 403 409 403";
    let staff_none = "401 403 403 401 404 404 403";
    for (prefix, id) in [("rounds", r), ("contests", c)] {
        let routes: [(&'static str, &'static str, &'static str, &'static str); 6] =
            if prefix == "rounds" {
                [
                    ("POST", "/api/v1/rounds/{id}/awards", "", staff_rule),
                    ("GET", "/api/v1/rounds/{id}/awards", "", staff_none),
                    (
                        "POST",
                        "/api/v1/rounds/{id}/awards/exclusions",
                        "/exclusions",
                        staff_rule,
                    ),
                    (
                        "POST",
                        "/api/v1/rounds/{id}/awards/publish",
                        "/publish",
                        organiser_rule,
                    ),
                    (
                        "POST",
                        "/api/v1/rounds/{id}/awards/unpublish",
                        "/unpublish",
                        organiser_rule,
                    ),
                    (
                        "GET",
                        "/api/v1/rounds/{id}/awards/public",
                        "/public",
                        no_such_path,
                    ),
                ]
            } else {
                [
                    ("POST", "/api/v1/contests/{id}/awards", "", staff_rule),
                    ("GET", "/api/v1/contests/{id}/awards", "", staff_none),
                    (
                        "POST",
                        "/api/v1/contests/{id}/awards/exclusions",
                        "/exclusions",
                        staff_rule,
                    ),
                    (
                        "POST",
                        "/api/v1/contests/{id}/awards/publish",
                        "/publish",
                        organiser_rule,
                    ),
                    (
                        "POST",
                        "/api/v1/contests/{id}/awards/unpublish",
                        "/unpublish",
                        organiser_rule,
                    ),
                    (
                        "GET",
                        "/api/v1/contests/{id}/awards/public",
                        "/public",
                        no_such_path,
                    ),
                ]
            };
        for (method, route, suffix, expect) in routes {
            row(
                method,
                route,
                format!("/api/v1/{prefix}/{id}/awards{suffix}"),
                Box::new(move |_| {
                    Body::Json(if suffix == "/exclusions" {
                        json!({"participant_id": 1, "reason": "Kiểm tra phân quyền."})
                    } else {
                        json!({"reason": "Kiểm tra phân quyền."})
                    })
                }),
                expect,
            );
        }
        let (export_route, zip_route, list_page, print_page, public_page) = if prefix == "rounds" {
            (
                "/api/v1/rounds/{id}/awards.{format}",
                "/api/v1/rounds/{id}/certificates.zip",
                "/judge/rounds/{id}/giai",
                "/judge/rounds/{id}/giai/in",
                ("/ket-qua/vong/{id}", format!("/ket-qua/vong/{id}")),
            )
        } else {
            (
                "/api/v1/contests/{id}/awards.{format}",
                "/api/v1/contests/{id}/certificates.zip",
                "/judge/contests/{id}/giai",
                "/judge/contests/{id}/giai/in",
                ("/ket-qua/cuoc-thi/{id}", format!("/ket-qua/cuoc-thi/{id}")),
            )
        };
        for (format, expect) in [
            ("xlsx", staff_none),
            ("csv", staff_none),
            ("pdf", no_such_path),
        ] {
            row(
                "GET",
                export_route,
                format!("/api/v1/{prefix}/{id}/awards.{format}"),
                none(),
                expect,
            );
        }
        row(
            "GET",
            zip_route,
            format!("/api/v1/{prefix}/{id}/certificates.zip"),
            none(),
            "401 403 403 401 403 404 403",
        );
        let judge_base = if prefix == "rounds" {
            "/judge/rounds"
        } else {
            "/judge/contests"
        };
        row(
            "GET",
            list_page,
            format!("{judge_base}/{id}/giai"),
            none(),
            staff_page,
        );
        row(
            "GET",
            print_page,
            format!("{judge_base}/{id}/giai/in"),
            none(),
            staff_page,
        );
        // The staff page's forms reach the rule too: the page again, with why, in 409.
        row(
            "POST",
            list_page,
            format!("{judge_base}/{id}/giai"),
            Box::new(|_| form(&[("action", "propose")])),
            "login 403 403 login 409 409 403",
        );
        let restore_route = if prefix == "rounds" {
            "/api/v1/rounds/{id}/awards/exclusions/{participant_id}"
        } else {
            "/api/v1/contests/{id}/awards/exclusions/{participant_id}"
        };
        row(
            "DELETE",
            restore_route,
            format!("/api/v1/{prefix}/{id}/awards/exclusions/1"),
            none(),
            staff_rule,
        );
        row("GET", public_page.0, public_page.1, none(), no_such_path);
    }
    row(
        "GET",
        "/xac-minh/{code}",
        "/xac-minh/ABCD-2345".into(),
        none(),
        no_such_path,
    );
    row(
        "GET",
        "/api/v1/certificates/{code}.pdf",
        "/api/v1/certificates/ABCD-2345.pdf".into(),
        none(),
        "401 404 404 401 404 404 404",
    );
    // Last: submitting ends the owner's attempt.
    row(
        "POST",
        "/api/v1/attempts/{id}/submit",
        format!("/api/v1/attempts/{a}/submit"),
        Box::new(|_| Body::Json(json!({"prediction": 3}))),
        "401 200 404 401 403 403 403",
    );
    cases
}

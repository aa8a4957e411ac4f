//! The award pages in the browser at 360 px, on the demo contest (whose settled round's
//! list is published): the organiser withdraws it, proposes it again, excludes someone
//! and publishes from the staff's page; the public results page and a certificate's
//! verification page follow. No page scrolls sideways.

use cuocthi::accounts::Role;

use crate::app::{STAFF_PASSWORD, spawn_app_with};
use crate::flows::log_in;
use crate::harness::{Browser, tools};

#[tokio::test]
async fn the_organiser_reviews_and_publishes_prizes_from_a_phone() {
    let Some(tools) = tools("the_organiser_reviews_and_publishes_prizes_from_a_phone") else {
        return;
    };
    // As `cuocthi demo` loads it: before the sweeper (see `demo::past_results`).
    let app = spawn_app_with(|s| s.sweep_every = std::time::Duration::from_secs(3600)).await;
    app.seed_units().await;
    cuocthi::demo::load_contest(&app.state).await.unwrap();
    let (_, contests) = crate::app::json_of(app.get("/api/v1/contests", None).await).await;
    let contest = contests[0]["id"].as_i64().unwrap();
    let (_, detail) =
        crate::app::json_of(app.get(&format!("/api/v1/contests/{contest}"), None).await).await;
    let round = detail["rounds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["settled"] == true)
        .expect("a settled round")["id"]
        .as_i64()
        .unwrap();
    let organiser = app.staff(Role::Organiser, "btc@example.vn").await;
    let b = Browser::launch(&tools, &app.address, true).await;
    log_in(&b, "btc@example.vn", STAFF_PASSWORD).await;
    b.set_viewport(360, 740).await;
    let page = format!("/judge/rounds/{round}/giai");

    // The published list, then withdrawn with a reason.
    b.goto(&page).await;
    b.wait_for_text("main", "Danh sách đã công bố").await;
    assert_eq!(b.screenshots("awards-staff-published", 360, 740).await, 0);
    b.fill("#unpublish-reason", "Thử lại quy trình xét giải")
        .await;
    b.button("Hủy công bố").await.click().await.expect("click");
    b.wait_for_text("p.notice", "Đã hủy công bố").await;

    // Proposed again; the first winner excluded with a reason.
    b.button("Lập danh sách đề xuất mới")
        .await
        .click()
        .await
        .expect("click");
    b.wait_for_text("p.notice", "Đã lập danh sách đề xuất")
        .await;
    b.find("details.review summary")
        .await
        .click()
        .await
        .expect("open");
    b.fill("details.review[open] input[name=reason]", "Trùng tài khoản")
        .await;
    assert_eq!(b.screenshots("awards-staff-proposed", 360, 740).await, 0);
    b.button("Loại khỏi danh sách")
        .await
        .click()
        .await
        .expect("click");
    b.wait_for_text("p.notice", "Đã loại").await;
    b.wait_for_text("ul.exclusions", "Trùng tài khoản").await;

    // Published again, behind its confirmation box.
    b.find("input[name=confirm]")
        .await
        .click()
        .await
        .expect("tick");
    b.button("Công bố danh sách")
        .await
        .click()
        .await
        .expect("click");
    b.wait_for_text("p.notice", "Đã công bố danh sách").await;

    // The public results page and a certificate's verification page.
    b.goto(&format!("/ket-qua/vong/{round}")).await;
    b.wait_for_text("main", "Giải Nhất").await;
    assert_eq!(b.screenshots("awards-results", 360, 740).await, 0);
    let (_, list) = crate::app::json_of(
        app.get(&format!("/api/v1/rounds/{round}/awards"), Some(&organiser))
            .await,
    )
    .await;
    assert_eq!(list["status"], "published", "{list}");
    assert_eq!(list["exclusions"][0]["reason"], "Trùng tài khoản");
    let code = list["entries"][0]["certificate_code"].as_str().unwrap();
    b.goto(&format!("/xac-minh/{code}")).await;
    b.wait_for_text("main", "Giấy chứng nhận hợp lệ").await;
    assert_eq!(b.screenshots("awards-verify", 360, 740).await, 0);
    b.close().await;
}

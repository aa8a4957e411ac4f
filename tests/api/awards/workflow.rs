//! The award workflow over HTTP: propose, exclude, publish (frozen), re-score, the
//! public page and JSON, unpublish; the contest-wide list.

use std::collections::{HashMap, HashSet};

use cuocthi::entities::standing;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;

use super::*;
use crate::helpers::spawn_app;

#[tokio::test]
async fn a_settled_round_of_500_gets_the_planned_list_which_publishing_freezes() {
    // Arrange
    let app = spawn_app().await;
    let w = settled_round(&app, 500).await;
    let awards = format!("/api/v1/rounds/{}/awards", w.round);
    // A voided account never wins: void the best seeded official.
    let mut left_out = HashSet::new();
    let best_seeded = expected(&w.people[..500], &left_out)[0].0;
    app.void(&w.organiser, best_seeded, "Thi hộ.").await;
    left_out.insert(best_seeded);

    // Act: the judges propose.
    let (status, list) = json_of(app.post_json(&awards, Some(&w.judge), &json!({})).await).await;

    // Assert: the plan, per category, in ranking order.
    assert_eq!(status, 201, "{list}");
    assert_eq!(list["status"], "proposed");
    assert_eq!(awarded(&list), as_owned(expected(&w.people, &left_out)));
    assert_eq!(list["entries"][0]["name"], WINNER);
    assert_eq!(list["entries"].as_array().unwrap().len(), 20);
    let units = list["units"].as_array().unwrap();
    assert!(!units.is_empty(), "{list}");
    assert!(
        units
            .iter()
            .all(|u| u["prize"] == "Giải Nhất" && u["participation_rate"].is_number())
    );

    // An exclusion (with a reason) promotes the next person.
    let second = awarded(&list)[1].0;
    let (status, body) = json_of(
        app.post_json(
            &format!("{awards}/exclusions"),
            Some(&w.judge),
            &json!({"participant_id": second, "reason": "  "}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 422, "{body}");
    let (status, list) = json_of(
        app.post_json(
            &format!("{awards}/exclusions"),
            Some(&w.judge),
            &json!({"participant_id": second, "reason": "Vi phạm quy chế: dùng hai tài khoản."}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{list}");
    left_out.insert(second);
    let proposed = expected(&w.people, &left_out);
    assert_eq!(awarded(&list), as_owned(proposed.clone()));
    assert!(!awarded(&list).iter().any(|(id, _)| *id == second));
    assert_eq!(list["exclusions"][0]["participant_id"], second);

    // Only an organiser publishes; publishing freezes the list with its SHA-256.
    let publish = format!("{awards}/publish");
    assert_eq!(
        app.post_json(&publish, Some(&w.judge), &json!({}))
            .await
            .status(),
        403
    );
    let (status, published) = json_of(
        app.post_json(&publish, Some(&w.organiser), &json!({}))
            .await,
    )
    .await;
    assert_eq!(status, 200, "{published}");
    assert_eq!(published["status"], "published");
    let digest = published["digest"].as_str().unwrap().to_owned();
    assert!(
        digest.len() == 64 && digest.bytes().all(|b| b.is_ascii_hexdigit()),
        "{digest}"
    );
    assert_eq!(awarded(&published), as_owned(proposed.clone()));
    let (status, again) = json_of(app.post_json(&awards, Some(&w.judge), &json!({})).await).await;
    assert_eq!(status, 409, "{again}");
    assert_eq!(again["error"]["code"], "awards_published");
    let (_, audit) = json_of(app.get("/api/v1/audit?limit=50", Some(&w.organiser)).await).await;
    assert!(
        audit
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["action"] == "awards.publish" && a["details"]["digest"] == digest.as_str()),
        "{audit}"
    );

    // A later re-score changes the ranking: the published list stays, staff are warned.
    let late = w
        .people
        .iter()
        .find(|p| p.category == "official" && p.score < 3)
        .unwrap();
    standing::Entity::update_many()
        .col_expr(standing::Column::Score, sea_orm::sea_query::Expr::value(20))
        .col_expr(
            standing::Column::TimeTakenMs,
            sea_orm::sea_query::Expr::value(10i64),
        )
        .filter(standing::Column::UserId.eq(late.id))
        .exec(&app.state.db.write)
        .await
        .unwrap();
    app.state.engine.boards.invalidate(Some(w.round));
    let (status, now) = json_of(app.get(&awards, Some(&w.organiser)).await).await;
    assert_eq!(status, 200, "{now}");
    assert_eq!(now["status"], "published");
    assert_eq!(now["digest"], digest.as_str());
    assert_eq!(awarded(&now), as_owned(proposed));
    assert_eq!(now["differs_from_ranking"], true, "{now}");
    assert!(
        now["warning"]
            .as_str()
            .unwrap()
            .contains("khác với xếp hạng hiện tại")
    );

    // The public JSON and page: published only, names and units, no personal data.
    let (status, public) = json_of(app.get(&format!("{awards}/public"), None).await).await;
    assert_eq!(status, 200, "{public}");
    assert_eq!(public["digest"], digest.as_str());
    assert_eq!(public["entries"].as_array().unwrap().len(), 20);
    assert_eq!(public["entries"][0]["name"], WINNER);
    let text = public.to_string();
    assert!(
        !text.contains("participant_id") && !text.contains("certificate_code"),
        "{text}"
    );
    assert_no_personal_data(&text, &w.people);
    let page = app.get(&format!("/ket-qua/vong/{}", w.round), None).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains(WINNER) && html.contains("Giải Khuyến khích"),
        "{html}"
    );
    assert!(html.contains(r#"property="og:title""#) && html.contains(r#"name="twitter:card""#));
    assert!(html.contains(&digest));
    assert_no_personal_data(&html, &w.people);

    // Unpublishing is audited, hides the list from the public, keeps it for staff.
    let (status, body) = json_of(
        app.post_json(
            &format!("{awards}/unpublish"),
            Some(&w.organiser),
            &json!({"reason": "Sai sót khi nhập cơ cấu giải."}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        app.get(&format!("{awards}/public"), None).await.status(),
        404
    );
    assert_eq!(
        app.get(&format!("/ket-qua/vong/{}", w.round), None)
            .await
            .status(),
        404
    );
    let (status, old) = json_of(
        app.get(&format!("{awards}?version=1"), Some(&w.judge))
            .await,
    )
    .await;
    assert_eq!(status, 200, "{old}");
    assert_eq!(old["status"], "unpublished");
    assert_eq!(old["digest"], digest.as_str());
    // A new proposal is version 2 and follows today's ranking (the exclusion carries over).
    let (status, v2) = json_of(app.post_json(&awards, Some(&w.judge), &json!({})).await).await;
    assert_eq!(status, 201, "{v2}");
    assert_eq!(v2["version"], 2);
    assert_eq!(v2["entries"][0]["participant_id"], late.id);
    assert_eq!(v2["exclusions"][0]["participant_id"], second);
}

#[tokio::test]
async fn the_contest_list_waits_for_every_round_and_gives_one_prize_per_person_when_planned() {
    // Arrange: a settled round whose list is published, and a plan of one prize per person.
    let app = spawn_app().await;
    let w = settled_round(&app, 30).await;
    let mut body = plan();
    body["one_per_person"] = json!(true);
    let (status, stored) = json_of(
        app.put_json(
            &format!("/api/v1/contests/{}/prize-plan", w.contest),
            Some(&w.organiser),
            &body,
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{stored}");
    assert!(
        stored["rules"].to_string().contains("tối đa một giải"),
        "{stored}"
    );
    let round_awards = format!("/api/v1/rounds/{}/awards", w.round);
    let (_, round_list) = json_of(
        app.post_json(&round_awards, Some(&w.judge), &json!({}))
            .await,
    )
    .await;
    let (status, _) = json_of(
        app.post_json(
            &format!("{round_awards}/publish"),
            Some(&w.organiser),
            &json!({}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200);
    let round_winners: HashSet<i64> = awarded(&round_list).into_iter().map(|(id, _)| id).collect();

    // Act: the contest-wide list (its only ranked round is settled).
    let (status, list) = json_of(
        app.post_json(
            &format!("/api/v1/contests/{}/awards", w.contest),
            Some(&w.judge),
            &json!({}),
        )
        .await,
    )
    .await;

    // Assert: nobody awarded in the round is awarded again; the next people take the places.
    assert_eq!(status, 201, "{list}");
    let contest_winners: Vec<(i64, String)> = awarded(&list);
    assert!(!contest_winners.is_empty(), "{list}");
    assert!(
        contest_winners
            .iter()
            .all(|(id, _)| !round_winners.contains(id)),
        "{list}"
    );
    let by_id: HashMap<i64, &Seeded> = w.people.iter().map(|p| (p.id, p)).collect();
    let first_official = contest_winners
        .iter()
        .find(|(id, _)| by_id[id].category == "official")
        .unwrap();
    let expected_first = expected(&w.people, &round_winners)[0].0;
    assert_eq!(first_official.0, expected_first);

    // A second, unsettled round blocks the contest list.
    let mut spec = round_spec();
    spec["title"] = json!("Tuần 2");
    app.create_round(&w.organiser, w.contest, &spec).await;
    let (status, body) = json_of(
        app.post_json(
            &format!("/api/v1/contests/{}/awards", w.contest),
            Some(&w.judge),
            &json!({}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["code"], "contest_not_settled");
}

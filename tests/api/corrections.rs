//! Corrections by organisers (#16 point 4): unit, category and name, with a reason.

use chrono::Duration;
use serde_json::{Value, json};

use crate::common::*;
use crate::helpers::register_as;

fn unit<'a>(units: &'a Value, code: &str) -> &'a Value {
    units
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["unit_code"] == code)
        .unwrap_or_else(|| panic!("no unit {code} in {units}"))
}

#[tokio::test]
async fn a_unit_correction_moves_the_participant_in_a_finished_rounds_unit_table_and_is_audited() {
    let app = spawn_app().await;
    let (organiser, contest) = app.seed_contest().await;
    let round = app.create_round(&organiser, contest, &round_spec()).await;
    let moved = register_as(&app, "0912000001", "Người Chuyển", "X-LH-TT").await;
    let stays = register_as(&app, "0912000002", "Người Ở Lại", "X-LH-TT").await;
    let moved_id = app.id_of(&moved).await;
    app.take(&moved, round, 10, Some(1)).await;
    app.take(&stays, round, 4, Some(1)).await;
    let (status, _) = json_of(
        app.post_json(
            &format!("/api/v1/rounds/{round}/close"),
            Some(&organiser),
            &json!({"reason": "Kết thúc để kiểm thử.", "confirm": true}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200);
    app.state.engine.clock.advance(Duration::minutes(5));
    let units_url = format!("/api/v1/rounds/{round}/units");
    let (_, before) = json_of(app.get(&units_url, None).await).await;
    assert_eq!(unit(&before, "X-LH-TT")["participants"], 2);
    assert_eq!(unit(&before, "SO-TP")["participants"], 0);

    // No reason, an unknown unit: 422 naming the fields, nothing changed.
    let path = format!("/api/v1/participants/{moved_id}");
    let (status, body) = json_of(
        app.patch_json(
            &path,
            Some(&organiser),
            &json!({"unit_code": "SO-TP", "reason": " "}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(body["error"]["fields"]["reason"].is_string(), "{body}");
    let (status, body) = json_of(
        app.patch_json(
            &path,
            Some(&organiser),
            &json!({"unit_code": "KHONG-CO", "category": "nobody", "reason": "Chọn nhầm xã"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(body["error"]["fields"]["unit_code"].is_string(), "{body}");
    assert!(body["error"]["fields"]["category"].is_string(), "{body}");
    // The category cannot change once they have an attempt.
    let (status, body) = json_of(
        app.patch_json(
            &path,
            Some(&organiser),
            &json!({"category": "citizen", "reason": "Chọn nhầm đối tượng"}),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status.as_u16(), body["error"]["code"].as_str()),
        (409, Some("has_attempts"))
    );
    // A participant cannot correct themselves.
    assert_eq!(
        app.patch_json(
            &path,
            Some(&moved),
            &json!({"unit_code": "SO-TP", "reason": "Tự sửa"})
        )
        .await
        .status(),
        403
    );

    // The correction.
    let (status, view) = json_of(
        app.patch_json(
            &path,
            Some(&organiser),
            &json!({"unit_code": "SO-TP", "full_name": "Người Đã Chuyển", "reason": "Chọn nhầm đơn vị khi đăng ký"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["unit_code"], "SO-TP");
    assert_eq!(view["full_name"], "Người Đã Chuyển");
    assert_eq!(view["category"], "official");

    // The finished round's unit table shows them in the new unit after the rebuild.
    let (_, after) = json_of(app.get(&units_url, None).await).await;
    assert_eq!(unit(&after, "X-LH-TT")["participants"], 1, "{after}");
    assert_eq!(unit(&after, "SO-TP")["participants"], 1, "{after}");
    let (_, board) = json_of(
        app.get(&format!("/api/v1/rounds/{round}/leaderboard"), None)
            .await,
    )
    .await;
    assert!(board.to_string().contains("Người Đã Chuyển"), "{board}");
    assert!(!board.to_string().contains("Người Chuyển\""), "{board}");

    // The audit trail keeps the old unit and the new one, and the reason.
    let (status, audit) =
        json_of(app.get("/api/v1/audit?limit=1000", Some(&organiser)).await).await;
    assert_eq!(status, 200, "{audit}");
    let text = audit.to_string();
    assert!(text.contains("participant.correct"), "{text}");
    let entry = audit
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "participant.correct")
        .unwrap_or_else(|| panic!("no correction audited: {audit}"));
    let details = &entry["details"];
    assert_eq!(details["before"]["unit_code"], "X-LH-TT", "{entry}");
    assert_eq!(details["after"]["unit_code"], "SO-TP", "{entry}");
    assert_eq!(details["before"]["full_name"], "Người Chuyển", "{entry}");
    assert_eq!(details["reason"], "Chọn nhầm đơn vị khi đăng ký", "{entry}");
}

#[tokio::test]
async fn the_category_of_a_participant_without_attempts_can_be_corrected() {
    let app = spawn_app().await;
    let (organiser, _) = app.seed_contest().await;
    let token = register_as(&app, "0912000003", "Người Mới", "SO-TP").await;
    let id = app.id_of(&token).await;
    let (status, view) = json_of(
        app.patch_json(
            &format!("/api/v1/participants/{id}"),
            Some(&organiser),
            &json!({"category": "citizen", "reason": "Là người dân, không phải cán bộ"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["category"], "citizen");
    assert_eq!(view["unit_code"], "SO-TP");
    let (_, me) = json_of(app.me(&token).await).await;
    assert_eq!(me["category"], "citizen", "{me}");
    assert_eq!(
        app.patch_json(
            "/api/v1/participants/999999",
            Some(&organiser),
            &json!({"category": "citizen", "reason": "Không có"}),
        )
        .await
        .status(),
        404
    );
}

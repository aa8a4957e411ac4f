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

/// The names found by the organisers' participant search for `query`.
async fn found(app: &TestApp, organiser: &str, query: &str) -> Vec<String> {
    let url = format!("/api/v1/participants?query={}", urlencoding(query));
    let (status, list) = json_of(app.get(&url, Some(organiser)).await).await;
    assert_eq!(status, 200, "{list}");
    let mut names: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["full_name"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    names
}

fn urlencoding(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn the_participant_search_ignores_diacritics_and_finds_part_of_a_phone_and_a_unit_name() {
    let app = spawn_app().await;
    let (organiser, _) = app.seed_contest().await;
    register_as(&app, "0912345671", "Nguyễn Thị Ánh", "SO-TP").await;
    register_as(&app, "0987000002", "Đặng Văn Đức", "X-LH-TT").await;
    register_as(&app, "0977000003", "Trần Minh Nguyên", "SO-TP").await;

    // Without diacritics or case, with them, by a part of the name.
    assert_eq!(
        found(&app, &organiser, "nguyen").await,
        ["Nguyễn Thị Ánh", "Trần Minh Nguyên"]
    );
    assert_eq!(
        found(&app, &organiser, "NGUYỄN thi").await,
        ["Nguyễn Thị Ánh"]
    );
    assert_eq!(
        found(&app, &organiser, "dang van duc").await,
        ["Đặng Văn Đức"]
    );
    // A part of a phone number, and a whole one.
    assert_eq!(found(&app, &organiser, "345671").await, ["Nguyễn Thị Ánh"]);
    assert_eq!(
        found(&app, &organiser, "0987 000 002").await,
        ["Đặng Văn Đức"]
    );
    // A unit's name without diacritics, or its code.
    assert_eq!(
        found(&app, &organiser, "thi tran long ho").await,
        ["Đặng Văn Đức"]
    );
    assert_eq!(found(&app, &organiser, "SO-TP").await.len(), 2);
    // Wildcards are text, not patterns.
    assert!(found(&app, &organiser, "%").await.is_empty());

    // A corrected name is found by its new spelling; older rows are filled at startup.
    let (status, _) = json_of(
        app.get("/api/v1/participants?query=an", Some(&organiser))
            .await,
    )
    .await;
    assert_eq!(status, 200);
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    cuocthi::entities::user::Entity::update_many()
        .col_expr(cuocthi::entities::user::Column::SearchName, Expr::value(""))
        .filter(cuocthi::entities::user::Column::FullName.eq("Đặng Văn Đức"))
        .exec(&app.state.db.write)
        .await
        .unwrap();
    assert!(found(&app, &organiser, "duc").await.is_empty());
    let filled = cuocthi::accounts::participants::backfill_search_names(&app.state.db.write)
        .await
        .unwrap();
    assert_eq!(filled, 1);
    assert_eq!(found(&app, &organiser, "duc").await, ["Đặng Văn Đức"]);
}

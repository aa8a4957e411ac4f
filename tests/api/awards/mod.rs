//! Prizes, published results and certificates over HTTP (issue #17): a settled round of
//! 500 participants in two categories gets the list the plan says, an exclusion promotes
//! the next person, publishing freezes it (a later re-score changes nothing published,
//! and staff are warned), the public page and JSON carry names and units only, and a
//! certificate's PDF carries the winner's name and a QR code of its verification page.

use std::collections::HashSet;

use chrono::{TimeZone, Utc};
use cuocthi::accounts::Role;
use cuocthi::entities::{standing, unit, user};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::{Value, json};

use crate::helpers::{TestApp, json_of, round_spec};
use crate::lifecycle::settle;

mod certificates;
mod review;
mod workflow;

/// The winner who signs in to download their certificate (NFC, with every kind of mark).
pub(super) const WINNER: &str = "Nguyễn Thị Ánh Tuyết";
pub(super) const WINNER_PHONE: &str = "0912345678";

/// One seeded participant.
#[derive(Debug, Clone)]
pub(super) struct Seeded {
    pub(super) id: i64,
    pub(super) category: &'static str,
    pub(super) score: i32,
    pub(super) time_taken_ms: i64,
    pub(super) phone: String,
    pub(super) email: String,
    pub(super) national_id: String,
    pub(super) birth: chrono::NaiveDate,
}

pub(super) struct World {
    pub(super) organiser: String,
    pub(super) judge: String,
    pub(super) winner: String,
    pub(super) contest: i64,
    pub(super) round: i64,
    pub(super) people: Vec<Seeded>,
}

pub(super) fn plan() -> Value {
    json!({
        "individual": [
            {"prize": "Giải Nhất", "count": 1},
            {"prize": "Giải Nhì", "count": 2},
            {"prize": "Giải Ba", "count": 3},
            {"prize": "Giải Khuyến khích", "count": 4},
        ],
        "one_per_person": false,
        "min_score": 3,
        "collective": {"per_block": [{"prize": "Giải Nhất", "count": 1}], "min_participants": 1},
        "signer": "TM. BAN TỔ CHỨC — Trưởng ban",
    })
}

/// Inserts `n` participants (alternating categories, spread over the units) and their
/// standings in `round` straight into the database: the setup, not what is under test.
pub(super) async fn seed_people(app: &TestApp, round: i64, n: usize) -> Vec<Seeded> {
    let db = &app.state.db.write;
    let units: Vec<unit::Model> = unit::Entity::find().all(db).await.unwrap();
    let unit_ids: Vec<i64> = units
        .iter()
        .filter(|u| u.code != "VL")
        .map(|u| u.id)
        .collect();
    let now = Utc::now();
    let submitted = Utc.with_ymd_and_hms(2026, 12, 1, 2, 0, 0).unwrap();
    let mut people = Vec::with_capacity(n);
    for i in 0..n {
        let category = if i % 2 == 0 { "official" } else { "citizen" };
        let name = format!("Trần Văn Đức {i:03}");
        let phone = format!("0977{:06}", 100_000 + i);
        let email = format!("nguoi{i}@example.vn");
        let national_id = format!("079{:09}", 200_000_000 + i);
        let birth = chrono::NaiveDate::from_ymd_opt(
            1970 + (i % 30) as i32,
            1 + (i % 12) as u32,
            1 + (i % 28) as u32,
        )
        .unwrap();
        let unit_id = unit_ids[i % unit_ids.len()];
        let u = user::ActiveModel {
            role: Set(user::Role::Participant),
            full_name: Set(name.clone()),
            phone: Set(Some(phone.clone())),
            email: Set(Some(email.clone())),
            national_id: Set(Some(national_id.clone())),
            birth_date: Set(Some(birth)),
            category_code: Set(Some(category.into())),
            unit_id: Set(Some(unit_id)),
            password_hash: Set("seeded: no login".into()),
            voided: Set(false),
            token_version: Set(0),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await
        .unwrap();
        let score = ((i * 7919) % 21) as i32;
        let time_taken_ms = 60_000 + ((i as i64 * 104_729) % 1_000_000);
        insert_standing(
            app,
            round,
            u.id,
            category,
            Some(unit_id),
            score,
            time_taken_ms,
            submitted,
        )
        .await;
        people.push(Seeded {
            id: u.id,
            category,
            score,
            time_taken_ms,
            phone,
            email,
            national_id,
            birth,
        });
    }
    people
}

#[expect(
    clippy::too_many_arguments,
    reason = "one standing row, field by field"
)]
pub(super) async fn insert_standing(
    app: &TestApp,
    round: i64,
    user_id: i64,
    category: &str,
    unit_id: Option<i64>,
    score: i32,
    time_taken_ms: i64,
    submitted_at: chrono::DateTime<Utc>,
) {
    standing::ActiveModel {
        round_id: Set(round),
        user_id: Set(user_id),
        attempt_id: Set(user_id),
        category_code: Set(category.into()),
        unit_id: Set(unit_id),
        score: Set(score),
        max_score: Set(20),
        time_taken_ms: Set(time_taken_ms),
        submitted_at: Set(submitted_at),
        prediction: Set(None),
        attempts_used: Set(1),
    }
    .insert(&app.state.db.write)
    .await
    .unwrap();
}

/// A contest with a round of `n` seeded participants plus the signed-in winner (the best
/// official), a plan, and the round settled.
pub(super) async fn settled_round(app: &TestApp, n: usize) -> World {
    let (organiser, contest) = app.seed_contest().await;
    let judge = app.staff(Role::Judge, "bgk@example.vn").await;
    let round = app.create_round(&organiser, contest, &round_spec()).await;
    let winner = app.participant_named(WINNER, WINNER_PHONE).await;
    let winner_id = app.id_of(&winner).await;
    let so_tp = unit::Entity::find()
        .filter(unit::Column::Code.eq("SO-TP"))
        .one(&app.state.db.write)
        .await
        .unwrap()
        .unwrap();
    let submitted = Utc.with_ymd_and_hms(2026, 12, 1, 2, 0, 0).unwrap();
    insert_standing(
        app,
        round,
        winner_id,
        "official",
        Some(so_tp.id),
        20,
        1_000,
        submitted,
    )
    .await;
    let mut people = seed_people(app, round, n).await;
    people.push(Seeded {
        id: winner_id,
        category: "official",
        score: 20,
        time_taken_ms: 1_000,
        phone: WINNER_PHONE.into(),
        email: "none@example.invalid".into(),
        national_id: "none".into(),
        birth: chrono::NaiveDate::from_ymd_opt(1900, 1, 1).unwrap(),
    });
    let (status, body) = json_of(
        app.put_json(
            &format!("/api/v1/contests/{contest}/prize-plan"),
            Some(&organiser),
            &plan(),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body["rules"].as_array().unwrap().len() >= 2, "{body}");
    // Not settled yet: no list.
    let (status, body) = json_of(
        app.post_json(
            &format!("/api/v1/rounds/{round}/awards"),
            Some(&judge),
            &json!({}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["code"], "round_not_settled");
    settle(app, &organiser, round).await;
    World {
        organiser,
        judge,
        winner,
        contest,
        round,
        people,
    }
}

/// The list the plan gives, computed here independently: per category in ranking order
/// (score desc, time asc, id), eligible people take 1 Nhất, 2 Nhì, 3 Ba, 4 KK.
pub(super) fn expected(people: &[Seeded], left_out: &HashSet<i64>) -> Vec<(i64, &'static str)> {
    let prizes = [
        "Giải Nhất",
        "Giải Nhì",
        "Giải Nhì",
        "Giải Ba",
        "Giải Ba",
        "Giải Ba",
        "Giải Khuyến khích",
        "Giải Khuyến khích",
        "Giải Khuyến khích",
        "Giải Khuyến khích",
    ];
    let mut out = Vec::new();
    for category in ["official", "citizen"] {
        let mut ranked: Vec<&Seeded> = people.iter().filter(|p| p.category == category).collect();
        ranked.sort_by(|a, b| {
            b.score
                .cmp(&a.score)
                .then(a.time_taken_ms.cmp(&b.time_taken_ms))
                .then(a.id.cmp(&b.id))
        });
        let eligible = ranked
            .into_iter()
            .filter(|p| p.score >= 3 && !left_out.contains(&p.id));
        out.extend(eligible.zip(prizes).map(|(p, prize)| (p.id, prize)));
    }
    out
}

pub(super) fn awarded(list: &Value) -> Vec<(i64, String)> {
    list["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["participant_id"].as_i64().unwrap(),
                e["prize"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

pub(super) fn as_owned(list: Vec<(i64, &str)>) -> Vec<(i64, String)> {
    list.into_iter().map(|(id, p)| (id, p.to_owned())).collect()
}

/// Fails if `text` holds any seeded person's phone, email, CCCD or birth date.
pub(super) fn assert_no_personal_data(text: &str, people: &[Seeded]) {
    for p in people {
        for needle in [
            p.phone.clone(),
            p.email.clone(),
            p.national_id.clone(),
            p.birth.format("%Y-%m-%d").to_string(),
            p.birth.format("%d/%m/%Y").to_string(),
        ] {
            assert!(!text.contains(&needle), "personal data leaked: {needle}");
        }
    }
}

/// Runs `program` with `args`, panicking with its error output if it fails.
pub(super) fn run(program: &str, args: &[&str]) -> Vec<u8> {
    let out = std::process::Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!("{program} is needed (apt-get install poppler-utils zbar-tools): {e}")
        });
    assert!(
        out.status.success(),
        "{program} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

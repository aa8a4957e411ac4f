//! The demo contest: sample units and logins, loaded by `cuocthi demo` on an empty
//! database.

use base64::Engine;
use rand::RngCore;
use sea_orm::{EntityTrait, PaginatorTrait};

use crate::accounts::{self, Registration, Role};
use crate::entities::user;
use crate::state::AppState;

/// The plan's province: departments, the eight district-level units of 2021 and a few
/// communes each. Headcounts are sample figures.
pub const SAMPLE_UNITS_CSV: &str = include_str!("../question-banks/units-vinh-long-2021.csv");

/// A login the demo created.
#[derive(Debug, Clone)]
pub struct DemoLogin {
    pub role: &'static str,
    pub login: String,
    pub password: String,
}

fn random_password() -> String {
    let mut bytes = [0u8; 9];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Loads the demo content when the database has no users yet; returns the logins it
/// created, or `None` when the database already had data.
pub async fn load(state: &AppState) -> anyhow::Result<Option<Vec<DemoLogin>>> {
    let db = &state.db.write;
    if user::Entity::find().count(db).await? > 0 {
        return Ok(None);
    }
    crate::units::import_csv(db, SAMPLE_UNITS_CSV.as_bytes())
        .await
        .map_err(|e| anyhow::anyhow!("the sample unit list does not import: {e}"))?;

    let mut logins = Vec::new();
    for (role, email, name) in [
        (Role::Admin, "admin@demo.cuocthi.vn", "Quản trị hệ thống"),
        (Role::Organiser, "bantochuc@demo.cuocthi.vn", "Ban Tổ chức Cuộc thi"),
        (Role::Judge, "bangiamkhao@demo.cuocthi.vn", "Ban Giám khảo Cuộc thi"),
    ] {
        let password = random_password();
        let hash = state.hasher.hash(password.clone()).await?;
        accounts::create_staff(db, role, email, name, hash)
            .await
            .map_err(|e| anyhow::anyhow!("demo {role}: {e}"))?;
        logins.push(DemoLogin {
            role: role.as_str(),
            login: email.to_owned(),
            password,
        });
    }

    let password = random_password();
    let registration = Registration {
        full_name: Some("Nguyễn Thị Thu Hà".into()),
        phone: Some("0912345678".into()),
        category: Some("official".into()),
        unit_code: Some("SO-TTTT".into()),
        password: Some(password.clone()),
        ..Default::default()
    }
    .validate(chrono::Utc::now().date_naive())
    .map_err(|e| anyhow::anyhow!("demo participant: {e}"))?;
    let hash = state.hasher.hash(password.clone()).await?;
    accounts::create_participant(db, registration, hash)
        .await
        .map_err(|e| anyhow::anyhow!("demo participant: {e}"))?;
    logins.push(DemoLogin {
        role: Role::Participant.as_str(),
        login: "0912345678".into(),
        password,
    });
    Ok(Some(logins))
}

//! The demo contest: sample units and logins, loaded by `cuocthi demo` on an empty
//! database.

use sea_orm::{EntityTrait, PaginatorTrait};

pub mod samples;

use crate::accounts::{self, Registration, Role};
use crate::entities::user;
use crate::state::AppState;

/// The plan's province: departments, the eight district-level units of 2021 and a few
/// communes each. Headcounts are sample figures.
pub const SAMPLE_UNITS_CSV: &str = include_str!("../../question-banks/units-vinh-long-2021.csv");

/// The sample bank for the plan's contest (Decree 45/2020/NĐ-CP, Decision 857/QĐ-UBND).
pub const SAMPLE_BANK_TOML: &str = include_str!("../../question-banks/tthc-dien-tu-vinh-long.toml");

/// The demo's practice bank: its own questions, none shared with the ranked rounds' bank —
/// unlimited practice attempts on the ranked questions would rebuild their answer key
/// (issue #13; `contest::fairness`).
pub const PRACTICE_BANK_TOML: &str =
    include_str!("../../question-banks/tthc-dien-tu-vinh-long-thi-thu.toml");

/// The pictures of the practice bank's questions (issue #19), by their path relative to it.
pub const PRACTICE_BANK_PICTURES: [(&str, &[u8]); 4] = [
    (
        "anh/dang-nhap.png",
        include_bytes!("../../question-banks/anh/dang-nhap.png"),
    ),
    (
        "anh/tim-thu-tuc.png",
        include_bytes!("../../question-banks/anh/tim-thu-tuc.png"),
    ),
    (
        "anh/buoc-2-thong-tin.png",
        include_bytes!("../../question-banks/anh/buoc-2-thong-tin.png"),
    ),
    (
        "anh/tra-cuu-ho-so.png",
        include_bytes!("../../question-banks/anh/tra-cuu-ho-so.png"),
    ),
];

/// The files a sample bank's questions may name: the practice bank's pictures.
pub fn sample_files() -> std::collections::HashMap<String, Vec<u8>> {
    PRACTICE_BANK_PICTURES
        .iter()
        .map(|(name, bytes)| ((*name).to_owned(), bytes.to_vec()))
        .collect()
}

/// The demo contest's code.
pub const DEMO_CONTEST_CODE: &str = "tthc-dien-tu-2021";

/// A login the demo created.
#[derive(Debug, Clone)]
pub struct DemoLogin {
    pub role: &'static str,
    pub login: String,
    pub password: String,
}

/// Loads the demo content when the database has no users yet; returns the logins it
/// created, or `None` when the database already had data.
pub async fn load(state: &AppState) -> anyhow::Result<Option<Vec<DemoLogin>>> {
    let db = &state.db.write;
    if user::Entity::find().count(db).await? > 0 {
        return Ok(None);
    }
    crate::units::import_csv(db, SAMPLE_UNITS_CSV.as_bytes(), None)
        .await
        .map_err(|e| anyhow::anyhow!("the sample unit list does not import: {e}"))?;

    let mut logins = Vec::new();
    for (role, email, name) in [
        (Role::Admin, "admin@demo.cuocthi.vn", "Quản trị hệ thống"),
        (
            Role::Organiser,
            "bantochuc@demo.cuocthi.vn",
            "Ban Tổ chức Cuộc thi",
        ),
        (
            Role::Judge,
            "bangiamkhao@demo.cuocthi.vn",
            "Ban Giám khảo Cuộc thi",
        ),
    ] {
        let password = crate::accounts::recovery::random_password();
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

    let password = crate::accounts::recovery::random_password();
    let registration = Registration {
        full_name: Some("Nguyễn Thị Thu Hà".into()),
        phone: Some("0912345678".into()),
        category: Some("official".into()),
        unit_code: Some("SO-TTTT".into()),
        password: Some(password.clone()),
        consent: Some(true),
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

    load_contest(state).await?;
    Ok(Some(logins))
}

/// The demo season: its title pattern and how many rounds (one closed with results, the
/// open one, the upcoming ones).
pub const SEASON_TITLE: &str = "Tuần thi thứ {n}";
pub const SEASON_ROUNDS: i64 = 4;

/// Participants whose attempts make the closed round's results: name, phone, category,
/// unit, questions answered right (of 20) and their prediction.
const PAST_PARTICIPANTS: [(&str, &str, &str, &str, usize, i64); 5] = [
    ("Trần Văn Bình", "0987000001", "official", "SO-TP", 20, 2),
    ("Lê Thị Mai", "0987000002", "official", "SO-NV", 20, 3),
    ("Phạm Quốc Cường", "0987000003", "official", "H-TPVL", 17, 1),
    ("Võ Thị Hạnh", "0987000004", "citizen", "X-TPVL-P1", 15, 5),
    ("Huỳnh Minh Khoa", "0987000005", "citizen", "H-BM", 12, 0),
];

/// Loads the sample banks and creates the demo contest as a season: four weekly ranked
/// rounds (20 questions, 20 minutes, 3 attempts, a prediction question) — the first closed
/// and settled with the results of a few demo participants, the second open, the others
/// upcoming — and one practice round on a bank of its own (the overlap rule refuses a
/// practice round on the ranked bank).
pub async fn load_contest(state: &AppState) -> anyhow::Result<()> {
    use crate::banks::{Difficulty, Format};
    use crate::contest::draw::Order;
    use crate::contest::season::{SeasonRound, SeasonSpec};
    use crate::contest::{
        self, ContestSpec, PredictionAnswer, PredictionSpec, QuotaSpec, RoundSpec,
    };

    let db = &state.db.write;
    let mut banks = Vec::new();
    for toml in [SAMPLE_BANK_TOML, PRACTICE_BANK_TOML] {
        let parsed = crate::banks::parse_with_files(
            Format::Toml,
            toml.as_bytes(),
            &Default::default(),
            sample_files(),
        )
        .map_err(|p| anyhow::anyhow!("a sample bank is invalid: {:?}", p.first()))?;
        let bank = crate::banks::store::import(db, &parsed, None)
            .await
            .map_err(|e| anyhow::anyhow!("a sample bank does not import: {e}"))?;
        banks.push(bank);
    }
    let (bank, practice_bank) = (&banks[0], &banks[1]);

    let c = contest::create_contest(
        db,
        ContestSpec {
            code: DEMO_CONTEST_CODE.into(),
            title: "Cuộc thi trực tuyến tìm hiểu về thực hiện thủ tục hành chính trên môi trường điện tử".into(),
            description: Some(
                "Tìm hiểu Nghị định 45/2020/NĐ-CP và Kế hoạch ban hành kèm Quyết định 857/QĐ-UBND của UBND tỉnh Vĩnh Long (bản trình diễn).".into(),
            ),
            rules: Some(
                "Mỗi tuần thi gồm 20 câu hỏi chọn ngẫu nhiên, làm trong 20 phút, tối đa 3 lượt; kết quả cao nhất được tính. \
                 Xếp hạng theo điểm, rồi độ chênh lệch của câu dự đoán, rồi thời gian làm bài, rồi thời điểm nộp bài."
                    .into(),
            ),
            categories: vec!["official".into(), "citizen".into()],
            status: None,
        }, None,
    )
    .await
    .map_err(|e| anyhow::anyhow!("demo contest: {e}"))?;

    let quota = |difficulty, count| QuotaSpec {
        bank: serde_json::json!(bank.code),
        topic: None,
        difficulty: Some(difficulty),
        count,
    };
    let now = chrono::Utc::now();
    // Weekly, each open 167 hours (09:00 Monday to 08:00 the next Monday): the first
    // opened a week and an hour ago and closed an hour ago; the second opened an hour ago.
    let season = contest::season::create_season(
        db,
        &state.engine,
        c.id,
        SeasonSpec {
            first_opens_at: now - chrono::Duration::days(7) - chrono::Duration::hours(1),
            period_days: Some(7),
            count: SEASON_ROUNDS,
            open_hours: 167,
            round: SeasonRound {
                title: SEASON_TITLE.into(),
                time_limit_secs: 20 * 60,
                max_attempts: 3,
                practice: false,
                draw: vec![
                    quota(Difficulty::Easy, 8),
                    quota(Difficulty::Medium, 8),
                    quota(Difficulty::Hard, 4),
                ],
                draw_by_category: None,
                order: Some(Order::ByDifficulty),
                prediction: Some(PredictionSpec {
                    question:
                        "Theo bạn, tuần thi này có bao nhiêu người trả lời đúng tất cả các câu hỏi?"
                            .into(),
                    answer: PredictionAnswer::PerfectScores,
                }),
                score_shown: Default::default(),
                allow_overlap: false,
            },
        },
        None,
    )
    .await
    .map_err(|e| anyhow::anyhow!("demo season: {e}"))?;
    contest::create_round(
        db,
        &state.engine,
        c.id,
        RoundSpec {
            title: "Thi thử".into(),
            opens_at: now - chrono::Duration::hours(1),
            closes_at: now + chrono::Duration::days(30),
            time_limit_secs: 15 * 60,
            max_attempts: 0,
            practice: true,
            draw: vec![QuotaSpec {
                bank: serde_json::json!(practice_bank.code),
                topic: None,
                difficulty: None,
                count: 10,
            }],
            draw_by_category: None,
            order: Some(Order::Shuffled),
            prediction: None,
            score_shown: Default::default(),
            allow_overlap: false,
        },
        None,
    )
    .await
    .map_err(|e| anyhow::anyhow!("demo round: {e}"))?;
    past_results(state, &season[0]).await
}

/// The closed round's results: demo participants take it as they would have while it was
/// open — through the engine, on a clock set back to its opening — then it is settled
/// (keys, scores and the prediction's actual value published). It runs before the server
/// and its sweeper start (`cuocthi demo`): a sweeper on the real clock would finalise these
/// attempts, whose deadlines are a week old, as abandoned while they are being taken.
async fn past_results(
    state: &AppState,
    round: &crate::entities::round::Model,
) -> anyhow::Result<()> {
    use crate::contest::attempts::{self, Started};

    let db = &state.db;
    // The same engine parts as the server's, on a clock of its own: the server's clock is
    // never moved.
    let past = crate::contest::Engine {
        pools: crate::contest::pool::Pools::new(std::time::Duration::from_secs(2)),
        writer: crate::contest::writer::AnswerWriter::start(db.write.clone()),
        boards: crate::contest::boards::Boards::new(std::time::Duration::ZERO),
        grace: state.engine.grace,
        clock: Default::default(),
        live: crate::cache::TtlCache::new(attempts::LIVE_TTL, 100),
        rounds: crate::cache::TtlCache::new(std::time::Duration::ZERO, 1),
        contests: crate::cache::TtlCache::new(std::time::Duration::ZERO, 1),
        dashboard: crate::cache::TtlCache::new(std::time::Duration::ZERO, 1),
        starts: crate::ratelimit::Limiter::new(1000, std::time::Duration::from_secs(60)),
    };
    past.clock
        .advance(round.opens_at + chrono::Duration::hours(2) - chrono::Utc::now());
    // Their units from the sample list, or any unit when another list is loaded.
    let known: Vec<String> = crate::entities::unit::Entity::find()
        .all(&db.read)
        .await?
        .into_iter()
        .map(|u| u.code)
        .collect();
    for (name, phone, category, unit, right, prediction) in PAST_PARTICIPANTS {
        let unit = known
            .iter()
            .find(|k| *k == unit)
            .or(known.last())
            .map_or(unit, String::as_str);
        let password = crate::accounts::recovery::random_password();
        let registration = Registration {
            full_name: Some(name.into()),
            phone: Some(phone.into()),
            category: Some(category.into()),
            unit_code: Some(unit.into()),
            password: Some(password.clone()),
            consent: Some(true),
            ..Default::default()
        }
        .validate(chrono::Utc::now().date_naive())
        .map_err(|e| anyhow::anyhow!("demo participant {phone}: {e}"))?;
        let hash = state.hasher.hash(password).await?;
        let (user, _) = accounts::create_participant(&db.write, registration, hash)
            .await
            .map_err(|e| anyhow::anyhow!("demo participant {phone}: {e}"))?;
        let a = match attempts::start(&past, db, &user, round).await {
            Ok(Started::New(a) | Started::Resumed(a)) => a,
            Err(e) => anyhow::bail!("demo attempt of {phone}: {e}"),
        };
        let drawn = attempts::drawn_of(&a)?;
        let ids: Vec<i64> = drawn.iter().map(|d| d.question_id).collect();
        let questions = past.pools.questions(&db.read, &ids).await?;
        for (i, d) in drawn.iter().enumerate().take(right) {
            let q = &questions[&d.question_id];
            let choices: Vec<String> = (0..q.choices.len())
                .filter(|&c| q.correct[c])
                .map(|c| attempts::option_id(a.seed, i + 1, c))
                .collect();
            attempts::save_answer_for(&past, db, user.id, a.id, i + 1, &choices)
                .await
                .map_err(|e| anyhow::anyhow!("demo answer of {phone}: {e}"))?;
        }
        past.clock.advance(chrono::Duration::minutes(9));
        attempts::submit(&past, &db.write, a, Some(prediction))
            .await
            .map_err(|e| anyhow::anyhow!("demo submit of {phone}: {e}"))?;
    }
    crate::contest::sweeper::settle_closed_rounds(&state.engine, &db.write).await?;
    publish_awards(state, round).await
}

/// The settled round's prizes, published: a plan (per category one Nhất, one Nhì, one Ba;
/// one collective prize per block; participation certificates from 10 points), the
/// proposal from its ranking, and its publication — so `/ket-qua/vong/{id}` and the demo
/// participants' certificates show at once. An organiser may unpublish it to try the
/// workflow.
async fn publish_awards(
    state: &AppState,
    round: &crate::entities::round::Model,
) -> anyhow::Result<()> {
    use crate::awards::plan::{CollectivePlan, ParticipationPlan, PrizeCount, PrizePlan};
    use crate::awards::workflow::{self, Scope};

    let db = &state.db.write;
    let prize = |prize: &str| PrizeCount {
        prize: prize.to_owned(),
        count: 1,
    };
    let plan = PrizePlan {
        individual: vec![prize("Giải Nhất"), prize("Giải Nhì"), prize("Giải Ba")],
        one_per_person: true,
        min_score: 10,
        collective: CollectivePlan {
            per_block: vec![prize("Giải Nhất")],
            min_participants: 1,
        },
        organiser: Some("Ban Tổ chức Cuộc thi tỉnh Vĩnh Long".to_owned()),
        signer: Some("TM. BAN TỔ CHỨC — Trưởng ban".to_owned()),
        participation: Some(ParticipationPlan { min_score: 10 }),
    };
    let failed = |e: crate::error::AppError| anyhow::anyhow!("demo awards: {}", e.log_text());
    workflow::put_plan(db, round.contest_id, plan, None)
        .await
        .map_err(failed)?;
    let scope = Scope::of_round(db, round.id).await.map_err(failed)?;
    workflow::generate(db, &state.engine, &scope, None)
        .await
        .map_err(failed)?;
    workflow::publish(db, &scope, None).await.map_err(failed)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::banks::{Format, parse};

    #[test]
    fn the_sample_bank_is_valid_and_covers_the_contest() {
        let parsed = parse(
            Format::Toml,
            SAMPLE_BANK_TOML.as_bytes(),
            &Default::default(),
        )
        .unwrap_or_else(|problems| panic!("sample bank problems: {problems:?}"));
        let bank = parsed.bank;
        assert!(
            bank.questions.len() >= 80,
            "{} questions",
            bank.questions.len()
        );
        assert!(
            bank.questions
                .iter()
                .all(|q| q.source.as_deref().is_some_and(|s| !s.is_empty()))
        );
        let topics: HashSet<_> = bank.questions.iter().map(|q| &q.topic).collect();
        assert!(topics.len() >= 5);
        let kinds: HashSet<_> = bank.questions.iter().map(|q| q.kind).collect();
        let difficulties: HashSet<_> = bank.questions.iter().map(|q| q.difficulty).collect();
        assert_eq!((kinds.len(), difficulties.len()), (3, 3));
    }

    #[test]
    fn the_practice_bank_shares_no_question_with_the_ranked_bank() {
        let keys = |toml: &str| -> HashSet<String> {
            crate::banks::parse_with_files(
                Format::Toml,
                toml.as_bytes(),
                &Default::default(),
                sample_files(),
            )
            .unwrap_or_else(|problems| panic!("bank problems: {problems:?}"))
            .bank
            .questions
            .iter()
            .map(|q| crate::contest::fairness::question_key(&q.text))
            .collect()
        };
        let (ranked, practice) = (keys(SAMPLE_BANK_TOML), keys(PRACTICE_BANK_TOML));
        assert!(
            practice.len() >= 20,
            "{} practice questions",
            practice.len()
        );
        assert_eq!(ranked.intersection(&practice).count(), 0);
    }

    #[test]
    fn the_practice_bank_shows_small_pictures_with_alt_text() {
        let parsed = crate::banks::parse_with_files(
            Format::Toml,
            PRACTICE_BANK_TOML.as_bytes(),
            &Default::default(),
            sample_files(),
        )
        .unwrap_or_else(|problems| panic!("bank problems: {problems:?}"));
        let with_pictures: Vec<_> = parsed
            .bank
            .questions
            .iter()
            .filter(|q| !q.images.is_empty())
            .collect();
        assert!((3..=5).contains(&with_pictures.len()));
        assert!(
            with_pictures
                .iter()
                .all(|q| q.images[0].alt.chars().count() > 40)
        );
        assert_eq!(parsed.media.len(), PRACTICE_BANK_PICTURES.len());
        for (name, bytes) in PRACTICE_BANK_PICTURES {
            assert!(bytes.len() < 50 * 1024, "{name} is {} bytes", bytes.len());
        }
    }

    #[test]
    fn the_sample_units_parse_with_eight_districts() {
        let rows =
            crate::units::parse_csv(SAMPLE_UNITS_CSV.as_bytes(), &Default::default()).unwrap();
        assert_eq!(rows.iter().filter(|r| r.kind == "district").count(), 8);
    }
}

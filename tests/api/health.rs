use crate::helpers::{json_of, spawn_app};

#[tokio::test]
async fn health_check_answers_ok_when_the_database_answers() {
    let app = spawn_app().await;
    let (status, body) = json_of(app.get("/healthz", None).await).await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "ok");
}

#[tokio::test]
async fn unknown_paths_get_a_json_404_with_a_code() {
    let app = spawn_app().await;
    let (status, body) = json_of(app.get("/api/v1/nothing-here", None).await).await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["code"], "not_found");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Không tìm thấy")
    );
}

#[tokio::test]
async fn every_migration_rolls_back_and_applies_again() {
    use migration::{Migrator, MigratorTrait};
    let app = spawn_app().await;
    let db = &app.state.db.write;
    Migrator::down(db, None)
        .await
        .expect("all migrations roll back");
    assert_eq!(Migrator::get_applied_migrations(db).await.unwrap().len(), 0);
    Migrator::up(db, None)
        .await
        .expect("all migrations apply again");
    assert_eq!(
        Migrator::get_pending_migrations(db).await.unwrap().len(),
        0,
        "nothing left pending"
    );
}

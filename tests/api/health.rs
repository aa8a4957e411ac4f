use crate::helpers::{json_of, spawn_app};

#[tokio::test]
async fn health_check_answers_ok_without_touching_the_database() {
    let app = spawn_app().await;
    // Liveness does no I/O: it answers even with every database connection closed.
    app.state.db.read.close_by_ref().await.unwrap();
    app.state.db.write.close_by_ref().await.unwrap();
    let (status, body) = json_of(app.get("/healthz", None).await).await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "ok");
}

#[tokio::test]
async fn readiness_is_ready_with_the_database_migrated_and_the_writer_running() {
    let app = spawn_app().await;
    let (status, body) = json_of(app.get("/readyz", None).await).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "ready");
    assert_eq!(body["checks"]["database"], true);
    assert_eq!(body["checks"]["migrations"], true);
    assert_eq!(body["checks"]["writer"], true);
}

#[tokio::test]
async fn readiness_is_503_when_the_database_is_gone() {
    let app = spawn_app().await;
    app.state.db.read.close_by_ref().await.unwrap();
    app.state.db.write.close_by_ref().await.unwrap();
    let (status, body) = json_of(app.get("/readyz", None).await).await;
    assert_eq!(status, 503);
    assert_eq!(body["status"], "unavailable");
    assert_eq!(body["checks"]["database"], false);
    assert_eq!(body["error"]["code"], "database_unavailable");
}

#[tokio::test]
async fn readiness_is_503_while_a_migration_is_pending() {
    use migration::{Migrator, MigratorTrait};
    let app = spawn_app().await;
    Migrator::down(&app.state.db.write, Some(1)).await.unwrap();
    let (status, body) = json_of(app.get("/readyz", None).await).await;
    assert_eq!(status, 503);
    assert_eq!(body["error"]["code"], "migrations_pending");
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

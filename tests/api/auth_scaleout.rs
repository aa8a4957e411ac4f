//! Issue #13 on two app instances sharing one database (PostgreSQL in CI's second run):
//! the per-account limits are shared, not multiplied by the number of instances, and a
//! logout through one instance revokes the token on the other.

use serde_json::json;

use crate::auth::page_me;
use crate::helpers::{spawn_app_with, spawn_second_instance};
use crate::security::{assert_limited, limits_behind_proxy, login_from};

const PASSWORD: &str = "mật khẩu an toàn";

#[tokio::test]
async fn two_instances_share_the_per_account_limits() {
    // Arrange: 4 failures per account and client, on two instances.
    let a = spawn_app_with(limits_behind_proxy(4, 50)).await;
    let b = spawn_second_instance(&a).await;
    a.seed_units().await;
    let token = a.participant("0912000001").await;
    let change = json!({"current_password": "đoán mò", "new_password": "mật khẩu mới hơn"});

    // Act: an attacker spreads wrong guesses over both instances, at the login and at
    // "change password" with a stolen token.
    for app in [&a, &b, &a, &b] {
        let r = login_from(app, "198.51.100.7", "0912000001", "đoán mò").await;
        assert_eq!(r.status(), 401);
        let r = app
            .post_json("/api/v1/me/password", Some(&token), &change)
            .await;
        assert_eq!(r.status(), 422);
    }

    // Assert: both instances refuse the fifth of each; the owner still gets in.
    for app in [&a, &b] {
        assert_limited(
            login_from(app, "198.51.100.7", "0912000001", "đoán mò").await,
            1200,
        )
        .await;
        assert_limited(
            app.post_json("/api/v1/me/password", Some(&token), &change)
                .await,
            1200,
        )
        .await;
    }
    let r = login_from(&b, "203.0.113.5", "0912000001", PASSWORD).await;
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn logging_out_through_one_instance_revokes_the_token_on_the_other() {
    // Arrange: two devices signed in; both tokens in use on both instances.
    let a = spawn_app_with(|_| {}).await;
    let b = spawn_second_instance(&a).await;
    a.seed_units().await;
    let shared_pc = a.participant("0912000001").await;
    let own_phone = a.token("0912000001", PASSWORD).await;
    for app in [&a, &b] {
        for token in [&shared_pc, &own_phone] {
            assert_eq!(app.me(token).await.status(), 200);
        }
    }

    // Act: logging out on the shared office PC, through instance A.
    let r = a
        .post_json("/api/v1/auth/logout", Some(&shared_pc), &json!({}))
        .await;
    assert_eq!(r.status(), 204);

    // Assert: A refuses the token at once; B once its few seconds of staleness have
    // passed (played forward here, not slept through).
    assert_eq!(a.me(&shared_pc).await.status(), 401);
    b.state.sessions.expire();
    assert_eq!(b.me(&shared_pc).await.status(), 401);
    assert_eq!(
        page_me(&b, &shared_pc).await.status(),
        303,
        "a page: signed out"
    );
    // The other device stays signed in on both.
    for app in [&a, &b] {
        assert_eq!(app.me(&own_phone).await.status(), 200);
        assert_eq!(page_me(app, &own_phone).await.status(), 200);
    }
}

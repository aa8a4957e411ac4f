//! Issue #13 on two app instances sharing one database (PostgreSQL in CI's second run):
//! the per-account limits are shared, not multiplied by the number of instances.

use serde_json::json;

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

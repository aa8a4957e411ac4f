//! Login tokens: HS256 JWTs with an expiry, the user's token version and a session id;
//! and device cookies, which say that a browser has signed in to an account before.
//!
//! Only HS256 is accepted (so `alg: none` and algorithm-confusion tokens are refused
//! before their signature is even looked at). Bumping a user's `token_version` — on a
//! password change or "log out everywhere" — invalidates every token issued before;
//! logging out revokes one token's session id (`accounts::sessions`).
//!
//! Device cookies are signed with a key derived from the same secret but distinct from the
//! token key, so neither can ever pass for the other.

use std::time::Duration;

use anyhow::Context;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The claims we sign.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    /// The user id.
    pub sub: String,
    /// The user's token version when the token was issued.
    pub ver: i32,
    /// The session id: logging out revokes it. Absent from tokens issued before sessions
    /// existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
}

/// The claims of a device cookie: this browser signed in to account `sub` before.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct DeviceClaims {
    /// The user id.
    pub sub: String,
    /// A random id of the browser, the same at every sign-in from it.
    pub dev: String,
    pub iat: i64,
    pub exp: i64,
}

/// How long a device cookie is remembered: longer than any contest.
pub const DEVICE_TTL: Duration = Duration::from_secs(400 * 24 * 3600);

/// Signs and checks tokens with one secret.
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    ttl: Duration,
    device_encoding: EncodingKey,
    device_decoding: DecodingKey,
    device_validation: Validation,
}

/// A random id (128 bits, URL-safe base64) for a session or a device.
pub fn random_id() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A freshly issued token.
pub struct Issued {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

impl TokenKeys {
    /// Keys from a secret (at least 32 bytes of entropy expected).
    pub fn new(secret: &[u8], ttl: Duration) -> anyhow::Result<Self> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.leeway = 5;
        validation.set_required_spec_claims(&["exp", "nbf", "sub"]);
        let mut device_validation = Validation::new(Algorithm::HS256);
        device_validation.algorithms = vec![Algorithm::HS256];
        device_validation.set_required_spec_claims(&["exp", "sub"]);
        let device_secret = Sha256::new()
            .chain_update(b"cuocthi device cookie v1\0")
            .chain_update(secret)
            .finalize();
        Ok(TokenKeys {
            encoding: EncodingKey::from_secret(secret).context("Invalid JWT secret")?,
            decoding: DecodingKey::from_secret(secret).context("Invalid JWT secret")?,
            validation,
            ttl,
            device_encoding: EncodingKey::from_secret(&device_secret)
                .context("Invalid device secret")?,
            device_decoding: DecodingKey::from_secret(&device_secret)
                .context("Invalid device secret")?,
            device_validation,
        })
    }

    /// Issues a token for a user at `now`.
    pub fn issue(
        &self,
        user_id: i64,
        token_version: i32,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Issued> {
        let ttl = chrono::Duration::from_std(self.ttl).context("token ttl out of range")?;
        let expires_at = now + ttl;
        let claims = Claims {
            sub: user_id.to_string(),
            ver: token_version,
            sid: Some(random_id()),
            iat: now.timestamp(),
            nbf: now.timestamp(),
            exp: expires_at.timestamp(),
        };
        let token = encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .context("Failed to sign a token")?;
        Ok(Issued { token, expires_at })
    }

    /// The claims of a valid token, or `None` for anything else (bad signature, wrong
    /// algorithm, expired, not yet valid, malformed).
    pub fn check(&self, token: &str) -> Option<Claims> {
        decode::<Claims>(token, &self.decoding, &self.validation)
            .ok()
            .map(|data| data.claims)
    }

    /// How long issued tokens live.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// A device cookie's value: browser `device` signed in to `user_id` at `now`.
    pub fn issue_device(
        &self,
        user_id: i64,
        device: &str,
        now: DateTime<Utc>,
    ) -> anyhow::Result<String> {
        let ttl = chrono::Duration::from_std(DEVICE_TTL).context("device ttl out of range")?;
        let claims = DeviceClaims {
            sub: user_id.to_string(),
            dev: device.to_owned(),
            iat: now.timestamp(),
            exp: (now + ttl).timestamp(),
        };
        encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &self.device_encoding,
        )
        .context("Failed to sign a device cookie")
    }

    /// The claims of a valid device cookie, or `None`.
    pub fn check_device(&self, cookie: &str) -> Option<DeviceClaims> {
        decode::<DeviceClaims>(cookie, &self.device_decoding, &self.device_validation)
            .ok()
            .map(|data| data.claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    fn keys() -> TokenKeys {
        TokenKeys::new(
            b"0123456789abcdef0123456789abcdef",
            Duration::from_secs(3600),
        )
        .unwrap()
    }

    #[test]
    fn an_issued_token_checks_out() {
        let k = keys();
        let issued = k.issue(42, 3, Utc::now()).unwrap();
        let claims = k.check(&issued.token).unwrap();
        assert_eq!(claims.sub, "42");
        assert_eq!(claims.ver, 3);
    }

    #[test]
    fn every_token_gets_its_own_session_id() {
        let k = keys();
        let a = k.check(&k.issue(1, 0, Utc::now()).unwrap().token).unwrap();
        let b = k.check(&k.issue(1, 0, Utc::now()).unwrap().token).unwrap();
        assert!(a.sid.is_some() && b.sid.is_some());
        assert_ne!(a.sid, b.sid);
    }

    #[test]
    fn device_cookies_and_login_tokens_never_pass_for_each_other() {
        let k = keys();
        let device = k.issue_device(7, "browser-1", Utc::now()).unwrap();
        let claims = k.check_device(&device).unwrap();
        assert_eq!(
            (claims.sub.as_str(), claims.dev.as_str()),
            ("7", "browser-1")
        );
        assert!(k.check(&device).is_none(), "a device cookie is not a login");
        let token = k.issue(7, 0, Utc::now()).unwrap().token;
        assert!(k.check_device(&token).is_none());
        let other = TokenKeys::new(b"another secret another secret 12", Duration::from_secs(60))
            .unwrap()
            .issue_device(7, "browser-1", Utc::now())
            .unwrap();
        assert!(k.check_device(&other).is_none());
    }

    #[test]
    fn expired_and_future_tokens_are_refused() {
        let k = keys();
        let old = k
            .issue(1, 0, Utc::now() - chrono::Duration::hours(2))
            .unwrap();
        assert!(k.check(&old.token).is_none());
        let future = k
            .issue(1, 0, Utc::now() + chrono::Duration::hours(1))
            .unwrap();
        assert!(k.check(&future.token).is_none());
    }

    #[test]
    fn alg_none_and_other_secrets_are_refused() {
        let k = keys();
        let good = k.issue(1, 0, Utc::now()).unwrap().token;
        let payload = good.split('.').nth(1).unwrap();
        let none_header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        assert!(k.check(&format!("{none_header}.{payload}.")).is_none());
        let other = TokenKeys::new(b"another secret another secret 12", Duration::from_secs(60))
            .unwrap()
            .issue(1, 0, Utc::now())
            .unwrap();
        assert!(k.check(&other.token).is_none());
        let hs512 = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS512","typ":"JWT"}"#);
        let sig = good.split('.').nth(2).unwrap();
        assert!(k.check(&format!("{hs512}.{payload}.{sig}")).is_none());
    }
}

//! Getting back into an account: a new password set by staff (the command line), the
//! organiser's one-time reset codes, emailed reset links, and the list of staff accounts
//! an operator needs to find whom to reset.
//!
//! Reset secrets (issue #16) are stored as a SHA-256 only, never in the clear. A plain
//! hash, not argon2: the secrets are random, not chosen by people, so there is no
//! dictionary to try. A code has 50 bits (10 characters of Crockford base32, short enough
//! to read out on the phone) and lives 30 minutes: trying half of its space offline, from
//! a stolen copy of the database, costs ~5·10^14 SHA-256 — days on a GPU, long after the
//! code died — and online, wrong codes are rate-limited like passwords. Each code's hash
//! takes the user id as a prefix, so one computation never tests every account's code at
//! once. A link's token has 256 bits.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::login::Client;
use crate::db::OneByKey;
use crate::entities::{reset_code, user};
use crate::error::{AppError, Result};
use crate::state::AppState;

/// A generated password: 12 random bytes, URL-safe base64 (16 characters, 96 bits), for
/// accounts whose first or reset password staff hand over once.
pub fn random_password() -> String {
    use base64::Engine as _;
    use rand::RngCore;
    let mut bytes = [0u8; 12];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Sets `user_id`'s password hash and moves its token version on, so that every token
/// issued before dies (at once on an instance that drops the user from its cache, within
/// the signed-in cache's lifetime elsewhere); audited as `action` (never with the password).
/// Returns the user as it now stands.
pub async fn set_password<C: ConnectionTrait>(
    db: &C,
    user_id: i64,
    hash: String,
    actor: Option<i64>,
    action: &str,
) -> Result<user::Model> {
    let fresh = super::bump_token_version(db, user_id, |update| {
        update.col_expr(user::Column::PasswordHash, Expr::value(hash))
    })
    .await?;
    crate::audit::record(
        db,
        actor,
        action,
        Some(("user", user_id)),
        json!({ "role": fresh.role, "token_version": fresh.token_version }),
    )
    .await?;
    Ok(fresh)
}

/// One staff account as operators see it (no password hash, no token state).
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct StaffEntry {
    pub id: i64,
    pub role: user::Role,
    /// The login email.
    pub login: String,
    pub full_name: String,
    /// A disabled account cannot sign in.
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
}

impl From<user::Model> for StaffEntry {
    fn from(u: user::Model) -> Self {
        Self {
            id: u.id,
            role: u.role,
            login: u.email.unwrap_or_default(),
            full_name: u.full_name,
            disabled: u.voided,
            created_at: u.created_at,
        }
    }
}

/// Every staff account (organisers, judges, admins), by role then login.
pub async fn staff<C: ConnectionTrait>(db: &C) -> Result<Vec<StaffEntry>> {
    Ok(user::Entity::find()
        .filter(user::Column::Role.ne(user::Role::Participant))
        .order_by_asc(user::Column::Role)
        .order_by_asc(user::Column::Email)
        .all(db)
        .await?
        .into_iter()
        .map(StaffEntry::from)
        .collect())
}

/// The account `login` names, or a `not_found` that says so.
pub async fn require_login<C: ConnectionTrait>(db: &C, login: &str) -> Result<user::Model> {
    super::find_by_login(db, login)
        .await?
        .ok_or(AppError::NotFound)
}

/// How long a reset code or an emailed link works.
pub const RESET_LIFETIME: Duration = Duration::minutes(30);

/// The alphabet of reset codes: Crockford's base32 (no I, L, O, U: nothing to mishear or
/// misread).
const CODE_ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Characters in a reset code (5 bits each).
const CODE_LEN: usize = 10;

/// The kinds of reset secret (`reset_codes.kind`).
const KIND_CODE: &str = "code";
const KIND_LINK: &str = "link";

/// A new random reset code, grouped for reading out: `ABCDE-FGHJK`.
pub fn random_code() -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    let mut code = String::with_capacity(CODE_LEN + 1);
    for i in 0..CODE_LEN {
        if i == CODE_LEN / 2 {
            code.push('-');
        }
        code.push(char::from(
            CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())],
        ));
    }
    code
}

/// A code as typed: spaces and dashes dropped, in upper case, with the letters Crockford's
/// base32 reads as digits (O as 0; I and L as 1). `None` when it cannot be a code.
pub fn normalize_code(typed: &str) -> Option<String> {
    let code: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        })
        .collect();
    (code.chars().count() == CODE_LEN && code.bytes().all(|b| CODE_ALPHABET.contains(&b)))
        .then_some(code)
}

/// The stored form of a code for `user_id` (the normalised code, see the module comment).
fn code_hash(user_id: i64, code: &str) -> String {
    format!(
        "{:x}",
        Sha256::digest(format!("reset-code/{user_id}/{code}"))
    )
}

/// The stored form of a link's token.
fn token_hash(token: &str) -> String {
    format!("{:x}", Sha256::digest(format!("reset-link/{token}")))
}

/// A reset code just issued: shown once to the organiser, never stored in the clear.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct IssuedCode {
    /// The participant the code is for.
    pub user_id: i64,
    /// Ten characters in two groups (`ABCDE-FGHJK`); dashes and spaces are ignored when
    /// typed, and so is case.
    pub code: String,
    pub expires_at: DateTime<Utc>,
}

/// Stores a new reset secret of `kind` for `user_id`, replacing its older unused ones of
/// that kind (only the newest works).
async fn store_secret<C: ConnectionTrait>(
    db: &C,
    user_id: i64,
    kind: &str,
    secret_hash: String,
    actor: Option<i64>,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>> {
    reset_code::Entity::delete_many()
        .filter(reset_code::Column::UserId.eq(user_id))
        .filter(reset_code::Column::Kind.eq(kind))
        .filter(reset_code::Column::UsedAt.is_null())
        .exec(db)
        .await?;
    let expires_at = now + RESET_LIFETIME;
    reset_code::ActiveModel {
        user_id: Set(user_id),
        kind: Set(kind.to_owned()),
        secret_hash: Set(secret_hash),
        expires_at: Set(expires_at),
        used_at: Set(None),
        created_by: Set(actor),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(expires_at)
}

/// An organiser issues a one-time reset code for participant `id` (valid
/// [`RESET_LIFETIME`] on the engine clock, single use; older unused codes stop working);
/// audited `participant.reset_code` with who, for whom and until when — never the code.
pub async fn issue_code(state: &AppState, actor: i64, id: i64) -> Result<IssuedCode> {
    let target = user::Entity::find_by_id(id)
        .one_by_key(&state.db.read)
        .await?
        .filter(|u| u.role == user::Role::Participant)
        .ok_or(AppError::NotFound)?;
    let code = random_code();
    let hash = code_hash(target.id, &normalize_code(&code).unwrap_or_default());
    let now = state.engine.now();
    let txn = state.db.write.begin().await?;
    let expires_at = store_secret(&txn, target.id, KIND_CODE, hash, Some(actor), now).await?;
    crate::audit::record(
        &txn,
        Some(actor),
        "participant.reset_code",
        Some(("user", target.id)),
        json!({ "expires_at": expires_at }),
    )
    .await?;
    txn.commit().await?;
    Ok(IssuedCode {
        user_id: target.id,
        code,
        expires_at,
    })
}

/// A new single-use link token for `user_id` (returned once, to be emailed; only its hash
/// is stored), valid [`RESET_LIFETIME`].
pub async fn issue_link_token(state: &AppState, user_id: i64) -> Result<String> {
    use base64::Engine as _;
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let now = state.engine.now();
    let txn = state.db.write.begin().await?;
    store_secret(&txn, user_id, KIND_LINK, token_hash(&token), None, now).await?;
    crate::audit::record(
        &txn,
        None,
        "user.reset_link",
        Some(("user", user_id)),
        json!({ "expires_at": now + RESET_LIFETIME }),
    )
    .await?;
    txn.commit().await?;
    Ok(token)
}

/// "Forgot password" for `email`, within the rate limits (per address and per client):
/// the answer is the same whether an account has that address or not, and so is its
/// timing — the lookup, the token and the email happen in a task of their own, after the
/// answer. Without mail settings nothing is sent and that is logged.
pub async fn forgot(state: &AppState, client: &Client, email: &str) -> Result<()> {
    state.throttle.check_ip(client.ip)?;
    let key = super::login_key(email).filter(|k| k.contains('@'));
    state
        .throttle
        .forgot(&state.db.write, client.ip, key.as_deref())
        .await?;
    let Some(key) = key else {
        return Ok(());
    };
    let Some(mail) = state.settings.mail.clone() else {
        tracing::warn!("a password-reset email was asked for, but email is not configured");
        return Ok(());
    };
    let state = state.clone();
    tokio::spawn(async move {
        if let Err(e) = send_link(&state, &mail, &key).await {
            tracing::error!(error = %e.log_text(), "password-reset email failed");
        }
    });
    Ok(())
}

/// Issues a link token for the account with the address `email` (if there is an active
/// one) and emails it.
async fn send_link(
    state: &AppState,
    mail: &crate::settings::MailSettings,
    email: &str,
) -> Result<()> {
    let Some(user) = user::Entity::find()
        .filter(user::Column::Email.eq(email))
        .one(&state.db.read)
        .await?
        .filter(|u| !u.voided)
    else {
        tracing::info!("password-reset email asked for an address no active account has");
        return Ok(());
    };
    let token = issue_link_token(state, user.id).await?;
    super::mail::send_reset(mail, email, &super::mail::reset_link(mail, &token)).await?;
    tracing::info!(user.id = user.id, "password-reset email sent");
    Ok(())
}

/// What proves the right to set a new password.
#[derive(Debug)]
pub enum ResetProof<'a> {
    /// A participant's login (phone or email) and the code an organiser gave them.
    Code { login: &'a str, code: &'a str },
    /// The token of an emailed link.
    Link { token: &'a str },
}

/// The answer to a wrong, spent or expired code or link.
pub fn invalid_code() -> AppError {
    AppError::bad_request(
        "invalid_code",
        "Mã đặt lại mật khẩu không đúng, đã dùng hoặc đã hết hạn.",
    )
}

/// Sets a new password with a reset code or link, within the rate limits: the secret is
/// spent, every older token of the account dies (here at once, elsewhere within the
/// signed-in cache's lifetime), audited `user.password_reset`. A wrong, spent or expired
/// secret is `400 invalid_code` (and a wrong code counts against the limits).
pub async fn reset_password(
    state: &AppState,
    client: &Client,
    proof: ResetProof<'_>,
    new_password: &SecretString,
) -> Result<user::Model> {
    let new = crate::text::nfc(new_password.expose_secret());
    super::check_password(&new).map_err(|m| AppError::field("new_password", m))?;
    state.throttle.check_ip(client.ip)?;
    let now = state.engine.now();
    let (found, attempt) = match proof {
        ResetProof::Code { login, code } => {
            let key = super::login_key(login);
            let attempt = state
                .throttle
                .reset_code(&state.db.read, client.ip, key.as_deref())
                .await?;
            let user = super::find_by_login(&state.db.read, login).await?;
            let found = match (user, normalize_code(code)) {
                (Some(u), Some(code)) => {
                    live_secret(state, KIND_CODE, code_hash(u.id, &code), now).await?
                }
                _ => None,
            };
            (found, Some(attempt))
        }
        ResetProof::Link { token } => {
            let found = live_secret(state, KIND_LINK, token_hash(token.trim()), now).await?;
            (found, None)
        }
    };
    let Some(secret) = found else {
        if let Some(attempt) = attempt {
            attempt.failed(&state.db.write).await?;
        }
        return Err(invalid_code());
    };
    drop(attempt);
    let hash = state.hasher.hash(new).await?;
    let txn = state.db.write.begin().await?;
    // Spent in the same transaction as the new password: of two requests racing with one
    // code, only the one that marks it used goes on.
    let spent = reset_code::Entity::update_many()
        .col_expr(reset_code::Column::UsedAt, Expr::value(now))
        .filter(reset_code::Column::Id.eq(secret.id))
        .filter(reset_code::Column::UsedAt.is_null())
        .exec(&txn)
        .await?;
    if spent.rows_affected != 1 {
        return Err(invalid_code());
    }
    let user = set_password(
        &txn,
        secret.user_id,
        hash,
        Some(secret.user_id),
        "user.password_reset",
    )
    .await?;
    txn.commit().await?;
    state.users.remove(&user.id).await;
    tracing::info!(user.id = user.id, kind = %secret.kind, "password reset");
    Ok(user)
}

/// The unspent, unexpired secret of `kind` with this hash, if any.
async fn live_secret(
    state: &AppState,
    kind: &str,
    secret_hash: String,
    now: DateTime<Utc>,
) -> Result<Option<reset_code::Model>> {
    Ok(reset_code::Entity::find()
        .filter(reset_code::Column::SecretHash.eq(secret_hash))
        .filter(reset_code::Column::Kind.eq(kind))
        .filter(reset_code::Column::UsedAt.is_null())
        .one(&state.db.write)
        .await?
        .filter(|s| s.expires_at > now))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_read_out_are_typed_back_in_any_spelling() {
        let code = random_code();
        assert_eq!(code.len(), CODE_LEN + 1);
        let plain = normalize_code(&code).unwrap();
        assert_eq!(normalize_code(&code.to_lowercase()), Some(plain.clone()));
        assert_eq!(
            normalize_code(&plain.replace('-', " ")),
            Some(plain.clone())
        );
        assert_eq!(normalize_code("OIL23-45678"), normalize_code("01123 45678"));
        assert_eq!(normalize_code("ABCDE"), None);
        assert_eq!(normalize_code("ABCDE-FGHJU"), None);
        assert_ne!(random_code(), random_code());
    }

    #[test]
    fn a_code_hash_depends_on_the_account() {
        assert_ne!(code_hash(1, "ABCDEFGHJK"), code_hash(2, "ABCDEFGHJK"));
        assert_eq!(code_hash(1, "ABCDEFGHJK").len(), 64);
    }

    #[test]
    fn generated_passwords_are_long_enough_and_differ() {
        let a = random_password();
        let b = random_password();
        assert_eq!(a.len(), 16);
        assert_ne!(a, b);
        assert!(super::super::check_password(&a).is_ok(), "{a}");
    }
}

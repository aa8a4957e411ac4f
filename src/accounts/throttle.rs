//! Rate limits on logins, registrations and password changes (issues #8 and #13).
//!
//! Every login, registration or password change takes a token of its client IP, kept in
//! this instance's memory: generous, since a whole office often shares one NAT address, but it caps how
//! fast one address can make the server hash passwords.
//!
//! Password guessing is stopped per account, in buckets kept in the database so that
//! every instance counts against the same ones ([`SharedLimiter`]). An attempt is checked
//! before any password is hashed and counted only if it fails: a right password writes
//! nothing. The buckets are keyed so that an attacker limits only themselves, never the
//! account's owner:
//! - from a browser that has signed in to the account before (a signed device cookie):
//!   one bucket for that browser and account, which nobody else can drain;
//! - from any other client: one bucket per account and client IP (strict), and one per
//!   account for all such clients together (the ceiling, higher: it stops guessing
//!   spread over many addresses, and a botnet that fills it still cannot keep the
//!   owner's own browsers out).
//!
//! Registrations count in buckets of their own (per phone number and client), so trying
//! to register a victim's number never touches the victim's login; wrong current
//! passwords on "change password" count per account. On each instance, one login (or
//! password change) per account is checked, hashed and counted at a time ([`KeyedLock`]),
//! so a burst of simultaneous guesses cannot all pass the check before the first is
//! counted.

use std::net::{IpAddr, Ipv6Addr};

use sea_orm::ConnectionTrait;

use crate::error::AppError;
use crate::ratelimit::{KeyedLock, Limiter, Rule, SharedLimiter, Turn, retry_after_secs};
use crate::settings::AuthLimits;

/// The limiters of logins, registrations and password changes.
#[derive(Debug)]
pub struct AuthThrottle {
    per_ip: Limiter<IpAddr>,
    shared: SharedLimiter,
    /// Failures per account per client (a client IP, or a browser known to the account).
    per_client: Rule,
    /// Failures per account from clients it does not know, all together.
    account_ceiling: Rule,
    /// One login or password change per account at a time on this instance.
    turns: KeyedLock,
    trusted_proxies: Vec<IpAddr>,
}

/// An attempt the limits let through. If it fails, [`Attempt::failed`] counts it in its
/// buckets; one that succeeds is just dropped (only failures count).
#[must_use]
pub struct Attempt<'a> {
    throttle: &'a AuthThrottle,
    buckets: Vec<(String, Rule)>,
    /// This instance's turn on the account, held until the attempt is over.
    _turn: Option<Turn<'a>>,
}

impl Attempt<'_> {
    /// The attempt failed (a wrong password, a refused registration): it counts.
    pub async fn failed<C: ConnectionTrait>(self, db: &C) -> Result<(), AppError> {
        for (key, rule) in &self.buckets {
            self.throttle.shared.count(db, key, *rule).await?;
        }
        Ok(())
    }
}

/// A browser that signed in to an account before: the id of its device cookie.
#[derive(Debug, Clone, Copy)]
pub struct KnownDevice<'a> {
    pub user_id: i64,
    pub device: &'a str,
}

fn limited(wait: std::time::Duration) -> AppError {
    AppError::TooManyRequests {
        retry_after_secs: retry_after_secs(wait),
    }
}

impl AuthThrottle {
    /// Limiters with the given settings.
    pub fn new(limits: &AuthLimits) -> Self {
        AuthThrottle {
            per_ip: Limiter::new(limits.per_ip, limits.ip_window),
            shared: SharedLimiter::default(),
            per_client: Rule::new(limits.per_account, limits.account_window),
            account_ceiling: Rule::new(limits.account_ceiling, limits.account_window),
            turns: KeyedLock::default(),
            trusted_proxies: limits.trusted_proxies.clone(),
        }
    }

    /// The proxies whose `X-Forwarded-For` is believed (see `web::session::client_ip`).
    pub fn trusted_proxies(&self) -> &[IpAddr] {
        &self.trusted_proxies
    }

    /// Takes a token of the client's IP (in memory): `429 rate_limited` with
    /// `Retry-After` when it is exhausted. Called before any password is hashed.
    pub fn check_ip(&self, client: Option<IpAddr>) -> Result<(), AppError> {
        if let Some(ip) = client {
            self.per_ip.acquire(&bucket_of(ip)).map_err(|wait| {
                tracing::warn!(client.ip = %ip, "auth rate limit per IP reached");
                limited(wait)
            })?;
        }
        Ok(())
    }

    /// The client part of a bucket key: the address bucket of the client.
    fn client_part(client: Option<IpAddr>) -> String {
        client.map_or_else(|| "-".to_owned(), |ip| bucket_of(ip).to_string())
    }

    /// Lets a login for the account `login_key` names through, or answers 429 (`None`: it
    /// names none, nothing to count). `device` is the request's browser if it has signed
    /// in to that very account before. `client` is the
    /// client's address; it is checked separately ([`Self::check_ip`]).
    pub async fn login<C: ConnectionTrait>(
        &self,
        db: &C,
        client: Option<IpAddr>,
        login_key: Option<&str>,
        device: Option<KnownDevice<'_>>,
    ) -> Result<Attempt<'_>, AppError> {
        let Some(login_key) = login_key else {
            return Ok(self.attempt(Vec::new(), None));
        };
        let buckets = match device {
            Some(d) => vec![(
                format!("login/device/{}/{}", d.user_id, d.device),
                self.per_client,
            )],
            None => vec![
                (
                    format!("login/client/{login_key}/{}", Self::client_part(client)),
                    self.per_client,
                ),
                (format!("login/account/{login_key}"), self.account_ceiling),
            ],
        };
        let turn = self.turns.lock(&format!("login/{login_key}")).await;
        self.admit(db, buckets, Some(turn), "login").await
    }

    /// Lets a registration of the phone number `phone_key` from this client through, or
    /// answers 429: repeated tries of one number are limited, in buckets no login uses.
    pub async fn registration<C: ConnectionTrait>(
        &self,
        db: &C,
        client: Option<IpAddr>,
        phone_key: Option<&str>,
    ) -> Result<Attempt<'_>, AppError> {
        let buckets = phone_key
            .map(|phone| {
                let key = format!("register/{phone}/{}", Self::client_part(client));
                (key, self.per_client)
            })
            .into_iter()
            .collect();
        self.admit(db, buckets, None, "registration").await
    }

    /// Lets a password change by `user_id` through, or answers 429: a wrong current
    /// password is a guess, like a failed login, whatever the client.
    pub async fn password_change<C: ConnectionTrait>(
        &self,
        db: &C,
        user_id: i64,
    ) -> Result<Attempt<'_>, AppError> {
        let key = format!("password/{user_id}");
        let turn = self.turns.lock(&key).await;
        self.admit(
            db,
            vec![(key, self.per_client)],
            Some(turn),
            "password change",
        )
        .await
    }

    /// Lets a password reset by one-time code for the account `login_key` names through,
    /// or answers 429. Wrong codes count per account and client, per account from every
    /// client together, and per client across accounts: a code is guessed only as fast as
    /// a password would be, and one address cannot sweep many accounts' codes.
    pub async fn reset_code<C: ConnectionTrait>(
        &self,
        db: &C,
        client: Option<IpAddr>,
        login_key: Option<&str>,
    ) -> Result<Attempt<'_>, AppError> {
        let ip = Self::client_part(client);
        let mut buckets = vec![(format!("reset/ip/{ip}"), self.account_ceiling)];
        let turn = match login_key {
            Some(key) => {
                buckets.push((format!("reset/client/{key}/{ip}"), self.per_client));
                buckets.push((format!("reset/account/{key}"), self.account_ceiling));
                Some(self.turns.lock(&format!("reset/{key}")).await)
            }
            None => None,
        };
        self.admit(db, buckets, turn, "reset code").await
    }

    /// Lets a "forgot password" email request through, or answers 429: every request
    /// counts (sent or not, the answer is the same), per address and per client, so that
    /// nobody floods one mailbox or the mail server.
    pub async fn forgot<C: ConnectionTrait>(
        &self,
        db: &C,
        client: Option<IpAddr>,
        email_key: Option<&str>,
    ) -> Result<(), AppError> {
        let ip = Self::client_part(client);
        // Per client, the ceiling: an office behind one NAT address may have many people
        // who forgot.
        let mut buckets = vec![(format!("forgot/ip/{ip}"), self.account_ceiling)];
        if let Some(email) = email_key {
            buckets.push((format!("forgot/email/{email}"), self.per_client));
        }
        self.admit(db, buckets, None, "forgot password")
            .await?
            .failed(db)
            .await
    }

    fn attempt<'a>(&'a self, buckets: Vec<(String, Rule)>, turn: Option<Turn<'a>>) -> Attempt<'a> {
        Attempt {
            throttle: self,
            buckets,
            _turn: turn,
        }
    }

    /// Checks `buckets`: the attempt, or 429 when one of them is full.
    async fn admit<'a, C: ConnectionTrait>(
        &'a self,
        db: &C,
        buckets: Vec<(String, Rule)>,
        turn: Option<Turn<'a>>,
        limit: &'static str,
    ) -> Result<Attempt<'a>, AppError> {
        match self.shared.check(db, &buckets).await? {
            Ok(()) => Ok(self.attempt(buckets, turn)),
            Err(wait) => {
                // The keys hold a phone number or an email: never logged.
                tracing::warn!(limit, "auth rate limit per account reached");
                Err(limited(wait))
            }
        }
    }
}

/// The bucket of an address: IPv6 clients get a /64 each (one customer's whole prefix),
/// so hopping addresses inside it does not escape the limit.
fn bucket_of(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn ipv6_clients_share_a_bucket_per_64_prefix() {
        assert_eq!(
            bucket_of(ip("2001:db8:1:2:aaaa::1")),
            bucket_of(ip("2001:db8:1:2:bbbb::9"))
        );
        assert_ne!(
            bucket_of(ip("2001:db8:1:2::1")),
            bucket_of(ip("2001:db8:1:3::1"))
        );
        assert_eq!(bucket_of(ip("::ffff:192.0.2.1")), ip("192.0.2.1"));
    }
}

//! Rate limits on logins and registrations, per client IP and per account (issue #8).
//!
//! Every login or registration takes a token of its client IP: generous, since a whole
//! office often shares one NAT address, but it caps how fast one address can make the
//! server hash passwords. It also takes a token of the account it names (the normalised
//! phone number or email); a login that turns out to be right gives that token back, so
//! only failures count — strict, since that is what stops password guessing.

use std::net::{IpAddr, Ipv6Addr};

use actix_web::HttpRequest;

use crate::error::AppError;
use crate::ratelimit::{Limiter, retry_after_secs};
use crate::settings::AuthLimits;

/// The limiters of logins and registrations.
#[derive(Debug)]
pub struct AuthThrottle {
    per_ip: Limiter<IpAddr>,
    per_account: Limiter<String>,
    trusted_proxies: Vec<IpAddr>,
}

/// A token taken from an account's bucket; [`AccountPermit::refund`] gives it back.
#[must_use]
pub struct AccountPermit<'a> {
    throttle: &'a AuthThrottle,
    key: Option<String>,
}

impl AccountPermit<'_> {
    /// The attempt succeeded: it does not count against the account.
    pub fn refund(self) {
        if let Some(key) = &self.key {
            self.throttle.per_account.refund(key);
        }
    }
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
            per_account: Limiter::new(limits.per_account, limits.account_window),
            trusted_proxies: limits.trusted_proxies.clone(),
        }
    }

    /// Takes a token of the request's client IP and of the account `key` names (if any):
    /// `429 rate_limited` with `Retry-After` when either is exhausted.
    pub fn check(
        &self,
        req: &HttpRequest,
        key: Option<String>,
    ) -> Result<AccountPermit<'_>, AppError> {
        if let Some(ip) = client_ip(req, &self.trusted_proxies) {
            self.per_ip.acquire(&bucket_of(ip)).map_err(|wait| {
                tracing::warn!(client.ip = %ip, "auth rate limit per IP reached");
                limited(wait)
            })?;
        }
        if let Some(key) = &key {
            self.per_account.acquire(key).map_err(|wait| {
                // The key is a phone number or an email: never logged.
                tracing::warn!("auth rate limit per account reached");
                limited(wait)
            })?;
        }
        Ok(AccountPermit {
            throttle: self,
            key,
        })
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

/// The client of a request: the connection's peer, unless the peer is a trusted proxy;
/// then the right-most `X-Forwarded-For` address that is not itself a trusted proxy (the
/// left part of the header is whatever the client chose to send).
pub fn client_ip(req: &HttpRequest, trusted_proxies: &[IpAddr]) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip().to_canonical();
    if !trusted_proxies.contains(&peer) {
        return Some(peer);
    }
    let hops: Vec<IpAddr> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|hop| hop.trim().parse().ok())
        .collect();
    Some(
        hops.iter()
            .rev()
            .find(|hop| !trusted_proxies.contains(hop))
            .copied()
            .unwrap_or(peer),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn without_a_trusted_proxy_the_forwarded_header_is_ignored() {
        let req = TestRequest::default()
            .peer_addr("203.0.113.9:5000".parse().unwrap())
            .insert_header(("x-forwarded-for", "198.51.100.1"))
            .to_http_request();
        assert_eq!(client_ip(&req, &[]), Some(ip("203.0.113.9")));
        assert_eq!(client_ip(&req, &[ip("10.0.0.1")]), Some(ip("203.0.113.9")));
    }

    #[test]
    fn behind_a_trusted_proxy_the_last_untrusted_hop_is_the_client() {
        let req = TestRequest::default()
            .peer_addr("10.0.0.1:5000".parse().unwrap())
            .insert_header(("x-forwarded-for", "6.6.6.6, 198.51.100.1, 10.0.0.2"))
            .to_http_request();
        let trusted = [ip("10.0.0.1"), ip("10.0.0.2")];
        assert_eq!(client_ip(&req, &trusted), Some(ip("198.51.100.1")));
    }

    #[test]
    fn a_trusted_proxy_without_the_header_is_the_client() {
        let req = TestRequest::default()
            .peer_addr("10.0.0.1:5000".parse().unwrap())
            .to_http_request();
        assert_eq!(client_ip(&req, &[ip("10.0.0.1")]), Some(ip("10.0.0.1")));
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

//! Typed settings, read from CLI flags and environment variables (see the README table).

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use clap::Args;

/// The default database: an SQLite file under `./data/`, created on first run.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/cuocthi.db";
/// The demo's own database, so a demo never mixes with real data.
pub const DEMO_DATABASE_URL: &str = "sqlite://data/demo.db";

/// The default accept queue length (`--listen-backlog`).
pub const DEFAULT_LISTEN_BACKLOG: u32 = 4096;

/// Where the database is.
#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// Database URL: `sqlite://PATH` (created if missing) or `postgres://USER@HOST/DB`.
    #[arg(long = "database", env = "DATABASE_URL", value_name = "URL")]
    pub database_url: Option<String>,
}

/// Settings of a running server.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, env = "CUOCTHI_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,

    /// Length of the listening socket's accept queue: connections the kernel holds while
    /// the server accepts. At 09:00 a thousand phones connect within a second; with a
    /// short queue the overflow is dropped and retried 1, 3, 7… s later. The kernel caps
    /// it at `net.core.somaxconn` (4096 by default since Linux 5.4; raise both together).
    #[arg(long, env = "CUOCTHI_LISTEN_BACKLOG", default_value_t = DEFAULT_LISTEN_BACKLOG)]
    pub listen_backlog: u32,

    #[command(flatten)]
    pub database: DatabaseArgs,

    /// How long a login token is valid, in hours.
    #[arg(long, env = "CUOCTHI_TOKEN_TTL_HOURS", default_value_t = 12)]
    pub token_ttl_hours: u32,

    /// Mark cookies `Secure`: set when the site is served over HTTPS (behind a proxy).
    #[arg(long, env = "CUOCTHI_SECURE_COOKIES", default_value_t = false)]
    pub secure_cookies: bool,

    /// How many password hashes may run at once (default: the number of CPU cores).
    #[arg(long, env = "CUOCTHI_HASH_CONCURRENCY")]
    pub hash_concurrency: Option<usize>,

    /// HTTP worker threads (default: the number of CPU cores).
    #[arg(long, env = "CUOCTHI_WORKERS")]
    pub workers: Option<usize>,

    /// Seconds after an attempt's deadline during which saves and submits still count.
    #[arg(long, env = "CUOCTHI_GRACE_SECS", default_value_t = 10)]
    pub grace_secs: u32,

    /// How stale a leaderboard or unit table may be, in milliseconds.
    #[arg(long, env = "CUOCTHI_BOARD_STALENESS_MS", default_value_t = 1000)]
    pub board_staleness_ms: u64,

    /// How often expired attempts are finalised, in seconds.
    #[arg(long, env = "CUOCTHI_SWEEP_SECS", default_value_t = 5)]
    pub sweep_secs: u64,

    /// Attempts that must have drawn a question before the item analysis flags it (too
    /// easy, too hard, negative discrimination); below it the question reads "chưa đủ dữ
    /// liệu".
    #[arg(long, env = "CUOCTHI_ITEM_MIN_SAMPLE", default_value_t = crate::contest::items::MIN_SAMPLE)]
    pub item_min_sample: u64,

    /// New attempts a participant may start per minute, over all rounds, practice
    /// included (a burst of the same size; 0: no limit). Resuming never counts. Repeated
    /// attempts are what turns any shown score into an answer-key oracle.
    #[arg(long, env = "CUOCTHI_START_LIMIT_PER_MINUTE", default_value_t = 6)]
    pub start_limit_per_minute: u32,

    /// Logins and registrations allowed per client IP per minute (0: no limit). Generous:
    /// a whole office often shares one NAT address.
    #[arg(long, env = "CUOCTHI_AUTH_LIMIT_PER_IP", default_value_t = 300)]
    pub auth_limit_per_ip: u32,

    /// Failed logins allowed per account per client (a client IP, or a browser that has
    /// signed in to the account before) per 15 minutes; also registration tries per phone
    /// number per client, and wrong current passwords per account (0: no limit). Strict:
    /// this is what stops password guessing, and it limits the guesser, not the owner.
    #[arg(long, env = "CUOCTHI_AUTH_LIMIT_PER_ACCOUNT", default_value_t = 10)]
    pub auth_limit_per_account: u32,

    /// Failed logins allowed per account per 15 minutes from all the clients that have
    /// never signed in to it, together (0: no limit). Stops guessing spread over many
    /// addresses; the owner's own browsers are not counted, nor kept out.
    #[arg(long, env = "CUOCTHI_AUTH_LIMIT_ACCOUNT_CEILING", default_value_t = 50)]
    pub auth_limit_account_ceiling: u32,

    /// Reverse proxies whose `X-Forwarded-For` header names the client (comma-separated
    /// IPs). Without it the client is the connection's peer address.
    #[arg(
        long,
        env = "CUOCTHI_TRUSTED_PROXY",
        value_delimiter = ',',
        value_name = "IP"
    )]
    pub trusted_proxy: Vec<IpAddr>,

    /// Seconds a client has to send a request's headers.
    #[arg(long, env = "CUOCTHI_HEADER_TIMEOUT_SECS", default_value_t = 5)]
    pub header_timeout_secs: u64,

    /// Seconds a request body may stall (no byte arriving) before the request is dropped
    /// with 408.
    #[arg(long, env = "CUOCTHI_BODY_TIMEOUT_SECS", default_value_t = 30)]
    pub body_timeout_secs: u64,

    /// Seconds a whole request body may take to arrive, however steadily it trickles in,
    /// before the request is dropped with 408. The default lets a 16 MB bank upload
    /// through a ~1.1 Mbit/s phone line.
    #[arg(long, env = "CUOCTHI_BODY_DEADLINE_SECS", default_value_t = 120)]
    pub body_deadline_secs: u64,

    /// Seconds an idle keep-alive connection stays open.
    #[arg(long, env = "CUOCTHI_KEEP_ALIVE_SECS", default_value_t = 5)]
    pub keep_alive_secs: u64,

    #[command(flatten)]
    pub mail: MailArgs,
}

/// How password-reset emails are sent (issue #16). Without `--smtp-host` no email is sent:
/// `POST /api/v1/auth/forgot` still answers 202 and logs that email is not configured.
#[derive(Debug, Clone, Args)]
pub struct MailArgs {
    /// The SMTP server's host name.
    #[arg(long, env = "CUOCTHI_SMTP_HOST")]
    pub smtp_host: Option<String>,

    /// Its port (default: 587 for `starttls`, 465 for `tls`, 25 for `none`).
    #[arg(long, env = "CUOCTHI_SMTP_PORT")]
    pub smtp_port: Option<u16>,

    /// `starttls` (upgrade a plain connection), `tls` (TLS from the start) or `none`
    /// (plain text: only to a relay on the same machine or network).
    #[arg(long, env = "CUOCTHI_SMTP_TLS", value_enum, default_value_t = SmtpTls::Starttls)]
    pub smtp_tls: SmtpTls,

    /// The user to authenticate as; the password comes from `CUOCTHI_SMTP_PASSWORD` only
    /// (never a flag: flags show in `ps`).
    #[arg(long, env = "CUOCTHI_SMTP_USER")]
    pub smtp_user: Option<String>,

    /// The sender, e.g. `Cuộc thi <no-reply@example.vn>`.
    #[arg(long, env = "CUOCTHI_MAIL_FROM")]
    pub mail_from: Option<String>,

    /// The site's public address, which emailed links and certificates' QR codes start
    /// with (e.g. `https://cuocthi.example.vn`).
    #[arg(long, env = "CUOCTHI_PUBLIC_URL")]
    pub public_url: Option<String>,
}

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SmtpTls {
    None,
    Starttls,
    Tls,
}

/// Resolved SMTP settings: present only when a host is given.
#[derive(Debug, Clone)]
pub struct MailSettings {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    pub user: Option<String>,
    /// From `CUOCTHI_SMTP_PASSWORD`; `SecretString`, so `Debug` never shows it.
    pub password: Option<secrecy::SecretString>,
    pub from: String,
    /// Without a trailing slash.
    pub public_url: String,
}

impl MailArgs {
    /// The mail settings, or `None` when no SMTP host is set.
    pub fn resolve(&self, bind: SocketAddr) -> Option<MailSettings> {
        let host = self.smtp_host.clone().filter(|h| !h.is_empty())?;
        let port = self.smtp_port.unwrap_or(match self.smtp_tls {
            SmtpTls::None => 25,
            SmtpTls::Starttls => 587,
            SmtpTls::Tls => 465,
        });
        Some(MailSettings {
            host,
            port,
            tls: self.smtp_tls,
            user: self.smtp_user.clone(),
            password: std::env::var("CUOCTHI_SMTP_PASSWORD")
                .ok()
                .filter(|s| !s.is_empty())
                .map(secrecy::SecretString::from),
            from: self
                .mail_from
                .clone()
                .unwrap_or_else(|| "Cuộc thi <no-reply@localhost>".to_owned()),
            public_url: self
                .public_url
                .clone()
                .unwrap_or_else(|| format!("http://{bind}"))
                .trim_end_matches('/')
                .to_owned(),
        })
    }
}

/// Limits on logins and registrations (issue #8: password guessing, hash flooding).
#[derive(Debug, Clone)]
pub struct AuthLimits {
    /// Requests per client IP per `ip_window`; 0 is no limit.
    pub per_ip: u32,
    pub ip_window: Duration,
    /// Failed attempts per account per client per `account_window`; 0 is no limit.
    pub per_account: u32,
    /// Failed logins per account per `account_window` from clients unknown to it, all
    /// together; 0 is no limit.
    pub account_ceiling: u32,
    pub account_window: Duration,
    /// Proxies trusted to name the client in `X-Forwarded-For`.
    pub trusted_proxies: Vec<IpAddr>,
}

impl AuthLimits {
    /// The defaults of `serve`, with the given counts (and a ceiling of 50).
    pub fn new(per_ip: u32, per_account: u32) -> Self {
        AuthLimits {
            per_ip,
            ip_window: Duration::from_secs(60),
            per_account,
            account_ceiling: 50,
            account_window: Duration::from_secs(15 * 60),
            trusted_proxies: Vec::new(),
        }
    }
}

/// How long the server waits for slow clients.
#[derive(Debug, Clone)]
pub struct Timeouts {
    /// To receive a request's head (actix `client_request_timeout`).
    pub header: Duration,
    /// Between two pieces of a request body.
    pub body: Duration,
    /// For a whole request body, from its request's head.
    pub body_deadline: Duration,
    /// An idle keep-alive connection.
    pub keep_alive: Duration,
    /// To finish closing a connection (actix `client_disconnect_timeout`).
    pub disconnect: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            header: Duration::from_secs(5),
            body: Duration::from_secs(30),
            body_deadline: Duration::from_secs(120),
            keep_alive: Duration::from_secs(5),
            disconnect: Duration::from_secs(2),
        }
    }
}

/// Everything the running app needs to know, resolved from the arguments.
#[derive(Debug, Clone)]
pub struct Settings {
    pub bind: SocketAddr,
    /// The listening socket's accept queue length.
    pub listen_backlog: u32,
    pub database_url: String,
    /// The HS256 secret; `None` means "the one kept in the database". A `SecretString`, so
    /// that printing the settings (`Debug`) cannot show it.
    pub jwt_secret: Option<secrecy::SecretString>,
    /// The bearer token non-loopback clients of `/metrics` must present
    /// (`CUOCTHI_METRICS_TOKEN`; environment only).
    pub metrics_token: Option<secrecy::SecretString>,
    pub token_ttl: Duration,
    pub secure_cookies: bool,
    pub hash_concurrency: usize,
    pub workers: usize,
    pub grace: Duration,
    pub board_staleness: Duration,
    pub sweep_every: Duration,
    /// Attempts of a question before the item analysis flags it.
    pub item_min_sample: u64,
    /// New attempts per participant per minute (0: no limit).
    pub start_limit_per_minute: u32,
    pub auth_limits: AuthLimits,
    pub timeouts: Timeouts,
    /// Where password-reset emails go out (`None`: email is not configured).
    pub mail: Option<MailSettings>,
    /// `CUOCTHI_PUBLIC_URL` without a trailing slash (`None`: the request's host).
    pub public_url: Option<String>,
}

impl Settings {
    /// Resolves the settings of `serve` (or `demo`, with its own default database).
    pub fn from_args(args: &ServeArgs, default_database: &str) -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Settings {
            bind: args.bind,
            listen_backlog: args.listen_backlog.max(1),
            database_url: args
                .database
                .database_url
                .clone()
                .unwrap_or_else(|| default_database.to_owned()),
            // Secrets come from the environment only, never from a flag (flags show in `ps`).
            jwt_secret: std::env::var("CUOCTHI_JWT_SECRET")
                .ok()
                .filter(|s| !s.is_empty())
                .map(secrecy::SecretString::from),
            metrics_token: std::env::var("CUOCTHI_METRICS_TOKEN")
                .ok()
                .filter(|s| !s.is_empty())
                .map(secrecy::SecretString::from),
            token_ttl: Duration::from_secs(u64::from(args.token_ttl_hours.max(1)) * 3600),
            secure_cookies: args.secure_cookies,
            hash_concurrency: args.hash_concurrency.unwrap_or(cores).max(1),
            workers: args.workers.unwrap_or(cores).max(1),
            grace: Duration::from_secs(u64::from(args.grace_secs)),
            board_staleness: Duration::from_millis(args.board_staleness_ms),
            sweep_every: Duration::from_secs(args.sweep_secs.max(1)),
            item_min_sample: args.item_min_sample.max(1),
            start_limit_per_minute: args.start_limit_per_minute,
            auth_limits: AuthLimits {
                trusted_proxies: args.trusted_proxy.clone(),
                account_ceiling: args.auth_limit_account_ceiling,
                ..AuthLimits::new(args.auth_limit_per_ip, args.auth_limit_per_account)
            },
            timeouts: Timeouts {
                header: Duration::from_secs(args.header_timeout_secs.max(1)),
                body: Duration::from_secs(args.body_timeout_secs.max(1)),
                body_deadline: Duration::from_secs(args.body_deadline_secs.max(1)),
                keep_alive: Duration::from_secs(args.keep_alive_secs),
                ..Timeouts::default()
            },
            mail: args.mail.resolve(args.bind),
            public_url: args
                .mail
                .public_url
                .as_deref()
                .map(|u| u.trim_end_matches('/').to_owned())
                .filter(|u| !u.is_empty()),
        }
    }

    /// Settings for tests and tools: the given database, port 0 on loopback.
    pub fn for_database(database_url: &str) -> Self {
        Settings {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            listen_backlog: DEFAULT_LISTEN_BACKLOG,
            database_url: database_url.to_owned(),
            jwt_secret: None,
            metrics_token: None,
            token_ttl: Duration::from_secs(12 * 3600),
            secure_cookies: false,
            hash_concurrency: 2,
            workers: 2,
            grace: Duration::from_secs(10),
            board_staleness: Duration::ZERO,
            sweep_every: Duration::from_secs(1),
            item_min_sample: crate::contest::items::MIN_SAMPLE,
            start_limit_per_minute: 6,
            auth_limits: AuthLimits::new(300, 10),
            timeouts: Timeouts::default(),
            mail: None,
            public_url: None,
        }
    }
}

#[cfg(test)]
mod secret_tests {
    use super::Settings;

    #[test]
    fn printing_the_settings_never_shows_the_jwt_secret() {
        let settings = Settings {
            jwt_secret: Some("a-secret-of-at-least-32-bytes-long".into()),
            ..Settings::for_database("sqlite::memory:")
        };
        assert!(!format!("{settings:?}").contains("a-secret"));
    }
}

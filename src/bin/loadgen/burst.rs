//! The 09:00 burst: N clients open a new connection each, at the same instant, and ask
//! `GET /healthz` once — what a thousand phones opening the contest page do. It reports
//! the latency of each connection (connect, request, whole response), and the kernel's
//! `ListenOverflows` and `ListenDrops` counters before and after: a connection the
//! accept queue had no room for shows there, and its client retries the SYN 1, 3, 7… s
//! later.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::bail;

use serde::Serialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::servers::ServerPlan;

/// The kernel's accept-queue counters (`TcpExt` in `/proc/net/netstat`), machine-wide.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct ListenCounters {
    pub listen_overflows: u64,
    pub listen_drops: u64,
}

/// Reads `ListenOverflows` and `ListenDrops` from `/proc/net/netstat` text.
pub fn parse_netstat(text: &str) -> Option<ListenCounters> {
    let mut lines = text.lines().filter(|l| l.starts_with("TcpExt:"));
    let names = lines.next()?.split_whitespace().skip(1);
    let values = lines.next()?.split_whitespace().skip(1);
    let mut out = ListenCounters::default();
    for (name, value) in names.zip(values) {
        match name {
            "ListenOverflows" => out.listen_overflows = value.parse().ok()?,
            "ListenDrops" => out.listen_drops = value.parse().ok()?,
            _ => {}
        }
    }
    Some(out)
}

/// The counters now (zero where `/proc/net/netstat` cannot be read).
pub fn listen_counters() -> ListenCounters {
    std::fs::read_to_string("/proc/net/netstat")
        .ok()
        .and_then(|t| parse_netstat(&t))
        .unwrap_or_default()
}

/// What a burst measured.
#[derive(Debug, Serialize)]
pub struct BurstReport {
    pub connections: usize,
    pub errors: usize,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub before: ListenCounters,
    pub after: ListenCounters,
}

impl BurstReport {
    /// Listen overflows during the burst (machine-wide: anything else overflowing at the
    /// same moment counts too).
    pub fn overflows(&self) -> u64 {
        self.after
            .listen_overflows
            .saturating_sub(self.before.listen_overflows)
    }
}

/// One connection: connect, `GET /healthz`, read the response until the server closes.
async fn one(addr: std::net::SocketAddr) -> std::io::Result<bool> {
    let mut stream = tokio::net::TcpStream::connect(addr).await?;
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: loadgen\r\nConnection: close\r\n\r\n")
        .await?;
    let mut response = Vec::with_capacity(512);
    stream.read_to_end(&mut response).await?;
    Ok(response.starts_with(b"HTTP/1.1 200"))
}

/// Opens `n` connections to `addr` at once (all tasks released together) and times each.
pub async fn burst(addr: std::net::SocketAddr, n: usize) -> BurstReport {
    let go = Arc::new(tokio::sync::Barrier::new(n + 1));
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let go = go.clone();
            tokio::spawn(async move {
                go.wait().await;
                let began = Instant::now();
                let ok = tokio::time::timeout(Duration::from_secs(60), one(addr))
                    .await
                    .is_ok_and(|r| r.unwrap_or(false));
                (began.elapsed(), ok)
            })
        })
        .collect();
    let before = listen_counters();
    go.wait().await;
    let mut latencies = Vec::with_capacity(n);
    let mut errors = 0;
    for t in tasks {
        match t.await {
            Ok((latency, true)) => latencies.push(latency),
            _ => errors += 1,
        }
    }
    let after = listen_counters();
    latencies.sort_unstable();
    let pct = |p: f64| {
        latencies
            .get(((latencies.len() as f64 * p).ceil() as usize).saturating_sub(1))
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    BurstReport {
        connections: n,
        errors,
        p50_ms: pct(0.50),
        p95_ms: pct(0.95),
        p99_ms: pct(0.99),
        max_ms: pct(1.0),
        before,
        after,
    }
}

/// `--burst N`: one fresh server (`plan`), N connections at once, the report (printed, and
/// written to `out/burst.json`).
pub async fn run(
    plan: &ServerPlan<'_>,
    n: usize,
    client: &reqwest::Client,
    out: &Path,
    temp_dir: Option<PathBuf>,
) -> anyhow::Result<()> {
    let (mut servers, bases) = super::servers::start(plan, client).await?;
    let addr: std::net::SocketAddr = bases[0].trim_start_matches("http://").parse()?;
    let report = burst(addr, n).await;
    for s in &mut servers {
        s.stop();
    }
    if let Some(dir) = temp_dir {
        let _ = std::fs::remove_dir_all(dir);
    }
    std::fs::create_dir_all(out)?;
    std::fs::write(
        out.join("burst.json"),
        serde_json::to_string_pretty(&report)?,
    )?;
    println!(
        "burst: {} connections at once to /healthz: {} errors, p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms, max {:.1} ms; \
         ListenOverflows {} -> {} (+{}), ListenDrops {} -> {}",
        report.connections,
        report.errors,
        report.p50_ms,
        report.p95_ms,
        report.p99_ms,
        report.max_ms,
        report.before.listen_overflows,
        report.after.listen_overflows,
        report.overflows(),
        report.before.listen_drops,
        report.after.listen_drops,
    );
    if report.errors > 0 {
        bail!("{} of {} connections failed", report.errors, n);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_listen_counters_are_read_from_the_tcpext_lines() {
        let text = "TcpExt: SyncookiesSent ListenOverflows ListenDrops TCPHPHits\n\
                    TcpExt: 0 263 270 12\n\
                    IpExt: InNoRoutes\nIpExt: 0\n";
        let c = parse_netstat(text).unwrap();
        assert_eq!((c.listen_overflows, c.listen_drops), (263, 270));
        assert!(parse_netstat("IpExt: A\nIpExt: 1\n").is_none());
    }
}

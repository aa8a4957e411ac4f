//! The servers under test: `cuocthi serve` processes started by the generator, each on its
//! own port of the same fresh database, and waited on until they are ready.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, bail};

use super::machine::{ServerProcess, free_port};

/// How the generator starts its servers.
pub struct ServerPlan<'a> {
    pub binary: &'a Path,
    pub database_url: &'a str,
    pub instances: usize,
    /// The first port (then one per instance); `None` picks free ports.
    pub base_port: Option<u16>,
    /// Further arguments of every `serve` (e.g. `--trusted-proxy 127.0.0.1`).
    pub extra_args: &'a [String],
}

/// Starts the servers and returns them with their base URLs, once each answers `/readyz`.
pub async fn start(
    plan: &ServerPlan<'_>,
    client: &reqwest::Client,
) -> anyhow::Result<(Vec<ServerProcess>, Vec<String>)> {
    let mut servers = Vec::with_capacity(plan.instances);
    let mut bases = Vec::with_capacity(plan.instances);
    for i in 0..plan.instances {
        let port = match plan.base_port {
            Some(p) => p + u16::try_from(i)?,
            None => free_port()?,
        };
        servers.push(ServerProcess(
            std::process::Command::new(plan.binary)
                .args([
                    "serve",
                    "--bind",
                    &format!("127.0.0.1:{port}"),
                    "--database",
                    plan.database_url,
                    // Every simulated participant signs in from 127.0.0.1.
                    "--auth-limit-per-ip",
                    "0",
                ])
                .args(plan.extra_args)
                .env("RUST_LOG", "warn")
                .spawn()
                .with_context(|| format!("cannot start {}", plan.binary.display()))?,
        ));
        bases.push(format!("http://127.0.0.1:{port}"));
    }
    for base in &bases {
        wait_ready(client, base).await?;
    }
    Ok((servers, bases))
}

/// Waits (10 s at most) until `base` answers `/readyz` with 200.
pub async fn wait_ready(client: &reqwest::Client, base: &str) -> anyhow::Result<()> {
    for _ in 0..100 {
        if client
            .get(format!("{base}/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("the server at {base} did not become ready")
}

//! Going through a reverse proxy, as phones do: the client (TLS with the proxy's
//! certificate pinned, HTTP/2 when the proxy offers it) and the checks a deployment behind
//! nginx must pass — HTTP/2 negotiated, cookies `Secure`, `/metrics` not reachable from
//! outside, and a scrape of an instance kept for `promtool check metrics`.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, bail, ensure};
use serde_json::json;

/// The generator's HTTP client. With `ca_cert`, that certificate is the only one trusted
/// (pinned); idle connections are dropped before the server's 5 s keep-alive closes them,
/// so a request never goes out on a connection the server is closing.
pub fn client(ca_cert: Option<&Path>) -> anyhow::Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder()
        .pool_max_idle_per_host(4096)
        .pool_idle_timeout(Duration::from_secs(2))
        .timeout(Duration::from_secs(120));
    if let Some(path) = ca_cert {
        let pem = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        builder = builder
            .tls_built_in_root_certs(false)
            .add_root_certificate(reqwest::Certificate::from_pem(&pem)?)
            .https_only(true);
    }
    Ok(builder.build()?)
}

/// The deployment checks through the proxy at `via`, with participant `login` (whose
/// password is `password`); `instance` is one app instance's own address, scraped into
/// `out/metrics.txt`.
pub async fn check(
    client: &reqwest::Client,
    via: &str,
    instance: &str,
    login: &str,
    password: &str,
    out: &Path,
) -> anyhow::Result<()> {
    let response = client
        .post(format!("{via}/api/v1/auth/login"))
        .json(&json!({"login": login, "password": password}))
        .send()
        .await?;
    ensure!(
        response.status().is_success(),
        "login through the proxy: {}",
        response.status()
    );
    ensure!(
        response.version() == reqwest::Version::HTTP_2,
        "the proxy did not negotiate HTTP/2 ({:?})",
        response.version()
    );
    let cookies: Vec<String> = response
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_owned))
        .collect();
    if cookies.is_empty() || !cookies.iter().all(|c| c.contains("; Secure")) {
        bail!("cookies set through the proxy must be Secure: {cookies:?}");
    }
    let hidden = client.get(format!("{via}/metrics")).send().await?.status();
    ensure!(
        hidden == 404,
        "/metrics through the proxy answered {hidden}, not 404"
    );
    let scrape = reqwest::get(format!("{instance}/metrics")).await?;
    ensure!(
        scrape.status() == 200,
        "/metrics on loopback: {}",
        scrape.status()
    );
    std::fs::create_dir_all(out)?;
    std::fs::write(out.join("metrics.txt"), scrape.bytes().await?)?;
    println!("through the proxy: HTTP/2, Secure cookies, /metrics hidden; scrape in metrics.txt");
    Ok(())
}

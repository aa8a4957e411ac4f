//! Progress of long commands (`bank import`, `backup`, `export`, `anonymise`, `loadgen`):
//! a bar with rate and time left on a terminal (`indicatif`), plain periodic lines when the
//! output goes to a file or a CI log.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How often a plain line is printed when not on a terminal.
const PLAIN_EVERY: Duration = Duration::from_secs(10);

/// One task's progress, counted in `unit`s (`câu hỏi`, `participants`, bytes…).
pub struct Progress {
    bar: Option<ProgressBar>,
    shared: Arc<Shared>,
}

struct Shared {
    label: String,
    total: Option<u64>,
    done: AtomicU64,
    finished: AtomicBool,
    started: Instant,
    /// A file whose size is the progress (backups, exports).
    file: Option<PathBuf>,
}

impl Shared {
    fn position(&self) -> u64 {
        match &self.file {
            Some(f) => std::fs::metadata(f).map_or(0, |m| m.len()),
            None => self.done.load(Ordering::Relaxed),
        }
    }
}

/// A plain progress line (Vietnamese, as the CLI's other output): done, rate, time left.
pub fn plain_line(label: &str, done: u64, total: Option<u64>, elapsed: Duration) -> String {
    let secs = elapsed.as_secs_f64().max(0.001);
    let rate = done as f64 / secs;
    match total {
        Some(total) if rate > 0.0 && total >= done => {
            let left = (total - done) as f64 / rate;
            format!(
                "{label}: {done}/{total} ({rate:.0}/giây, còn khoảng {} giây)",
                left.ceil() as u64
            )
        }
        Some(total) => format!("{label}: {done}/{total} ({rate:.0}/giây)"),
        None if done == 0 => format!("{label}: {secs:.0} giây"),
        None => format!("{label}: {done} ({rate:.0}/giây, {:.0} giây)", secs),
    }
}

impl Progress {
    /// A progress of `total` steps (`None`: unknown, a spinner).
    pub fn new(label: impl Into<String>, total: Option<u64>) -> Self {
        Self::start(label.into(), total, None)
    }

    /// Progress measured by the size of `file` as it is written (bytes, no total).
    pub fn file(label: impl Into<String>, file: PathBuf) -> Self {
        Self::start(label.into(), None, Some(file))
    }

    fn start(label: String, total: Option<u64>, file: Option<PathBuf>) -> Self {
        let shared = Arc::new(Shared {
            label,
            total,
            done: AtomicU64::new(0),
            finished: AtomicBool::new(false),
            started: Instant::now(),
            file,
        });
        let bar = if std::io::stderr().is_terminal() {
            let bar = match total {
                Some(n) => ProgressBar::new(n).with_style(
                    ProgressStyle::with_template(
                        "{msg} [{bar:30}] {pos}/{len} ({per_sec}, còn {eta})",
                    )
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
                ),
                None => ProgressBar::new_spinner().with_style(
                    ProgressStyle::with_template("{spinner} {msg}: {pos} ({per_sec}, {elapsed})")
                        .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                ),
            };
            bar.set_draw_target(ProgressDrawTarget::stderr());
            bar.set_message(shared.label.clone());
            bar.enable_steady_tick(Duration::from_millis(200));
            Some(bar)
        } else {
            None
        };
        // A watcher: file sizes into the bar, or plain lines off a terminal.
        let watched = shared.clone();
        let watched_bar = bar.clone();
        std::thread::spawn(move || {
            let mut last_line = Instant::now();
            while !watched.finished.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(200));
                let done = watched.position();
                match &watched_bar {
                    Some(bar) => bar.set_position(done),
                    None if last_line.elapsed() >= PLAIN_EVERY => {
                        last_line = Instant::now();
                        eprintln!(
                            "{}",
                            plain_line(
                                &watched.label,
                                done,
                                watched.total,
                                watched.started.elapsed()
                            )
                        );
                    }
                    None => {}
                }
            }
        });
        Progress { bar, shared }
    }

    /// `n` more steps done.
    pub fn inc(&self, n: u64) {
        self.shared.done.fetch_add(n, Ordering::Relaxed);
    }

    /// Ends the progress (the bar is cleared, a last line says how long it took).
    pub fn finish(&self) {
        self.shared.finished.store(true, Ordering::Relaxed);
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        eprintln!(
            "{}",
            plain_line(
                &self.shared.label,
                self.shared.position(),
                self.shared.total,
                self.shared.started.elapsed()
            )
        );
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.shared.finished.store(true, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_lines_give_the_rate_and_the_time_left() {
        assert_eq!(
            plain_line("import", 500, Some(2000), Duration::from_secs(10)),
            "import: 500/2000 (50/giây, còn khoảng 30 giây)"
        );
        assert_eq!(
            plain_line("backup", 4096, None, Duration::from_secs(2)),
            "backup: 4096 (2048/giây, 2 giây)"
        );
        assert_eq!(
            plain_line("Đang sao lưu", 0, None, Duration::from_secs(3)),
            "Đang sao lưu: 3 giây"
        );
    }
}

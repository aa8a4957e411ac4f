//! Timed samples, per-step reports (throughput, percentiles, the busiest 10 s) and the SVG
//! plot.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Instant;

use serde::Serialize;

/// One timed request.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    pub at_ms: u64,
    pub latency_us: u64,
    pub ok: bool,
}

#[derive(Default)]
pub struct Recorder {
    pub started: Option<Instant>,
    pub steps: Mutex<BTreeMap<&'static str, Vec<Sample>>>,
}

impl Recorder {
    pub fn record(&self, step: &'static str, began: Instant, ok: bool) {
        let now = Instant::now();
        let sample = Sample {
            at_ms: self
                .started
                .map_or(0, |s| began.duration_since(s).as_millis() as u64),
            latency_us: now.duration_since(began).as_micros() as u64,
            ok,
        };
        self.steps
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(step)
            .or_default()
            .push(sample);
    }
}

#[derive(Debug, Serialize)]
pub struct StepReport {
    pub step: String,
    pub requests: usize,
    pub errors: usize,
    /// Requests over the step's whole span (first to last request).
    pub throughput_per_s: f64,
    /// Requests per second in the busiest 10 s of the step (a rate sustained for 10 s,
    /// where the whole span also holds pauses between waves); a shorter step's own rate.
    pub busiest_10s_per_s: f64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

pub fn report(step: &str, samples: &[Sample]) -> StepReport {
    let mut lat: Vec<u64> = samples.iter().map(|s| s.latency_us).collect();
    lat.sort_unstable();
    let pct = |p: f64| -> f64 {
        if lat.is_empty() {
            return 0.0;
        }
        let i = ((p * lat.len() as f64).ceil() as usize).clamp(1, lat.len()) - 1;
        lat[i] as f64 / 1000.0
    };
    let first = samples.iter().map(|s| s.at_ms).min().unwrap_or(0);
    let last = samples
        .iter()
        .map(|s| s.at_ms + s.latency_us / 1000)
        .max()
        .unwrap_or(0);
    let span = ((last.saturating_sub(first)) as f64 / 1000.0).max(0.001);
    // A step shorter than 10 s: its own span.
    let window = span.clamp(1.0, 10.0);
    let mut per_second: BTreeMap<u64, usize> = BTreeMap::new();
    for s in samples {
        // By completion: a burst of requests sent together counts as it is served.
        *per_second
            .entry((s.at_ms + s.latency_us / 1000) / 1000)
            .or_default() += 1;
    }
    let busiest = per_second
        .keys()
        .map(|&from| {
            per_second
                .range(from..from + 10)
                .map(|(_, n)| n)
                .sum::<usize>()
        })
        .max()
        .unwrap_or(0);
    StepReport {
        step: step.to_owned(),
        requests: samples.len(),
        errors: samples.iter().filter(|s| !s.ok).count(),
        throughput_per_s: samples.len() as f64 / span,
        busiest_10s_per_s: busiest as f64 / window,
        p50_ms: pct(0.50),
        p95_ms: pct(0.95),
        p99_ms: pct(0.99),
        max_ms: lat.last().copied().unwrap_or(0) as f64 / 1000.0,
    }
}

pub fn svg_plot(steps: &BTreeMap<&'static str, Vec<Sample>>) -> String {
    // p99 latency per second and step, as polylines.
    let colours = [
        "#0b5394", "#a1151b", "#1e6b34", "#8a4b00", "#6a1b9a", "#00695c", "#37474f", "#c2185b",
    ];
    let mut series = Vec::new();
    let mut max_t = 1u64;
    let mut max_ms = 1.0f64;
    for (step, samples) in steps {
        let mut buckets: BTreeMap<u64, Vec<u64>> = BTreeMap::new();
        for s in samples {
            buckets
                .entry(s.at_ms / 1000)
                .or_default()
                .push(s.latency_us);
        }
        let points: Vec<(u64, f64)> = buckets
            .into_iter()
            .map(|(t, mut v)| {
                v.sort_unstable();
                let i = ((0.99 * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1;
                (t, v[i] as f64 / 1000.0)
            })
            .collect();
        for (t, ms) in &points {
            max_t = max_t.max(*t + 1);
            max_ms = max_ms.max(*ms);
        }
        series.push((*step, points));
    }
    let (w, h, left, bottom) = (900.0, 420.0, 60.0, 40.0);
    let x = |t: u64| left + (t as f64 / max_t as f64) * (w - left - 20.0);
    let y = |ms: f64| (h - bottom) - (ms / max_ms) * (h - bottom - 20.0);
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-label=\"p99 latency per second\">\
         <title>p99 latency per second and step</title><rect width=\"{w}\" height=\"{h}\" fill=\"#fff\"/>\
         <line x1=\"{left}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#333\"/><line x1=\"{left}\" y1=\"20\" x2=\"{left}\" y2=\"{}\" stroke=\"#333\"/>\
         <text x=\"8\" y=\"16\" font-size=\"12\">{max_ms:.0} ms</text><text x=\"{}\" y=\"{}\" font-size=\"12\">{max_t} s</text>",
        h - bottom,
        w - 20.0,
        h - bottom,
        h - bottom,
        w - 60.0,
        h - 10.0
    );
    for (i, (step, points)) in series.iter().enumerate() {
        let colour = colours[i % colours.len()];
        let pts: Vec<String> = points
            .iter()
            .map(|(t, ms)| format!("{:.1},{:.1}", x(*t), y(*ms)))
            .collect();
        out.push_str(&format!(
            "<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"1.5\" points=\"{}\"/>\
             <text x=\"{}\" y=\"{}\" font-size=\"12\" fill=\"{colour}\">{step}</text>",
            pts.join(" "),
            w - 200.0,
            30.0 + 16.0 * i as f64
        ));
    }
    out.push_str("</svg>");
    out
}

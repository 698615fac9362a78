//! `demo-api traffic`: a mix of good and failing requests against a running instance, with a
//! progress bar (stderr) and a summary (stdout): requests by status, trace ids of failures.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::Context;
use futures::StreamExt;
use indicatif::{ProgressBar, ProgressStyle};
use rand::Rng;
use serde_json::{Value, json};

use crate::cli::TrafficArgs;
use crate::trace_context::{TRACEPARENT, X_TRACE_ID};

/// One kind of request the generator sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scenario {
    /// `POST /orders` with a valid body.
    CreateOrder,
    /// `GET /orders/{id}` of an existing order.
    GetOrder,
    /// `POST /orders/{id}/pay` left to the provider's luck.
    Pay,
    /// `GET /health`.
    Health,
    /// `POST /orders` with a body missing a field (400).
    BadBody,
    /// `GET /orders/{id}` of an order that does not exist (404).
    MissingOrder,
    /// `POST /orders/{id}/pay?fail=decline` (402).
    Decline,
    /// `POST /orders/{id}/pay?fail=timeout` (504).
    Timeout,
    /// `GET /panic` (500).
    Panic,
}

const GOOD: [Scenario; 4] = [
    Scenario::CreateOrder,
    Scenario::CreateOrder,
    Scenario::GetOrder,
    Scenario::Pay,
];
const FAILING: [Scenario; 5] = [
    Scenario::BadBody,
    Scenario::MissingOrder,
    Scenario::Decline,
    Scenario::Timeout,
    Scenario::Panic,
];

/// Picks a scenario from two uniform rolls in `[0, 1)`: `kind` against `failure_mix`
/// decides good or failing, `which` picks within the group. (Health checks are left to the
/// load balancer; creates are weighted up so there are orders to read and pay.)
pub fn choose(kind: f64, which: f64, failure_mix: f64) -> Scenario {
    let group: &[Scenario] = if kind < failure_mix { &FAILING } else { &GOOD };
    let index = ((which * group.len() as f64) as usize).min(group.len() - 1);
    group[index]
}

/// What one request came back with.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// What was sent.
    pub scenario: Scenario,
    /// The status, or `None` if the request never got an answer.
    pub status: Option<u16>,
    /// The `x-trace-id` response header, or the error for transport failures.
    pub trace_id: String,
}

/// Counts by status and the failures, for the final report.
#[derive(Debug, Default)]
pub struct Summary {
    /// Responses per status (`None`: no response).
    pub by_status: BTreeMap<Option<u16>, usize>,
    /// Every request answered with 4xx/5xx or not answered.
    pub failures: Vec<Outcome>,
    /// Wall-clock time of the run.
    pub elapsed: Duration,
}

impl Summary {
    /// Adds one outcome.
    pub fn record(&mut self, outcome: Outcome) {
        *self.by_status.entry(outcome.status).or_default() += 1;
        if outcome.status.is_none_or(|s| s >= 400) {
            self.failures.push(outcome);
        }
    }

    /// How many requests were sent.
    pub fn total(&self) -> usize {
        self.by_status.values().sum()
    }

    /// A hint when requests got no answer at all: no scenario asks for that (even the
    /// timeout scenario expects a 504), so it is the client giving up first or the service
    /// going away.
    pub fn no_response_hint(&self, timeout_ms: u64) -> Option<String> {
        let missing = self.by_status.get(&None).copied().unwrap_or_default();
        (missing > 0).then(|| {
            format!(
                "{missing} of {} request(s) got no response: if they timed out, raise \
                 --timeout-ms (now {timeout_ms}) above the service's --payment-deadline-ms; \
                 otherwise check that the service is still running",
                self.total()
            )
        })
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.elapsed.as_secs_f64();
        writeln!(f, "{} requests in {secs:.1} s", self.total())?;
        writeln!(f, "by status:")?;
        for (status, count) in &self.by_status {
            match status {
                Some(s) => writeln!(f, "  {s}: {count}")?,
                None => writeln!(f, "  no response: {count}")?,
            }
        }
        writeln!(f, "failures ({}), by trace id:", self.failures.len())?;
        for failure in &self.failures {
            let status = failure.status.map_or("---".to_owned(), |s| s.to_string());
            writeln!(
                f,
                "  {status} {:<12} {}",
                format!("{:?}", failure.scenario),
                failure.trace_id
            )?;
        }
        Ok(())
    }
}

/// Runs the generator and prints the summary.
pub async fn run(args: TrafficArgs) -> anyhow::Result<()> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_millis(args.timeout_ms))
        .build()
        .context("building the HTTP client")?;
    let generator = Generator {
        client,
        base: args.target.trim_end_matches('/').to_owned(),
        pending: Mutex::default(),
    };
    generator
        .send(Scenario::Health)
        .await
        .status
        .with_context(|| {
            format!(
                "{} does not answer: is `demo-api serve` running?",
                args.target
            )
        })?;

    let progress = ProgressBar::new(args.requests as u64);
    progress.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} {per_sec} ETA {eta} {msg}")
            .context("progress bar template")?,
    );
    let started = Instant::now();
    let mut summary = Summary::default();
    let mix = args.failure_mix.clamp(0.0, 1.0);
    let mut outcomes = futures::stream::iter(0..args.requests)
        .map(|_| {
            let scenario = {
                let mut rng = rand::rng();
                choose(rng.random(), rng.random(), mix)
            };
            generator.send(scenario)
        })
        .buffer_unordered(usize::from(args.concurrency));
    while let Some(outcome) = outcomes.next().await {
        progress.inc(1);
        summary.record(outcome);
        progress.set_message(format!("{} failed", summary.failures.len()));
    }
    progress.finish();
    summary.elapsed = started.elapsed();
    print!("{summary}");
    // The report is printed either way; a request that got no answer at all is a run that
    // did not do what it was asked (scripts check the exit code, not the text).
    match summary.no_response_hint(args.timeout_ms) {
        Some(hint) => Err(anyhow::anyhow!(hint)),
        None => Ok(()),
    }
}

struct Generator {
    client: reqwest::Client,
    base: String,
    /// Orders created and not yet paid, to read and pay.
    pending: Mutex<Vec<u64>>,
}

impl Generator {
    async fn send(&self, scenario: Scenario) -> Outcome {
        // Payments take their order out of the pool while in flight, so two concurrent
        // requests never pay the same order (which would be a 409, not the failure asked
        // for); reads only peek.
        let paying = matches!(
            scenario,
            Scenario::Pay | Scenario::Decline | Scenario::Timeout
        );
        let existing = {
            let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
            if paying {
                pending.pop()
            } else {
                pending.last().copied()
            }
        };
        // Reading or paying needs an order: until one is available, create instead.
        let scenario = match (scenario, existing) {
            (Scenario::GetOrder | Scenario::Pay | Scenario::Decline | Scenario::Timeout, None) => {
                Scenario::CreateOrder
            }
            _ => scenario,
        };
        let id = existing.unwrap_or_default();
        let url = |path: String| format!("{}{path}", self.base);
        let request = match scenario {
            Scenario::CreateOrder => self.client.post(url("/orders".into())).json(&new_order()),
            Scenario::BadBody => self
                .client
                .post(url("/orders".into()))
                .json(&json!({ "item": "widget", "unit_price_cents": 100 })),
            Scenario::GetOrder => self.client.get(url(format!("/orders/{id}"))),
            Scenario::MissingOrder => self.client.get(url(format!("/orders/{}", u64::MAX))),
            Scenario::Pay => self.client.post(url(format!("/orders/{id}/pay"))),
            Scenario::Decline => self
                .client
                .post(url(format!("/orders/{id}/pay?fail=decline"))),
            Scenario::Timeout => self
                .client
                .post(url(format!("/orders/{id}/pay?fail=timeout"))),
            Scenario::Health => self.client.get(url("/health".into())),
            Scenario::Panic => self.client.get(url("/panic".into())),
        };
        // Each request starts a trace of its own, as an instrumented client would.
        let request = request.header(TRACEPARENT, new_traceparent());
        match request.send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                let trace_id = response
                    .headers()
                    .get(X_TRACE_ID)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("<no x-trace-id>")
                    .to_owned();
                let body: Option<Value> = response.json().await.ok();
                self.remember(scenario, Some(status), id, body.as_ref());
                Outcome {
                    scenario,
                    status: Some(status),
                    trace_id,
                }
            }
            Err(err) => {
                self.remember(scenario, None, id, None);
                Outcome {
                    scenario,
                    status: None,
                    trace_id: format!("<{err}>"),
                }
            }
        }
    }

    fn remember(&self, scenario: Scenario, status: Option<u16>, id: u64, body: Option<&Value>) {
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        match (scenario, status) {
            (Scenario::CreateOrder, Some(201)) => {
                pending.extend(body.and_then(|b| b["id"].as_u64()));
            }
            // Paid (or already paid): no longer payable. Any other outcome leaves it pending.
            (Scenario::Pay | Scenario::Decline | Scenario::Timeout, Some(200 | 409)) => {}
            (Scenario::Pay | Scenario::Decline | Scenario::Timeout, _) => pending.insert(0, id),
            _ => {}
        }
    }
}

fn new_order() -> Value {
    const ITEMS: [&str; 4] = ["espresso beans", "milk frother", "ceramic cup", "grinder"];
    let mut rng = rand::rng();
    json!({
        "item": ITEMS[rng.random_range(0..ITEMS.len())],
        "quantity": rng.random_range(1..5),
        "unit_price_cents": rng.random_range(300..9_000),
    })
}

fn new_traceparent() -> String {
    let mut rng = rand::rng();
    // `| 1` keeps both ids non-zero, as the spec requires.
    format!(
        "00-{:032x}-{:016x}-01",
        rng.random::<u128>() | 1,
        rng.random::<u64>() | 1
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mix_decides_good_or_failing() {
        assert!(GOOD.contains(&choose(0.9, 0.5, 0.3)));
        assert!(FAILING.contains(&choose(0.1, 0.5, 0.3)));
        assert!(GOOD.contains(&choose(0.0, 0.99, 0.0)));
        assert!(FAILING.contains(&choose(0.999, 0.999, 1.0)));
        assert_eq!(choose(0.1, 0.0, 0.3), Scenario::BadBody);
    }

    #[test]
    fn generated_traceparents_are_valid() {
        let tp = new_traceparent();
        assert!(
            crate::trace_context::parse_traceparent(&tp).is_some(),
            "{tp}"
        );
    }

    #[test]
    fn the_summary_counts_and_lists_failures() {
        let mut summary = Summary::default();
        for (scenario, status, id) in [
            (Scenario::CreateOrder, Some(201), "a"),
            (Scenario::Panic, Some(500), "b"),
            (Scenario::Decline, Some(402), "c"),
            (Scenario::CreateOrder, Some(201), "d"),
            (Scenario::Health, None, "<refused>"),
        ] {
            summary.record(Outcome {
                scenario,
                status,
                trace_id: id.to_owned(),
            });
        }
        assert_eq!(summary.total(), 5);
        assert_eq!(summary.by_status[&Some(201)], 2);
        let failed: Vec<&str> = summary
            .failures
            .iter()
            .map(|f| f.trace_id.as_str())
            .collect();
        assert_eq!(failed, ["b", "c", "<refused>"]);
        let text = summary.to_string();
        assert!(text.contains("  500 Panic        b\n"), "{text}");
        assert!(text.contains("no response: 1"), "{text}");
        let hint = summary.no_response_hint(5).unwrap();
        assert!(hint.starts_with("1 of 5 request(s)"), "{hint}");
        assert!(hint.contains("--timeout-ms (now 5)"), "{hint}");
    }

    #[test]
    fn answered_requests_need_no_hint() {
        let mut summary = Summary::default();
        summary.record(Outcome {
            scenario: Scenario::Panic,
            status: Some(500),
            trace_id: "a".to_owned(),
        });
        assert_eq!(summary.no_response_hint(10_000), None);
    }
}

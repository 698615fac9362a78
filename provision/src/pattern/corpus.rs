//! The default pattern against the analyzer's whole fixture corpus: every line the analyzer
//! classifies as an incident must be matched (else production would never see it), and the
//! share of other lines it lets through (each one costs a Lambda invocation) is reported.
//!
//! Sources: `analyzer-lambda/tests/fixtures/*.json` (decoded and encoded subscription
//! payloads), `analyzer-lambda/tests/corpus/*.jsonl` (one `{"message": ...}` per line) and
//! `provision/tests/fixtures/producers.data.json` (loggers the analyzer reads that the others
//! lack: pino, OpenTelemetry, logfmt, one-letter levels).

use std::path::{Path, PathBuf};

use analyzer_lambda::classify::Rules;
use analyzer_lambda::parse::parse_line;
use analyzer_lambda::payload::{DEFAULT_MAX_DECOMPRESSED_BYTES, LogsPayload, decode_event};
use logpipe_filter_pattern::FilterPattern;
use serde_json::Value;

use super::error_filter_pattern;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("provision sits in the workspace")
        .to_path_buf()
}

fn files(dir: &Path, extension: &str) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == extension))
        .collect();
    files.sort();
    files
}

/// Messages of one fixture file: a decoded payload, an encoded one, or neither (malformed
/// fixtures, which carry no readable line).
fn payload_messages(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    let Ok(value) = serde_json::from_str::<Value>(&text) else {
        return Vec::new();
    };
    let payload = serde_json::from_value::<LogsPayload>(value.clone())
        .ok()
        .or_else(|| decode_event(&value, DEFAULT_MAX_DECOMPRESSED_BYTES).ok());
    payload
        .map(|p| p.log_events.into_iter().map(|e| e.message).collect())
        .unwrap_or_default()
}

fn corpus() -> Vec<(String, String)> {
    let root = workspace();
    let mut lines = Vec::new();
    for dir in [
        root.join("analyzer-lambda/tests/fixtures"),
        root.join("provision/tests/fixtures"),
    ] {
        for path in files(&dir, "json") {
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            lines.extend(
                payload_messages(&path)
                    .into_iter()
                    .map(|m| (name.clone(), m)),
            );
        }
    }
    for path in files(&root.join("analyzer-lambda/tests/corpus"), "jsonl") {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        for line in std::fs::read_to_string(&path).unwrap().lines() {
            if let Ok(v) = serde_json::from_str::<Value>(line)
                && let Some(m) = v.get("message").and_then(Value::as_str)
            {
                lines.push((name.clone(), m.to_string()));
            }
        }
    }
    lines
}

#[test]
fn every_incident_of_the_corpus_passes_the_default_pattern() {
    let pattern = FilterPattern::parse(&error_filter_pattern()).unwrap();
    let rules = Rules::default();
    let lines = corpus();
    assert!(
        lines.len() >= 30,
        "the corpus is missing: {} lines",
        lines.len()
    );
    let mut missed = Vec::new();
    let (mut incidents, mut others, mut others_through) = (0usize, 0usize, 0usize);
    for (source, message) in &lines {
        let incident = rules.classify(&parse_line(message)).is_some();
        let through = pattern.matches(message);
        if incident {
            incidents += 1;
            if !through {
                missed.push(format!("{source}: {message}"));
            }
        } else {
            others += 1;
            others_through += usize::from(through);
        }
    }
    let share = if others == 0 {
        0.0
    } else {
        others_through as f64 / others as f64
    };
    eprintln!(
        "default pattern over {} corpus lines: {incidents} incidents, all delivered; \
         {others_through} of {others} non-incident lines let through ({:.1}%)",
        lines.len(),
        share * 100.0
    );
    assert!(
        missed.is_empty(),
        "the default pattern filters out {} line(s) the analyzer makes incidents of:\n{}",
        missed.len(),
        missed.join("\n")
    );
    assert!(incidents > 0 && others > 0, "the corpus has both kinds");
    assert!(
        share <= 0.25,
        "the default pattern lets {:.1}% of non-incident lines through",
        share * 100.0
    );
}

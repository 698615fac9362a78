//! Grouping accuracy on the labelled corpus (`tests/corpus/grouping.jsonl`, written by
//! `tests/corpus/generate.py`).
//!
//! Grouping accuracy as log-parsing research defines it (Zhu et al., "Tools and Benchmarks
//! for Automated Log Parsing", ICSE-SEIP 2019): a message is grouped correctly if and only
//! if the set of messages sharing its fingerprint equals the set of messages sharing its
//! label. Reported per source (the messages of that source only) and overall.
//!
//! ```text
//! cargo test -p analyzer-lambda --test it corpus -- --nocapture   # prints the report
//! ```

use std::collections::{BTreeMap, BTreeSet};

use analyzer_lambda::classify::Rules;
use analyzer_lambda::fingerprint::{CURRENT_RULES, Grouper, GroupingRules};
use analyzer_lambda::incident::group_key;
use analyzer_lambda::parse::parse_line;

/// The accuracy below which the test fails.
const TARGET: f64 = 0.95;

#[derive(serde::Deserialize)]
struct Entry {
    source: String,
    log_group: String,
    label: String,
    message: String,
}

struct Grouped {
    entry: Entry,
    service: String,
    pattern: String,
    fingerprint: String,
}

fn corpus(rules: GroupingRules) -> Vec<Grouped> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus/grouping.jsonl");
    let text = std::fs::read_to_string(path).expect("the corpus exists");
    // One grouper for all (as in a payload) and a fresh one per line must agree: the caches
    // are an optimisation, never a change in grouping.
    let mut shared = Grouper::new(rules);
    text.lines()
        .map(|line| {
            let entry: Entry = serde_json::from_str(line).expect("a corpus line");
            let parsed = parse_line(&entry.message);
            let key = group_key(&entry.log_group, &parsed, &mut shared);
            let fresh = group_key(&entry.log_group, &parsed, &mut Grouper::new(rules));
            assert_eq!(key, fresh, "{}", entry.message);
            Grouped {
                service: key.service.to_string(),
                pattern: key.pattern.to_string(),
                fingerprint: key.fingerprint.to_string(),
                entry,
            }
        })
        .collect()
}

/// Correct messages among `items` (indices into `all`).
fn correct(all: &[Grouped], items: &[usize]) -> usize {
    let mut by_fingerprint: BTreeMap<&str, BTreeSet<usize>> = BTreeMap::new();
    let mut by_label: BTreeMap<&str, BTreeSet<usize>> = BTreeMap::new();
    for &i in items {
        by_fingerprint
            .entry(&all[i].fingerprint)
            .or_default()
            .insert(i);
        by_label.entry(&all[i].entry.label).or_default().insert(i);
    }
    items
        .iter()
        .filter(|&&i| {
            by_fingerprint[all[i].fingerprint.as_str()] == by_label[all[i].entry.label.as_str()]
        })
        .count()
}

struct Report {
    overall: f64,
    table: String,
    over: Vec<String>,
    under: Vec<String>,
}

fn report(all: &[Grouped]) -> Report {
    let mut sources: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, g) in all.iter().enumerate() {
        sources.entry(&g.entry.source).or_default().push(i);
    }
    let mut table = String::from(
        "| source | messages | problems | correct | accuracy |\n|---|---|---|---|---|\n",
    );
    for (source, items) in &sources {
        let problems: BTreeSet<&str> = items.iter().map(|&i| all[i].entry.label.as_str()).collect();
        let ok = correct(all, items);
        table.push_str(&format!(
            "| {source} | {} | {} | {ok} | {:.3} |\n",
            items.len(),
            problems.len(),
            ok as f64 / items.len() as f64
        ));
    }
    let everything: Vec<usize> = (0..all.len()).collect();
    let ok = correct(all, &everything);
    let overall = ok as f64 / all.len() as f64;
    let labels: BTreeSet<&str> = all.iter().map(|g| g.entry.label.as_str()).collect();
    table.push_str(&format!(
        "| **overall** | {} | {} | {ok} | **{overall:.3}** |\n",
        all.len(),
        labels.len()
    ));

    let mut labels_of: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let mut fingerprints_of: BTreeMap<&str, BTreeSet<(&str, &str)>> = BTreeMap::new();
    for g in all {
        labels_of
            .entry(&g.fingerprint)
            .or_default()
            .insert(&g.entry.label);
        fingerprints_of
            .entry(&g.entry.label)
            .or_default()
            .insert((&g.fingerprint, &g.pattern));
    }
    let over = labels_of
        .iter()
        .filter(|(_, l)| l.len() > 1)
        .map(|(f, l)| {
            let g = all.iter().find(|g| g.fingerprint == *f).expect("seen");
            format!(
                "{} share `{}` ({})",
                l.iter().cloned().collect::<Vec<_>>().join(" + "),
                g.pattern,
                g.service
            )
        })
        .collect();
    let under = fingerprints_of
        .iter()
        .filter(|(_, f)| f.len() > 1)
        .map(|(label, f)| {
            let patterns: Vec<String> = f.iter().map(|(_, p)| format!("`{p}`")).collect();
            format!("{label} split into {}: {}", f.len(), patterns.join(", "))
        })
        .collect();
    Report {
        overall,
        table,
        over,
        under,
    }
}

fn print(name: &str, r: &Report) {
    println!("\n### {name}\n\n{}", r.table);
    println!(
        "Over-grouped (two problems, one fingerprint): {}",
        r.over.len()
    );
    for o in &r.over {
        println!("- {o}");
    }
    println!(
        "\nUnder-grouped (one problem, several fingerprints): {}",
        r.under.len()
    );
    for u in &r.under {
        println!("- {u}");
    }
}

#[test]
fn corpus_grouping_accuracy_meets_the_target() {
    let all = corpus(CURRENT_RULES);
    let labels: BTreeSet<&str> = all.iter().map(|g| g.entry.label.as_str()).collect();
    assert!(
        all.len() >= 300 && labels.len() >= 80,
        "the corpus is the one in the repo"
    );
    // A label is one problem of one service.
    let mut service_of: BTreeMap<&str, &str> = BTreeMap::new();
    for g in &all {
        let service = *service_of.entry(&g.entry.label).or_insert(&g.service);
        assert_eq!(
            service, g.service,
            "label {} spans two services",
            g.entry.label
        );
    }
    // Every corpus line is an error or warning the analyzer turns into an incident.
    let ignored: Vec<&str> = all
        .iter()
        .filter(|g| {
            Rules::default()
                .classify(&parse_line(&g.entry.message))
                .is_none()
        })
        .map(|g| g.entry.message.as_str())
        .collect();
    assert!(ignored.is_empty(), "not incidents: {ignored:#?}");

    let current = report(&all);
    print(&format!("rules version {CURRENT_RULES}"), &current);
    print(
        "rules version 1 (for comparison)",
        &report(&corpus(GroupingRules::V1)),
    );
    assert!(
        current.over.is_empty(),
        "two problems of one service share a fingerprint: {:#?}",
        current.over
    );
    assert!(
        current.overall >= TARGET,
        "grouping accuracy {:.3} is below {TARGET}",
        current.overall
    );
}

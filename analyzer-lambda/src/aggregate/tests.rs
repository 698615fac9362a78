use super::*;
use crate::classify::Severity;
use crate::severity::Level;

const T0: i64 = 1_795_000_000_000;

fn policy() -> AlertPolicy {
    AlertPolicy {
        cooldown_ms: 15 * 60_000,
        quiet_period_ms: 60 * 60_000,
        count_thresholds: vec![100, 1000],
    }
}

fn rules() -> Rules {
    Rules {
        critical_rate_per_minute: 1_000_000,
        ..Rules::default()
    }
}

fn incident(id: usize, ts: i64, severity: Severity) -> Incident {
    Incident {
        incident_id: format!("id{id}"),
        service: "orders".into(),
        message: format!("order {id} failed"),
        level: Level::Error,
        timestamp_ms: ts,
        severity,
        fingerprint: "fp".into(),
        pattern: "order <num> failed".into(),
        error_type: None,
        trace_id: Some(format!("trace{id}")),
        log_group: "/g".into(),
        log_stream: "s".into(),
        event_id: id.to_string(),
        ttl: 0,
        outcome: false,
        attached_to: None,
    }
}

fn batch_of(range: std::ops::Range<usize>, ts: i64, severity: Severity) -> Batch {
    let incidents: Vec<Incident> = range.map(|i| incident(i, ts, severity)).collect();
    let refs: Vec<&Incident> = incidents.iter().collect();
    let token = batch_token(
        "fp",
        &payload_digest(refs.iter().map(|i| i.event_id.as_str())),
    );
    batch(token, &refs, 2).unwrap()
}

#[test]
fn first_batch_opens() {
    let out = apply(
        None,
        &batch_of(0..3, T0, Severity::Medium),
        &rules(),
        &policy(),
        T0,
    );
    assert_eq!(out.alert, Some(EventType::Opened));
    assert!(!out.suppressed);
    assert_eq!(out.next.count, 3);
    assert_eq!(out.next.version, 1);
    assert_eq!(out.next.trace_ids.len(), 3);
    assert_eq!(
        out.next.pending_alert.as_ref().unwrap().event_type,
        EventType::Opened
    );
}

#[test]
fn more_of_the_same_is_quiet() {
    let first = apply(
        None,
        &batch_of(0..3, T0, Severity::Medium),
        &rules(),
        &policy(),
        T0,
    )
    .next;
    let out = apply(
        Some(&first),
        &batch_of(3..6, T0 + 1000, Severity::Medium),
        &rules(),
        &policy(),
        T0 + 1000,
    );
    assert_eq!(out.alert, None);
    assert!(!out.suppressed);
    assert_eq!(out.next.count, 6);
    assert_eq!(out.next.recent_batches.len(), 2);
}

#[test]
fn severity_rise_escalates_even_in_cooldown() {
    let first = apply(
        None,
        &batch_of(0..1, T0, Severity::Low),
        &rules(),
        &policy(),
        T0,
    )
    .next;
    let out = apply(
        Some(&first),
        &batch_of(1..2, T0 + 1000, Severity::Critical),
        &rules(),
        &policy(),
        T0 + 1000,
    );
    assert_eq!(out.alert, Some(EventType::Escalated));
    assert_eq!(out.next.severity, Severity::Critical);
}

#[test]
fn count_threshold_escalates_after_cooldown_only() {
    let first = apply(
        None,
        &batch_of(0..1, T0, Severity::Medium),
        &rules(),
        &policy(),
        T0,
    )
    .next;
    let during = apply(
        Some(&first),
        &batch_of(1..150, T0 + 1000, Severity::Medium),
        &rules(),
        &policy(),
        T0 + 1000,
    );
    assert_eq!(during.alert, None);
    assert!(during.suppressed);
    // Still owed: the next batch after the cooldown sends it.
    let later = T0 + 16 * 60_000;
    let after = apply(
        Some(&during.next),
        &batch_of(150..151, later, Severity::Medium),
        &rules(),
        &policy(),
        later,
    );
    assert_eq!(after.alert, Some(EventType::Escalated));
    assert_eq!(after.next.alerted_count, 151);
}

#[test]
fn quiet_period_reopens() {
    let first = apply(
        None,
        &batch_of(0..5, T0, Severity::Medium),
        &rules(),
        &policy(),
        T0,
    )
    .next;
    let later = T0 + 2 * 60 * 60_000;
    let out = apply(
        Some(&first),
        &batch_of(5..6, later, Severity::Low),
        &rules(),
        &policy(),
        later,
    );
    assert_eq!(out.alert, Some(EventType::Opened));
    assert_eq!(out.next.open_count(), 1);
    assert_eq!(out.next.count, 6);
    assert_eq!(out.next.opened_at_ms, later);
    assert_eq!(out.next.first_seen_ms, T0);
    assert_eq!(out.next.severity, Severity::Low);
}

#[test]
fn reopening_inside_the_cooldown_waits() {
    let policy = AlertPolicy {
        quiet_period_ms: 60_000,
        ..policy()
    };
    let first = apply(
        None,
        &batch_of(0..1, T0, Severity::Medium),
        &rules(),
        &policy,
        T0,
    )
    .next;
    let t = T0 + 5 * 60_000;
    let out = apply(
        Some(&first),
        &batch_of(1..2, t, Severity::Medium),
        &rules(),
        &policy,
        t,
    );
    assert_eq!(out.alert, None);
    assert!(out.suppressed);
}

#[test]
fn rate_makes_it_critical() {
    let rules = Rules {
        critical_rate_per_minute: 100,
        ..Rules::default()
    };
    let out = apply(
        None,
        &batch_of(0..100, T0, Severity::Medium),
        &rules,
        &policy(),
        T0,
    );
    assert_eq!(out.next.severity, Severity::Critical);
    assert_eq!(out.alert, Some(EventType::Opened));
    // The stored window adds up across batches of the same minute.
    let first = apply(
        None,
        &batch_of(0..60, T0, Severity::Medium),
        &rules,
        &policy(),
        T0,
    )
    .next;
    assert_eq!(first.severity, Severity::Medium);
    let out = apply(
        Some(&first),
        &batch_of(60..100, T0 + 1, Severity::Medium),
        &rules,
        &policy(),
        T0 + 1,
    );
    assert_eq!(out.next.severity, Severity::Critical);
    assert_eq!(out.alert, Some(EventType::Escalated));
}

#[test]
fn tokens_ignore_order_and_are_bounded() {
    let digest = |ids: &[&'static str]| payload_digest(ids.iter().copied());
    assert_eq!(
        batch_token("fp", &digest(&["a", "b"])),
        batch_token("fp", &digest(&["b", "a"]))
    );
    assert_ne!(
        batch_token("fp", &digest(&["a"])),
        batch_token("fp", &digest(&["a", "b"]))
    );
    assert_ne!(
        batch_token("fp", &digest(&["a"])),
        batch_token("fp2", &digest(&["a"]))
    );
    let mut agg = apply(
        None,
        &batch_of(0..1, T0, Severity::Medium),
        &rules(),
        &policy(),
        T0,
    )
    .next;
    for i in 1..100 {
        agg = apply(
            Some(&agg),
            &batch_of(i..i + 1, T0 + i as i64, Severity::Medium),
            &rules(),
            &policy(),
            T0,
        )
        .next;
    }
    assert_eq!(agg.recent_batches.len(), MAX_RECENT_BATCHES);
    assert_eq!(agg.count, 100);
}

#[test]
fn an_inherited_open_problem_does_not_open_again() {
    let old = apply(
        None,
        &batch_of(0..3, T0, Severity::Medium),
        &rules(),
        &policy(),
        T0,
    )
    .next;
    assert!(is_open(&old, &policy(), T0 + 60_000));
    assert!(!is_open(&old, &policy(), T0 + 2 * 60 * 60_000));
    let mut latest = incident(9, T0 + 60_000, Severity::Medium);
    latest.fingerprint = "fp2".into();
    let seed = inherit(&old, &latest, 2);
    assert_eq!(seed.previous_fingerprints, vec!["fp".to_string()]);
    assert_eq!((seed.count, seed.version, seed.rules_version), (0, 0, 2));
    let mut b = batch_of(9..10, T0 + 60_000, Severity::Medium);
    b.fingerprint = "fp2".into();
    let out = apply(Some(&seed), &b, &rules(), &policy(), T0 + 60_000);
    assert_eq!(out.alert, None);
    assert_eq!(out.next.fingerprint, "fp2");
    assert_eq!(out.next.count, 1);
    // A rise in severity still escalates.
    let mut worse = batch_of(10..11, T0 + 61_000, Severity::Critical);
    worse.fingerprint = "fp2".into();
    let out = apply(Some(&out.next), &worse, &rules(), &policy(), T0 + 61_000);
    assert_eq!(out.alert, Some(EventType::Escalated));
}

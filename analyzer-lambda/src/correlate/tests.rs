use super::*;
use crate::classify::Severity;
use crate::severity::Level;

fn incident(id: &str, trace: Option<&str>, ts: i64, outcome: bool) -> Incident {
    Incident {
        incident_id: id.into(),
        service: "orders-api".into(),
        message: if outcome {
            "request completed: POST /orders/{id}/pay status=500".into()
        } else {
            "payment failed".into()
        },
        level: Level::Error,
        timestamp_ms: ts,
        severity: Severity::Medium,
        fingerprint: format!("fp-{id}").into(),
        pattern: format!("pattern-{id}").into(),
        error_type: None,
        trace_id: trace.map(str::to_string),
        log_group: "/g".into(),
        log_stream: "s".into(),
        event_id: id.into(),
        ttl: 0,
        outcome,
        attached_to: None,
    }
}

#[test]
fn an_outcome_joins_the_error_of_its_trace() {
    let mut incidents = vec![
        incident("err", Some("t1"), 1_000, false),
        incident("done", Some("t1"), 1_005, true),
        incident("other", Some("t2"), 1_006, false),
    ];
    let lonely = attach(&mut incidents);
    assert!(lonely.is_empty());
    assert_eq!(incidents[1].attached_to.as_deref(), Some("err"));
    assert_eq!(&*incidents[1].fingerprint, "fp-err");
    assert_eq!(&*incidents[1].pattern, "pattern-err");
    assert_eq!(incidents[2].attached_to, None);
}

#[test]
fn an_outcome_alone_stays_its_own_incident() {
    let mut incidents = vec![
        incident("done", Some("t1"), 1_000, true),
        incident("untraced", None, 1_000, true),
        incident("err", Some("t2"), 1_000, false),
    ];
    let lonely = attach(&mut incidents);
    assert_eq!(lonely, vec!["t1".to_string()]);
    assert!(incidents.iter().all(|i| i.attached_to.is_none()));
    assert_eq!(&*incidents[0].fingerprint, "fp-done");
}

#[test]
fn outside_the_window_is_another_request() {
    let mut incidents = vec![
        incident("err", Some("t1"), 1_000, false),
        incident("done", Some("t1"), 1_000 + ATTACH_WINDOW_MS + 1, true),
    ];
    assert_eq!(attach(&mut incidents), vec!["t1".to_string()]);
}

#[test]
fn the_latest_error_before_the_outcome_wins_and_same_service_first() {
    let mut other_service = incident("remote", Some("t1"), 1_004, false);
    other_service.service = "payments".into();
    let mut incidents = vec![
        incident("early", Some("t1"), 1_000, false),
        incident("late", Some("t1"), 1_003, false),
        other_service,
        incident("after", Some("t1"), 1_020, false),
        incident("done", Some("t1"), 1_010, true),
    ];
    attach(&mut incidents);
    assert_eq!(incidents[4].attached_to.as_deref(), Some("late"));
}

#[test]
fn stored_causes_attach_the_rest() {
    let mut incidents = vec![incident("done", Some("t1"), 5_000, true)];
    let lonely = attach(&mut incidents);
    let cause = Cause::of(&incident("stored", Some("t1"), 4_000, false));
    let stored = HashMap::from([(lonely[0].clone(), vec![cause])]);
    attach_stored(&mut incidents, &stored);
    assert_eq!(incidents[0].attached_to.as_deref(), Some("stored"));
    assert_eq!(&*incidents[0].fingerprint, "fp-stored");
}

//! Grouping through the handler: one fingerprint and one alert per problem, one incident
//! per failing request, and an upgrade of the grouping rules that does not re-open open
//! problems. In memory, and against moto (DynamoDB, its `by_trace_id` index, SNS).

use analyzer_lambda::aggregate::EventType;
use analyzer_lambda::alert::memory::MemoryAlerter;
use analyzer_lambda::alert::sns::SnsAlerter;
use analyzer_lambda::config::Settings;
use analyzer_lambda::fingerprint::GroupingRules;
use analyzer_lambda::handler::Analyzer;
use analyzer_lambda::payload::encode_event;
use analyzer_lambda::store::dynamodb::DynamoStore;
use analyzer_lambda::store::memory::MemoryStore;
use test_support::Moto;

use crate::common::{NOW_MS, memory_analyzer, payload};
use crate::setup::{create_table, create_topic_and_queue, drain_queue, scan};

/// A Powertools for AWS Lambda (Python) record of a failed charge.
fn charge_failed(customer: &str, amount: &str, request: usize) -> String {
    serde_json::json!({
        "level": "ERROR",
        "location": "charge:57",
        "message": format!("Failed to charge customer {customer} amount {amount}"),
        "timestamp": "2026-11-24 13:00:00,123+0000",
        "service": "payments",
        "cold_start": false,
        "function_name": "payments",
        "function_request_id": format!("6f9a1c1e-2d3b-4a5c-8e7f-{request:012x}"),
        "xray_trace_id": format!("1-5759e988-{request:024x}"),
    })
    .to_string()
}

const CUSTOMERS: [&str; 10] = [
    "cus_4038aa27d8a3",
    "cus_NffrFeUfNV2Hib",
    "cus_9Xa3kLm2Qp7Rst",
    "cus_0b6f1c1e0000",
    "cus_P3aoirAp1MkQ2J",
    "cus_77e1d2c3b4a5",
    "cus_Lk2Mn3Op4Qr5St",
    "cus_a1b2c3d4e5f6",
    "cus_Zy9Xw8Vu7Ts6Rq",
    "cus_5f2b9c0e7d1a",
];

/// Our layer's records of one failing request: the specific error, then the access log.
fn failing_request(trace: &str, order: usize) -> [String; 2] {
    [
        serde_json::json!({
            "timestamp": "2026-11-24T13:00:00.100Z", "level": "ERROR", "message": "payment failed",
            "service": "orders-api", "target": "demo_api::routes::payments", "trace_id": trace,
            "order_id": order, "error": {"message": "payment provider declined the charge"},
            "spans": [{"name": "request", "trace_id": trace, "method": "POST", "route": "/orders/{id}/pay"}],
        })
        .to_string(),
        completed(trace, 500),
    ]
}

fn completed(trace: &str, status: u16) -> String {
    serde_json::json!({
        "timestamp": "2026-11-24T13:00:00.105Z", "level": if status >= 500 { "ERROR" } else { "INFO" },
        "message": "request completed", "service": "orders-api", "target": "demo_api::app",
        "trace_id": trace, "method": "POST", "route": "/orders/{id}/pay", "status": status,
        "latency_ms": 4.2,
        "spans": [{"name": "request", "trace_id": trace, "method": "POST", "route": "/orders/{id}/pay"}],
    })
    .to_string()
}

#[tokio::test]
async fn a_failing_request_is_one_incident_of_its_specific_error() {
    let analyzer = memory_analyzer();
    let mut lines: Vec<String> = (0..5)
        .flat_map(|i| failing_request(&format!("{i:032x}"), i))
        .collect();
    // A 502 whose trace logged nothing else: an incident of its own, named by route and status.
    lines.push(completed("ffffffffffffffffffffffffffffffff", 502));
    let event = encode_event(&payload("web-1", lines));
    let summary = analyzer.handle_event(&event, NOW_MS, None).await.unwrap();
    assert_eq!(summary.errors_found, 11);
    assert_eq!(summary.outcomes_attached, 5);
    assert_eq!(summary.fingerprints, 2);
    let mut subjects: Vec<String> = analyzer
        .alerter()
        .sent()
        .iter()
        .map(|a| a.pattern.clone())
        .collect();
    subjects.sort();
    assert_eq!(
        subjects,
        [
            "payment failed",
            "request completed: POST /orders/{id}/pay status=502"
        ]
    );
    let payment = analyzer
        .alerter()
        .sent()
        .into_iter()
        .find(|a| a.pattern == "payment failed")
        .unwrap();
    // Five failing requests, five incidents counted: the access-log lines are not counted again.
    assert_eq!(payment.count, 5);
    let rows = analyzer.store().incidents();
    let attached: Vec<_> = rows.iter().filter(|i| i.attached_to.is_some()).collect();
    assert_eq!(attached.len(), 5);
    for row in &attached {
        let cause = rows
            .iter()
            .find(|i| Some(&i.incident_id) == row.attached_to.as_ref())
            .unwrap();
        assert_eq!(cause.message, "payment failed");
        assert_eq!(cause.trace_id, row.trace_id);
        assert_eq!(row.fingerprint, cause.fingerprint);
    }

    // Redelivered: nothing new, nothing alerted.
    let again = analyzer
        .handle_event(&event, NOW_MS + 1_000, None)
        .await
        .unwrap();
    assert_eq!((again.incidents_written, again.alerts_sent), (0, 0));
}

#[tokio::test]
async fn upgrading_the_rules_does_not_reopen_open_problems() {
    let v1 = Settings {
        grouping: GroupingRules::V1,
        ..Settings::default()
    };
    let old = Analyzer::new(MemoryStore::new(), MemoryAlerter::new(), v1);
    let before: Vec<String> = CUSTOMERS
        .iter()
        .enumerate()
        .map(|(i, c)| charge_failed(c, "42.00", i))
        .chain((0..3).map(|i| format!("ERROR connect to 10.0.3.{i}:5432 refused")))
        .collect();
    let summary = old
        .handle_event(&encode_event(&payload("web-1", before)), NOW_MS, None)
        .await
        .unwrap();
    // Version 1 did not see `cus_…` as variable: the storm of "opened" alerts of issue 15.
    assert!(summary.alerts_sent >= 10, "{summary:?}");
    let store = old.into_store();
    let v1_aggregates = store.aggregates_all();
    assert!(v1_aggregates.iter().all(|a| a.rules_version == 1));

    // Deployed with version 2, while those problems are open: the same failures go on (the
    // charges are retried), plus one new problem. Version 2 makes one fingerprint of the ten
    // charges and continues the open version-1 aggregates instead of opening.
    let new = Analyzer::new(store, MemoryAlerter::new(), Settings::default());
    let after: Vec<String> = CUSTOMERS
        .iter()
        .enumerate()
        .map(|(i, c)| charge_failed(c, "7.50", 100 + i))
        .chain((0..3).map(|i| format!("ERROR connect to 10.0.4.{i}:5432 refused")))
        .chain(["ERROR disk quota exceeded on /var/lib/worker".to_string()])
        .collect();
    let summary = new
        .handle_event(
            &encode_event(&payload("web-2", after)),
            NOW_MS + 60_000,
            None,
        )
        .await
        .unwrap();
    let sent = new.alerter().sent();
    assert_eq!(summary.fingerprints, 3);
    assert_eq!(sent.len(), 1, "only the new problem alerts: {sent:#?}");
    assert_eq!(sent[0].event_type, EventType::Opened);
    assert!(sent[0].pattern.starts_with("ERROR disk quota exceeded"));
    let v2: Vec<_> = new
        .store()
        .aggregates_all()
        .into_iter()
        .filter(|a| a.rules_version == 2)
        .collect();
    assert_eq!(v2.len(), 3);
    let charges = v2
        .iter()
        .find(|a| a.pattern == "Failed to charge customer cus_<id> amount <num>")
        .unwrap();
    assert_eq!(charges.count, 10);
    assert!(
        v1_aggregates
            .iter()
            .any(|a| charges.previous_fingerprints.contains(&a.fingerprint))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_powertools_charge_failures_are_one_fingerprint_and_one_alert() {
    let moto = Moto::start();
    let sdk = moto.sdk_config().await;
    create_table(&sdk, "Incidents").await;
    let (topic, queue) = create_topic_and_queue(&sdk, "alerts").await;
    let analyzer = Analyzer::new(
        DynamoStore::new(aws_sdk_dynamodb::Client::new(&sdk), "Incidents"),
        SnsAlerter::new(aws_sdk_sns::Client::new(&sdk), &topic),
        Settings::default(),
    );
    let amounts = [
        "42.00", "7.5", "1999.99", "0.50", "12", "3.14", "250.00", "99.95", "5", "61.20",
    ];
    let lines: Vec<String> = CUSTOMERS
        .iter()
        .zip(amounts)
        .enumerate()
        .map(|(i, (c, a))| charge_failed(c, a, i))
        .collect();
    let mut p = payload("2026/11/24/[$LATEST]0f1e", lines);
    p.log_group = "/aws/lambda/payments".into();
    let summary = analyzer
        .handle_event(&encode_event(&p), NOW_MS, None)
        .await
        .unwrap();
    assert_eq!(summary.errors_found, 10);
    assert_eq!(summary.fingerprints, 1);
    assert_eq!(summary.alerts_sent, 1);

    let items = scan(&sdk, "Incidents").await;
    let fingerprints: std::collections::BTreeSet<&str> = items
        .iter()
        .filter(|i| {
            i.get("item_type")
                .and_then(|v| v.as_s().ok())
                .map(String::as_str)
                == Some("incident")
        })
        .map(|i| i["fingerprint"].as_s().unwrap().as_str())
        .collect();
    assert_eq!(fingerprints.len(), 1);
    let alerts = drain_queue(&sdk, &queue).await;
    assert_eq!(alerts.len(), 1);
    let subject = alerts[0]["Subject"].as_str().unwrap();
    assert!(
        subject.contains("payments: Failed to charge customer cus_<id> amount <num> (opened)"),
        "{subject}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_access_log_line_in_a_later_payload_finds_its_error_through_the_trace_index() {
    let moto = Moto::start();
    let sdk = moto.sdk_config().await;
    create_table(&sdk, "Incidents").await;
    let (topic, queue) = create_topic_and_queue(&sdk, "alerts").await;
    let analyzer = Analyzer::new(
        DynamoStore::new(aws_sdk_dynamodb::Client::new(&sdk), "Incidents"),
        SnsAlerter::new(aws_sdk_sns::Client::new(&sdk), &topic),
        Settings::default(),
    );
    let trace = "4bf92f3577b34da6a3ce929d0e0e4736";
    let [error, access] = failing_request(trace, 42);
    // The error ends one payload; its access-log line starts the next (another stream even).
    let first = analyzer
        .handle_event(&encode_event(&payload("web-1", [error])), NOW_MS, None)
        .await
        .unwrap();
    let second = analyzer
        .handle_event(
            &encode_event(&payload("web-2", [access])),
            NOW_MS + 1_000,
            None,
        )
        .await
        .unwrap();
    assert_eq!((first.alerts_sent, second.alerts_sent), (1, 0));
    assert_eq!(second.outcomes_attached, 1);

    let items = scan(&sdk, "Incidents").await;
    let of = |t: &str| -> Vec<&crate::setup::Item> {
        items
            .iter()
            .filter(|i| {
                i.get("item_type")
                    .and_then(|v| v.as_s().ok())
                    .map(String::as_str)
                    == Some(t)
            })
            .collect()
    };
    let (incidents, attached) = (of("incident"), of("attached"));
    assert_eq!(
        (incidents.len(), attached.len(), of("aggregate").len()),
        (1, 1, 1)
    );
    assert_eq!(attached[0]["attached_to"], incidents[0]["incident_id"]);
    assert_eq!(attached[0]["fingerprint"], incidents[0]["fingerprint"]);
    assert_eq!(attached[0]["trace_id"].as_s().unwrap(), trace);
    let alerts = drain_queue(&sdk, &queue).await;
    assert!(
        alerts[0]["Subject"]
            .as_str()
            .unwrap()
            .contains("payment failed")
    );
}

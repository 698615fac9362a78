//! One failing request across both demo services, followed with `analyzer-lambda trace`:
//! `provision up` for both log groups -> `demo-api payments` + `demo-api serve` (a payment
//! declined in `payments`, the trace started by a load balancer's `X-Amzn-Trace-Id`) ->
//! `analyzer-lambda replay` of both groups (incidents) -> `analyzer-lambda trace`.

use e2e::{DemoServices, run, run_any, stand_in_zip};
use serde_json::Value;
use test_support::{ACCOUNT_ID, Moto, REGION};

const PREFIX: &str = "trace";
const ORDERS_GROUP: &str = "/trace/orders-api";
const PAYMENTS_GROUP: &str = "/trace/payments";
/// The failing request's trace, as a load balancer would start it.
const XRAY_HEADER: &str = "Root=1-6747a1b2-0123456789abcdef01234567;Sampled=1";
const TRACE_XRAY: &str = "1-6747a1b2-0123456789abcdef01234567";
const TRACE_W3C: &str = "6747a1b20123456789abcdef01234567";
/// Another request's trace, whose records must stay out of the timeline.
const OTHER_TRACEPARENT: &str = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trace_shows_one_failed_request_across_both_services_and_its_incidents() {
    let moto = Moto::start();
    let scratch = std::env::temp_dir().join(format!("logpipe-e2e-trace-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).unwrap();
    let zip = stand_in_zip(&scratch);
    run(
        &moto,
        "provision",
        &[
            "up",
            "--prefix",
            PREFIX,
            "--log-group",
            ORDERS_GROUP,
            "--log-group",
            PAYMENTS_GROUP,
            "--lambda-zip",
            zip.to_str().unwrap(),
            "--no-dashboard",
        ],
        &[],
    );

    // One declined payment under the load balancer's trace, one good one under another.
    let services = DemoServices::start(&moto, ORDERS_GROUP, PAYMENTS_GROUP, "e2e").await;
    let http = reqwest::Client::new();
    let base = services.orders_url.clone();
    let mut orders = Vec::new();
    for _ in 0..2 {
        let order: Value = http
            .post(format!("{base}/orders"))
            .json(&serde_json::json!({"item": "grinder", "quantity": 1, "unit_price_cents": 4200}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        orders.push(order["id"].as_u64().expect("order id"));
    }
    let declined = http
        .post(format!("{base}/orders/{}/pay?fail=decline", orders[0]))
        .header("x-amzn-trace-id", XRAY_HEADER)
        .send()
        .await
        .unwrap();
    assert_eq!(declined.status(), 402);
    assert_eq!(declined.headers()["x-trace-id"], TRACE_W3C);
    let paid = http
        .post(format!("{base}/orders/{}/pay", orders[1]))
        .header("traceparent", OTHER_TRACEPARENT)
        .send()
        .await
        .unwrap();
    assert_eq!(paid.status(), 200);
    services.terminate();

    // Incidents, as the subscription would have made them from both groups.
    let table = format!("{PREFIX}-Incidents");
    let analyzer_env = [
        ("INCIDENTS_TABLE", table.clone()),
        (
            "ALERTS_TOPIC_ARN",
            format!("arn:aws:sns:{REGION}:{ACCOUNT_ID}:{PREFIX}-alerts"),
        ),
    ];
    for group in [ORDERS_GROUP, PAYMENTS_GROUP] {
        let replay = ["replay", "--log-group", group, "--since", "15m"];
        run(&moto, "analyzer-lambda", &replay, &analyzer_env);
    }

    // The trace, asked for in X-Ray form, as JSON.
    let groups = [
        "--log-group",
        ORDERS_GROUP,
        "--log-group",
        PAYMENTS_GROUP,
        "--since",
        "15m",
    ];
    let mut args = vec!["trace", TRACE_XRAY];
    args.extend(groups);
    args.extend(["--json"]);
    let output = run(&moto, "analyzer-lambda", &args, &analyzer_env);
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["trace_id"], TRACE_W3C);
    assert_eq!(report["xray_trace_id"], TRACE_XRAY);
    let records = report["records"].as_array().unwrap();
    let times: Vec<i64> = records
        .iter()
        .map(|r| r["timestamp_ms"].as_i64().unwrap())
        .collect();
    assert!(times.is_sorted(), "not in time order: {times:?}");
    for record in records {
        assert_eq!(record["record"]["trace_id"], TRACE_W3C, "{record:#}");
    }
    let steps: Vec<(&str, &str, &str)> = records
        .iter()
        .map(|r| {
            (
                r["log_group"].as_str().unwrap(),
                r["level"].as_str().unwrap(),
                r["message"].as_str().unwrap(),
            )
        })
        .collect();
    let position = |step: (&str, &str, &str)| {
        steps
            .iter()
            .position(|s| *s == step)
            .unwrap_or_else(|| panic!("no {step:?} in {steps:#?}"))
    };
    let charge_failed = position((PAYMENTS_GROUP, "ERROR", "charge failed"));
    let payment_failed = position((ORDERS_GROUP, "ERROR", "payment failed"));
    // The payments service answered before the orders service logged its failure (both
    // may fall in the same millisecond).
    assert!(times[charge_failed] <= times[payment_failed], "{steps:#?}");
    assert_eq!(
        steps.len(),
        4,
        "two records per service (the failure and the completion): {steps:#?}"
    );
    assert_eq!(records[charge_failed]["service"], "payments");
    assert_eq!(
        records[charge_failed]["span_path"],
        serde_json::json!(["request"])
    );
    assert_eq!(records[payment_failed]["fields"]["order_id"], orders[0]);

    // The incidents of the trace: one per ERROR record, from both services.
    let incidents = report["incidents"].as_array().unwrap();
    let mut found: Vec<(&str, &str)> = incidents
        .iter()
        .map(|i| {
            assert_eq!(i["trace_id"], TRACE_W3C);
            (
                i["service"].as_str().unwrap(),
                i["message"].as_str().unwrap(),
            )
        })
        .collect();
    found.sort();
    assert_eq!(
        found,
        [
            ("orders-api", "payment failed"),
            ("payments", "charge failed")
        ]
    );

    // The same as text, asked for in W3C form.
    let mut args = vec!["trace", TRACE_W3C];
    args.extend(groups);
    let text =
        String::from_utf8(run(&moto, "analyzer-lambda", &args, &analyzer_env).stdout).unwrap();
    assert!(
        text.starts_with(&format!("trace {TRACE_W3C} (X-Ray {TRACE_XRAY})\n")),
        "{text}"
    );
    assert!(text.contains("4 record(s) from 2 service(s)"), "{text}");
    assert!(
        text.contains(&format!("2 incident(s) in {table}")),
        "{text}"
    );

    // Clear failures, each with its exit code.
    let code = |args: &[&str]| {
        let output = run_any(&moto, "analyzer-lambda", args, &analyzer_env);
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let (status, stderr) = code(&["trace", "req 1", "--log-group", ORDERS_GROUP]);
    assert_eq!(status, Some(2), "{stderr}");
    assert!(stderr.contains("is not a trace id"), "{stderr}");
    let (status, stderr) = code(&["trace", TRACE_W3C, "--log-group", "/trace/nope"]);
    assert_eq!(status, Some(3), "{stderr}");
    assert!(stderr.contains("/trace/nope"), "{stderr}");
    let unknown = "4bf92f3577b34da6a3ce929d0e0e4736";
    let (status, stderr) = code(&["trace", unknown, "--log-group", ORDERS_GROUP]);
    assert_eq!(status, Some(4), "{stderr}");
    assert!(stderr.contains("no record of trace"), "{stderr}");

    let _ = std::fs::remove_dir_all(&scratch);
}

//! What `provision` must never do against moto: delete a log group holding the
//! application's events without being told, create anything from input AWS would refuse,
//! or bury a protocol mismatch in a multi-line dump.

use aws_sdk_cloudwatchlogs::types::InputLogEvent;
use serde_json::{Value, json};
use test_support::Moto;

use super::sdk::Sdk;
use super::{json_of, lambda_zip, provision};

/// The application's group, created by `up`.
const APP_GROUP: &str = "/app/payments";

/// Writes `records` to `group` as the application's layer would: one stream, one
/// PutLogEvents of JSON records.
async fn write_app_logs(sdk: &Sdk, group: &str, records: &[Value]) {
    let stream = "payments-api/host-1/42/2026-11-30T13:00:00Z";
    sdk.logs
        .create_log_stream()
        .log_group_name(group)
        .log_stream_name(stream)
        .send()
        .await
        .unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let mut request = sdk
        .logs
        .put_log_events()
        .log_group_name(group)
        .log_stream_name(stream);
    for record in records {
        request = request.log_events(
            InputLogEvent::builder()
                .timestamp(now)
                .message(record.to_string())
                .build()
                .unwrap(),
        );
    }
    request.send().await.unwrap();
}

/// The messages stored in `group`, parsed.
async fn stored_records(sdk: &Sdk, group: &str) -> Vec<Value> {
    let out = sdk
        .logs
        .filter_log_events()
        .log_group_name(group)
        .send()
        .await
        .unwrap();
    out.events()
        .iter()
        .map(|e| serde_json::from_str(e.message().unwrap()).unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn down_leaves_an_application_log_group_that_holds_events() {
    let moto = Moto::start();
    let sdk = Sdk::new(&moto).await;
    let dir = tempfile::tempdir().unwrap();
    let zip = lambda_zip(dir.path(), "#!/bin/sh\n");
    let zip_arg = zip.to_str().unwrap();

    // up creates the application's log group (tagged: provision made it).
    let up = provision(
        &moto,
        &[
            "up",
            "--json",
            "--no-dashboard",
            "--lambda-zip",
            zip_arg,
            "--log-group",
            APP_GROUP,
        ],
    );
    assert_eq!(up.status.code(), Some(0));
    // The plan said what `down` would keep.
    let notes = json_of(&up)["plan"]["notes"].clone();
    assert!(
        notes.as_array().unwrap().iter().any(|n| n
            .as_str()
            .unwrap()
            .contains("--delete-log-groups-with-data")
            && n.as_str().unwrap().contains(APP_GROUP)),
        "{notes}"
    );
    assert!(sdk.group_names().await.contains(&APP_GROUP.to_string()));

    // The application writes to it.
    let records = [
        json!({"level": "ERROR", "message": "payment failed", "service": "payments-api"}),
        json!({"level": "INFO", "message": "order placed", "service": "payments-api"}),
    ];
    write_app_logs(&sdk, APP_GROUP, &records).await;

    // `down --dry-run` and `status` say the group stays; nothing changes.
    let dry = provision(&moto, &["down", "--dry-run", "--json", "--no-dashboard"]);
    assert_eq!(dry.status.code(), Some(0));
    let dry = json_of(&dry);
    assert!(
        !dry["steps"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["op"]["kind"] == "delete_log_group" && s["op"]["group"] == APP_GROUP),
        "{dry}"
    );
    let status = json_of(&provision(&moto, &["status", "--json", "--no-dashboard"]));
    let row = status["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == APP_GROUP)
        .unwrap()
        .clone();
    assert!(row["detail"].as_str().unwrap().contains("holds log events"));

    // down removes the stack, and leaves the group with its events.
    let down = provision(&moto, &["down", "--json", "--no-dashboard"]);
    assert_eq!(down.status.code(), Some(0));
    let kept = json_of(&down)["plan"]["notes"].clone();
    assert!(
        kept.as_array().unwrap().iter().any(|n| {
            let n = n.as_str().unwrap();
            n.contains(APP_GROUP) && n.contains("holds log events")
        }),
        "{kept}"
    );
    assert!(sdk.group_names().await.contains(&APP_GROUP.to_string()));
    assert_eq!(stored_records(&sdk, APP_GROUP).await, records);
    assert!(sdk.filters(APP_GROUP).await.is_empty(), "our filter goes");
    assert!(
        sdk.lambda
            .get_function()
            .function_name("logpipe-analyzer")
            .send()
            .await
            .is_err()
    );
    // Every group left is one `down` said it kept (moto logs its failed attempts to run the
    // analyzer into the analyzer's own group, which is then kept too).
    for group in sdk.group_names().await {
        assert!(
            kept.as_array()
                .unwrap()
                .iter()
                .any(|n| n.as_str().unwrap().contains(&format!("log group {group} "))),
            "{group} left without a note: {kept}"
        );
    }

    // Told explicitly, down deletes it, events and all.
    let purge = provision(
        &moto,
        &[
            "down",
            "--json",
            "--no-dashboard",
            "--log-group",
            APP_GROUP,
            "--delete-log-groups-with-data",
        ],
    );
    assert_eq!(purge.status.code(), Some(0));
    assert!(json_of(&purge)["applied"].as_u64().unwrap() >= 1);
    let left = sdk.group_names().await;
    assert!(!left.contains(&APP_GROUP.to_string()), "{left:?}");
    assert!(
        !left.iter().any(|g| g.starts_with("/aws/lambda/logpipe")),
        "{left:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn down_keeps_the_incidents_and_the_failed_events_unless_told() {
    let moto = Moto::start();
    let sdk = Sdk::new(&moto).await;
    let dir = tempfile::tempdir().unwrap();
    let zip = lambda_zip(dir.path(), "#!/bin/sh\n");
    let zip_arg = zip.to_str().unwrap();
    let up = provision(
        &moto,
        &["up", "--json", "--no-dashboard", "--lambda-zip", zip_arg],
    );
    assert_eq!(up.status.code(), Some(0));

    // An incident, as the analyzer stores it, and an event the analyzer failed on.
    sdk.dynamodb
        .put_item()
        .table_name("logpipe-Incidents")
        .item(
            "incident_id",
            aws_sdk_dynamodb::types::AttributeValue::S("0123abcd".into()),
        )
        .send()
        .await
        .unwrap();
    let queue_url = sdk
        .sqs
        .get_queue_url()
        .queue_name("logpipe-analyzer-dlq")
        .send()
        .await
        .unwrap()
        .queue_url()
        .unwrap()
        .to_string();
    sdk.sqs
        .send_message()
        .queue_url(&queue_url)
        .message_body(r#"{"awslogs":{"data":"..."}}"#)
        .send()
        .await
        .unwrap();

    let down = provision(&moto, &["down", "--json", "--no-dashboard"]);
    assert_eq!(down.status.code(), Some(0));
    let notes = json_of(&down)["plan"]["notes"].to_string();
    assert!(
        notes.contains("DynamoDB table logpipe-Incidents (it holds incidents"),
        "{notes}"
    );
    assert!(
        notes.contains("SQS queue logpipe-analyzer-dlq (it holds events"),
        "{notes}"
    );
    let table = sdk
        .dynamodb
        .describe_table()
        .table_name("logpipe-Incidents")
        .send()
        .await;
    assert!(table.is_ok(), "the incidents are kept");
    assert!(
        sdk.sqs
            .get_queue_url()
            .queue_name("logpipe-analyzer-dlq")
            .send()
            .await
            .is_ok()
    );
    // The rest of the stack is gone.
    assert!(
        sdk.lambda
            .get_function()
            .function_name("logpipe-analyzer")
            .send()
            .await
            .is_err()
    );

    // A later `up` takes the kept table as it is; told, `down` deletes both.
    let up = provision(
        &moto,
        &["up", "--json", "--no-dashboard", "--lambda-zip", zip_arg],
    );
    assert_eq!(up.status.code(), Some(0));
    let count = sdk
        .dynamodb
        .scan()
        .table_name("logpipe-Incidents")
        .send()
        .await
        .unwrap()
        .count();
    assert_eq!(count, 1);
    let purge = provision(
        &moto,
        &["down", "--json", "--no-dashboard", "--delete-incidents"],
    );
    assert_eq!(purge.status.code(), Some(0));
    assert!(
        sdk.dynamodb
            .describe_table()
            .table_name("logpipe-Incidents")
            .send()
            .await
            .is_err()
    );
    assert!(
        sdk.sqs
            .get_queue_url()
            .queue_name("logpipe-analyzer-dlq")
            .send()
            .await
            .is_err()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_input_is_refused_before_anything_is_created() {
    let moto = Moto::start();
    let sdk = Sdk::new(&moto).await;
    let dir = tempfile::tempdir().unwrap();
    let zip = lambda_zip(dir.path(), "#!/bin/sh\n");
    let zip_arg = zip.to_str().unwrap();

    let cases: [(&[&str], &str); 10] = [
        (&["--log-group", "no spaces allowed?*"], "log group"),
        (&["--log-group", &"/g".repeat(257)], "log group"),
        (&["--prefix", "bad_prefix"], "prefix"),
        (&["--alert-email", "oncall.example.com"], "e-mail address"),
        (
            &["--alert-sqs", "arn:aws:sns:us-east-1:123456789012:x"],
            "SQS queue ARN",
        ),
        (
            &["--alert-https", "http://hooks.example.com"],
            "HTTPS endpoint",
        ),
        (
            &["--analyzer-env", "AWS_REGION=eu-west-1"],
            "environment variable",
        ),
        (&["--retention-days", "10"], "retention"),
        (&["--memory-mb", "64"], "memory"),
        (&["--region", "us-east-1a"], "region"),
    ];
    for (bad, what) in cases {
        let args = [
            &[
                "up",
                "--no-dashboard",
                "--lambda-zip",
                zip_arg,
                "--log-group",
                "/app/ok",
            ][..],
            bad,
        ]
        .concat();
        let out = provision(&moto, &args);
        assert_eq!(out.status.code(), Some(2), "{bad:?} is a usage error");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
        assert!(stderr.starts_with("error: "), "{stderr}");
        assert!(stderr.contains(what), "{what} in {stderr}");
    }

    // Forgetting --no-dashboard against moto: one line that says to use it, and nothing made.
    let out = provision(
        &moto,
        &["up", "--lambda-zip", zip_arg, "--log-group", "/app/ok"],
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error")).collect();
    assert_eq!(errors.len(), 1, "{stderr}");
    assert!(errors[0].contains("--no-dashboard"), "{stderr}");
    assert!(!stderr.contains("0x3c"), "{stderr}");

    // Nothing of any kind exists.
    assert!(sdk.group_names().await.is_empty());
    let roles = sdk.iam.list_roles().send().await.unwrap();
    assert!(roles.roles().is_empty());
    let tables = sdk.dynamodb.list_tables().send().await.unwrap();
    assert!(tables.table_names().is_empty());
    let topics = sdk.sns.list_topics().send().await.unwrap();
    assert!(topics.topics().is_empty());
    let queues = sdk.sqs.list_queues().send().await.unwrap();
    assert!(queues.queue_urls().is_empty());
    let functions = sdk.lambda.list_functions().send().await.unwrap();
    assert!(functions.functions().is_empty());
}

//! `provision` against moto: the binary is run as a user would, and the result is checked
//! with the SDK.
//!
//! The dashboard is left out (`--no-dashboard`): aws-sdk-cloudwatch speaks the
//! smithy-rpcv2-cbor protocol, which moto 5.2.5 does not serve (GetDashboard gets a 404).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{Value, json};
use test_support::{ACCOUNT_ID, Moto};

#[path = "support/sdk.rs"]
mod sdk;
use sdk::Sdk;

#[path = "provision/safety.rs"]
mod safety;

#[path = "provision/status.rs"]
mod status;

const FUNCTION: &str = "logpipe-analyzer";
const FUNCTION_ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:logpipe-analyzer";
const TABLE_ARN: &str = "arn:aws:dynamodb:us-east-1:123456789012:table/logpipe-Incidents";
const TOPIC_ARN: &str = "arn:aws:sns:us-east-1:123456789012:logpipe-alerts";
/// The application's group that exists before `up` (with someone else's filter).
const EXISTING_GROUP: &str = "/app/orders";
/// The application's group `up` creates.
const NEW_GROUP: &str = "/app/billing";

/// A small Lambda zip (a shell script as `bootstrap`): moto never runs it.
fn lambda_zip(dir: &Path, script: &str) -> PathBuf {
    use std::io::Write;
    let path = dir.join("analyzer.zip");
    let mut writer = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    let options = zip::write::SimpleFileOptions::default().unix_permissions(0o755);
    writer.start_file("bootstrap", options).unwrap();
    writer.write_all(script.as_bytes()).unwrap();
    writer.finish().unwrap();
    path
}

/// The Rust toolchain's environment (the binary runs cargo and rustc to build the analyzer),
/// without HOME, so that no AWS profile of the machine is read.
fn toolchain_env() -> Vec<(String, String)> {
    let var = |k: &str| std::env::var(k).ok();
    let home = var("HOME").unwrap_or_default();
    let mut env = vec![
        (
            "RUSTUP_HOME".to_string(),
            var("RUSTUP_HOME").unwrap_or(format!("{home}/.rustup")),
        ),
        (
            "CARGO_HOME".to_string(),
            var("CARGO_HOME").unwrap_or(format!("{home}/.cargo")),
        ),
    ];
    for k in ["PATH", "RUSTUP_TOOLCHAIN", "CARGO_TARGET_DIR"] {
        env.extend(var(k).map(|v| (k.to_string(), v)));
    }
    env
}

/// Runs the binary against `moto` only (cleared environment: no profile, no real account).
fn provision(moto: &Moto, args: &[&str]) -> Output {
    provision_with_env(moto, args, &[])
}

/// [`provision`] with `env` set too (the `LOGPIPE_*` fallbacks of the options).
fn provision_with_env(moto: &Moto, args: &[&str], env: &[(&str, &str)]) -> Output {
    let output = Command::new(env!("CARGO_BIN_EXE_provision"))
        .args(args)
        .env_clear()
        .envs(toolchain_env())
        .envs(moto.env())
        .envs(env.iter().copied())
        .output()
        .expect("provision runs");
    eprintln!(
        "$ {}provision {}\n-> {}\n{}",
        env.iter()
            .map(|(k, v)| format!("{k}={v:?} "))
            .collect::<String>(),
        args.join(" "),
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn json_of(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

fn stack_args<'a>(zip: &'a str, alert_queue: &'a str) -> Vec<&'a str> {
    vec![
        "--json",
        "--no-dashboard",
        "--log-group",
        EXISTING_GROUP,
        "--log-group",
        NEW_GROUP,
        "--lambda-zip",
        zip,
        "--alert-sqs",
        alert_queue,
        "--alert-severity",
        "CRITICAL",
        "--retention-days",
        "14",
    ]
}

#[tokio::test(flavor = "multi_thread")]
async fn up_converges_and_down_removes_only_ours() {
    let moto = Moto::start();
    let sdk = Sdk::new(&moto).await;
    let dir = tempfile::tempdir().unwrap();
    let zip = lambda_zip(dir.path(), "#!/bin/sh\necho v1\n");
    let alert_queue = sdk.foreign_resources(&zip).await;
    let zip_arg = zip.to_str().unwrap().to_string();
    let args = stack_args(&zip_arg, &alert_queue);
    let with = |command: &'static str| [&[command][..], &args[..]].concat();

    // plan on an empty stack: changes pending (exit 4), nothing created.
    let plan = provision(&moto, &with("plan"));
    assert_eq!(plan.status.code(), Some(4));
    let steps = json_of(&plan)["steps"].as_array().unwrap().len();
    assert_eq!(
        steps, 15,
        "role, policy, table, ttl, queue, topic, subscription, function, invoke config, 3 groups, 2 permissions... "
    );
    assert!(
        sdk.iam
            .get_role()
            .role_name("logpipe-analyzer-role")
            .send()
            .await
            .is_err()
    );

    // up creates everything.
    let up = provision(&moto, &with("up"));
    assert_eq!(up.status.code(), Some(0));
    assert_eq!(json_of(&up)["applied"], 15);

    // The role's policy names the exact ARNs.
    let policy = sdk
        .iam
        .get_role_policy()
        .role_name("logpipe-analyzer-role")
        .policy_name("logpipe-analyzer")
        .send()
        .await
        .unwrap();
    let raw = policy.policy_document();
    let decoded = percent_encoding::percent_decode_str(raw).decode_utf8_lossy();
    let document: Value =
        serde_json::from_str(if raw.starts_with('{') { raw } else { &decoded }).unwrap();
    let statements = document["Statement"].as_array().unwrap();
    let resources_of =
        |sid: &str| statements.iter().find(|s| s["Sid"] == sid).unwrap()["Resource"].clone();
    assert_eq!(resources_of("WriteIncidents"), json!(TABLE_ARN));
    assert_eq!(
        resources_of("FindTraceErrors"),
        json!(format!("{TABLE_ARN}/index/by_trace_id"))
    );
    let write = statements
        .iter()
        .find(|s| s["Sid"] == "WriteIncidents")
        .unwrap();
    assert_eq!(
        write["Action"],
        json!([
            "dynamodb:BatchGetItem",
            "dynamodb:BatchWriteItem",
            "dynamodb:UpdateItem"
        ])
    );
    assert_eq!(resources_of("PublishAlerts"), json!(TOPIC_ARN));
    assert!(!document.to_string().contains("\"*\""));

    // The permission of each group: principal, SourceArn, SourceAccount.
    let lambda_policy: Value = serde_json::from_str(
        sdk.lambda
            .get_policy()
            .function_name(FUNCTION)
            .send()
            .await
            .unwrap()
            .policy()
            .unwrap(),
    )
    .unwrap();
    for group in [EXISTING_GROUP, NEW_GROUP] {
        let source = format!("arn:aws:logs:us-east-1:{ACCOUNT_ID}:log-group:{group}:*");
        let statement = lambda_policy["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["Condition"]["ArnLike"]["AWS:SourceArn"] == source.as_str())
            .unwrap_or_else(|| panic!("no permission for {group}: {lambda_policy}"));
        assert_eq!(statement["Principal"]["Service"], "logs.amazonaws.com");
        assert_eq!(
            statement["Condition"]["StringEquals"]["AWS:SourceAccount"],
            ACCOUNT_ID
        );
    }

    // Filters: ours with the error pattern to the analyzer; the foreign one untouched.
    let filters = sdk.filters(EXISTING_GROUP).await;
    assert_eq!(filters.len(), 2, "{filters:?}");
    let ours = filters.iter().find(|f| f.0 == "logpipe-errors").unwrap();
    // The default pattern: level names and the Lambda runtime's own failure lines, as
    // unstructured `?` terms so that non-JSON lines reach the analyzer too.
    for term in [
        "?ERR ",
        "?FATAL ",
        "?CRIT ",
        "?Crit ",
        r#"?"Task timed out after""#,
    ] {
        assert!(ours.1.contains(term), "{term} missing from {}", ours.1);
    }
    assert_eq!(ours.2, FUNCTION_ARN);
    assert!(
        filters
            .iter()
            .any(|f| f.0 == "siem" && f.2.ends_with(":function:siem-forwarder"))
    );
    assert_eq!(sdk.filters(NEW_GROUP).await.len(), 1);

    // TTL, retention (ours: 14 days; the application's existing group: unchanged).
    let ttl = sdk
        .dynamodb
        .describe_time_to_live()
        .table_name("logpipe-Incidents")
        .send()
        .await
        .unwrap();
    let ttl = ttl.time_to_live_description().unwrap();
    assert_eq!(ttl.attribute_name(), Some("ttl"));
    assert_eq!(
        ttl.time_to_live_status().map(|s| s.as_str()),
        Some("ENABLED")
    );
    let table = sdk
        .dynamodb
        .describe_table()
        .table_name("logpipe-Incidents")
        .send()
        .await
        .unwrap();
    let mut indexes: Vec<&str> = table
        .table()
        .unwrap()
        .global_secondary_indexes()
        .iter()
        .filter_map(|i| i.index_name())
        .collect();
    indexes.sort_unstable();
    assert_eq!(indexes, ["by_service", "by_trace_id"]);
    assert_eq!(sdk.retention(NEW_GROUP).await, Some(14));
    assert_eq!(
        sdk.retention("/aws/lambda/logpipe-analyzer").await,
        Some(14)
    );
    assert_eq!(sdk.retention(EXISTING_GROUP).await, None);

    // The function: runtime, environment, on-failure destination.
    let function = sdk
        .lambda
        .get_function_configuration()
        .function_name(FUNCTION)
        .send()
        .await
        .unwrap();
    assert_eq!(
        function.runtime().map(|r| r.as_str()),
        Some("provided.al2023")
    );
    let env = function.environment().unwrap().variables().unwrap();
    assert_eq!(env["INCIDENTS_TABLE"], "logpipe-Incidents");
    assert_eq!(env["ALERTS_TOPIC_ARN"], TOPIC_ARN);
    let invoke = sdk
        .lambda
        .get_function_event_invoke_config()
        .function_name(FUNCTION)
        .send()
        .await
        .unwrap();
    assert_eq!(
        invoke
            .destination_config()
            .and_then(|d| d.on_failure())
            .and_then(|o| o.destination()),
        Some("arn:aws:sqs:us-east-1:123456789012:logpipe-analyzer-dlq")
    );

    // The alert subscription, with its severity filter policy.
    let subs = sdk
        .sns
        .list_subscriptions_by_topic()
        .topic_arn(TOPIC_ARN)
        .send()
        .await
        .unwrap();
    let sub = &subs.subscriptions()[0];
    assert_eq!(sub.endpoint(), Some(alert_queue.as_str()));
    let attrs = sdk
        .sns
        .get_subscription_attributes()
        .subscription_arn(sub.subscription_arn().unwrap())
        .send()
        .await
        .unwrap();
    let filter_policy: Value =
        serde_json::from_str(&attrs.attributes().unwrap()["FilterPolicy"]).unwrap();
    assert_eq!(filter_policy, json!({"severity": ["CRITICAL"]}));

    // A second up finds nothing to do; so does plan (exit 0).
    let again = provision(&moto, &with("up"));
    assert_eq!(again.status.code(), Some(0));
    assert_eq!(json_of(&again)["applied"], 0);
    assert_eq!(provision(&moto, &with("plan")).status.code(), Some(0));

    // Drift (memory changed by hand, new code): updates only.
    sdk.lambda
        .update_function_configuration()
        .function_name(FUNCTION)
        .memory_size(1024)
        .send()
        .await
        .unwrap();
    let zip_v2 = lambda_zip(dir.path(), "#!/bin/sh\necho v2\n");
    assert_eq!(zip_v2, zip);
    let drift = provision(&moto, &with("plan"));
    assert_eq!(drift.status.code(), Some(4));
    let drift = json_of(&drift);
    let kinds: Vec<(&str, &str)> = drift["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["action"].as_str().unwrap(),
                s["resource"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [("update", "lambda-code"), ("update", "lambda-function")]
    );
    assert_eq!(provision(&moto, &with("up")).status.code(), Some(0));
    assert_eq!(provision(&moto, &with("plan")).status.code(), Some(0));
    let function = sdk
        .lambda
        .get_function_configuration()
        .function_name(FUNCTION)
        .send()
        .await
        .unwrap();
    assert_eq!(function.memory_size(), Some(256));

    // status lists our resources.
    let status = json_of(&provision(
        &moto,
        &[
            "status",
            "--json",
            "--no-dashboard",
            "--log-group",
            EXISTING_GROUP,
        ],
    ));
    let rows = status["rows"].as_array().unwrap();
    assert!(
        rows.iter()
            .any(|r| r["resource"] == "lambda-function" && r["owner"] == "ours")
    );
    assert!(
        rows.iter()
            .any(|r| r["name"] == EXISTING_GROUP && r["owner"] == "foreign")
    );

    // down (without --log-group: it finds the subscribed groups from the permissions).
    let down = provision(&moto, &["down", "--json", "--no-dashboard"]);
    assert_eq!(down.status.code(), Some(0));
    assert!(json_of(&down)["applied"].as_u64().unwrap() >= 10);
    assert!(
        sdk.iam
            .get_role()
            .role_name("logpipe-analyzer-role")
            .send()
            .await
            .is_err()
    );
    assert!(
        sdk.dynamodb
            .describe_table()
            .table_name("logpipe-Incidents")
            .send()
            .await
            .is_err()
    );
    assert!(
        sdk.lambda
            .get_function()
            .function_name(FUNCTION)
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
    assert!(
        sdk.sns
            .get_topic_attributes()
            .topic_arn(TOPIC_ARN)
            .send()
            .await
            .is_err()
    );
    let groups = sdk.group_names().await;
    assert!(
        !groups.contains(&NEW_GROUP.to_string())
            && !groups.iter().any(|g| g.starts_with("/aws/lambda/logpipe"))
    );
    // What was not ours is still there, as it was.
    assert!(groups.contains(&EXISTING_GROUP.to_string()));
    let left: Vec<String> = sdk
        .filters(EXISTING_GROUP)
        .await
        .into_iter()
        .map(|f| f.0)
        .collect();
    assert_eq!(left, ["siem"]);
    assert!(
        sdk.lambda
            .get_function()
            .function_name("siem-forwarder")
            .send()
            .await
            .is_ok()
    );
    assert!(
        sdk.dynamodb
            .describe_table()
            .table_name("OtherTeamTable")
            .send()
            .await
            .is_ok()
    );
    assert!(
        sdk.sqs
            .get_queue_url()
            .queue_name("ops-alerts")
            .send()
            .await
            .is_ok()
    );
    assert!(
        sdk.iam
            .get_role()
            .role_name("siem-role")
            .send()
            .await
            .is_ok()
    );

    // down again: nothing to do, success.
    let again = provision(&moto, &["down", "--json", "--no-dashboard"]);
    assert_eq!(again.status.code(), Some(0));
    assert_eq!(json_of(&again)["applied"], 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_group_full_of_foreign_filters_blocks_up_before_any_change() {
    let moto = Moto::start();
    let sdk = Sdk::new(&moto).await;
    let dir = tempfile::tempdir().unwrap();
    let zip = lambda_zip(dir.path(), "#!/bin/sh\n");
    let alert_queue = sdk.foreign_resources(&zip).await;
    sdk.put_foreign_filter(EXISTING_GROUP, "metrics").await;
    let zip_arg = zip.to_str().unwrap().to_string();
    let args = [&["up"][..], &stack_args(&zip_arg, &alert_queue)[..]].concat();

    let up = provision(&moto, &args);
    assert_eq!(up.status.code(), Some(3));
    let out = json_of(&up);
    assert_eq!(out["result"], "refused");
    let problem = out["plan"]["refusals"][0]["problem"].as_str().unwrap();
    assert!(problem.contains("siem, metrics"), "{problem}");
    assert!(
        sdk.iam
            .get_role()
            .role_name("logpipe-analyzer-role")
            .send()
            .await
            .is_err()
    );
    let names: Vec<String> = sdk
        .filters(EXISTING_GROUP)
        .await
        .into_iter()
        .map(|f| f.0)
        .collect();
    assert_eq!(names, ["siem", "metrics"]);

    // Subscribing the analyzer's own log group is a usage error (exit 2).
    let own = provision(
        &moto,
        &[
            "plan",
            "--no-dashboard",
            "--lambda-zip",
            &zip_arg,
            "--log-group",
            "/aws/lambda/logpipe-analyzer",
        ],
    );
    assert_eq!(own.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&own.stderr).contains("analyzer's own log group"));

    // Without --lambda-zip, an architecture whose Rust standard library this machine lacks
    // is refused with a way out (exit 1, before any change): the aarch64 std cannot be
    // installed here.
    if !aarch64_std_installed() {
        let cross = provision(
            &moto,
            &["plan", "--no-dashboard", "--architecture", "arm64"],
        );
        assert_eq!(cross.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&cross.stderr);
        assert!(
            stderr.contains("cannot build the analyzer for arm64 here"),
            "{stderr}"
        );
        assert!(
            stderr.contains("rustup target add aarch64-unknown-linux-gnu"),
            "{stderr}"
        );
        assert!(stderr.contains("--lambda-zip"), "{stderr}");
        assert!(stderr.contains("provision/README.md"), "{stderr}");
    }
}

/// Issue 14: the webhook URLs go into a secret only the role may read; they are in no plan,
/// progress line, output or Lambda variable; `down` removes the secret.
#[tokio::test(flavor = "multi_thread")]
async fn webhook_urls_live_only_in_their_secret() {
    const TOKEN: &str = "T0SECRET/B0SECRET/WeBhOoKtOkEn";
    let moto = Moto::start();
    let dir = tempfile::tempdir().unwrap();
    let zip = lambda_zip(dir.path(), "#!/bin/sh\nexit 1\n");
    let slack = format!("http://127.0.0.1:9/slack/{TOKEN}");
    let teams = format!("https://prod-01.westus.logic.azure.com/workflows/{TOKEN}");
    let args = |command: &'static str| {
        vec![
            command.to_string(),
            "--no-dashboard".into(),
            "--log-group".into(),
            NEW_GROUP.into(),
            "--lambda-zip".into(),
            zip.to_str().unwrap().into(),
            "--alert-slack-webhook".into(),
            slack.clone(),
            "--alert-teams-webhook".into(),
            teams.clone(),
        ]
    };
    let run = |args: Vec<String>| {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = provision(&moto, &refs);
        let shown = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            !shown.contains("SECRET"),
            "a webhook URL was printed:\n{shown}"
        );
        (output, shown)
    };

    let (plan, shown) = run(args("plan"));
    assert_eq!(plan.status.code(), Some(4), "{shown}");
    assert!(shown.contains("logpipe-alert-webhooks"), "{shown}");
    assert!(shown.contains("Slack http://127.0.0.1:9/…"), "{shown}");
    let mut json_plan = args("plan");
    json_plan.insert(1, "--json".into());
    run(json_plan);
    let (up, shown) = run(args("up"));
    assert!(up.status.success(), "{shown}");
    let (again, shown) = run(args("plan"));
    assert_eq!(again.status.code(), Some(0), "converged: {shown}");

    let config = moto.sdk_config().await;
    let secrets = aws_sdk_secretsmanager::Client::new(&config);
    let value: Value = serde_json::from_str(
        secrets
            .get_secret_value()
            .secret_id("logpipe-alert-webhooks")
            .send()
            .await
            .unwrap()
            .secret_string()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(value, json!({ "slack": slack, "teams": teams }));
    let env = aws_sdk_lambda::Client::new(&config)
        .get_function_configuration()
        .function_name(FUNCTION)
        .send()
        .await
        .unwrap()
        .environment
        .and_then(|e| e.variables)
        .unwrap_or_default();
    assert_eq!(env["ALERT_WEBHOOKS_SECRET"], "logpipe-alert-webhooks");
    assert_eq!(env["TRACE_LOG_GROUPS"], NEW_GROUP);
    assert!(env.values().all(|v| !v.contains("SECRET")), "{env:?}");
    let policy = aws_sdk_iam::Client::new(&config)
        .get_role_policy()
        .role_name("logpipe-analyzer-role")
        .policy_name("logpipe-analyzer")
        .send()
        .await
        .unwrap();
    let document = urlencoding_decode(policy.policy_document());
    let document: Value = serde_json::from_str(&document).unwrap();
    let statement = document["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["Sid"] == "ReadAlertWebhooks")
        .expect("a statement for the secret");
    assert_eq!(statement["Action"], "secretsmanager:GetSecretValue");
    assert_eq!(
        statement["Resource"],
        format!(
            "arn:aws:secretsmanager:us-east-1:{ACCOUNT_ID}:secret:logpipe-alert-webhooks-??????"
        )
    );

    let down = provision(&moto, &["down", "--no-dashboard"]);
    assert!(down.status.success());
    let gone = secrets
        .describe_secret()
        .secret_id("logpipe-alert-webhooks")
        .send()
        .await;
    assert!(
        gone.is_err() || gone.unwrap().deleted_date().is_some(),
        "down removes the secret"
    );
}

/// IAM returns policy documents URL-encoded; moto may not.
fn urlencoding_decode(raw: &str) -> String {
    if raw.trim_start().starts_with('{') {
        return raw.to_string();
    }
    percent_encoding::percent_decode_str(raw)
        .decode_utf8_lossy()
        .into_owned()
}

/// Whether rustc's sysroot has the aarch64 Linux standard library.
fn aarch64_std_installed() -> bool {
    let out = Command::new("rustc")
        .args(["--print", "sysroot"])
        .output()
        .expect("rustc runs");
    Path::new(String::from_utf8_lossy(&out.stdout).trim())
        .join("lib/rustlib/aarch64-unknown-linux-gnu/lib")
        .is_dir()
}

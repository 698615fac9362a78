//! `status` against a stack broken by hand: every resource the stack needs has a row, a
//! missing one says so (exit code 4, like `plan` with changes to make), and its missing rows
//! are exactly what `plan` would create. The environment's lists and flags as users write
//! them.

use std::collections::BTreeSet;
use std::process::Output;

use serde_json::Value;
use test_support::Moto;

use super::sdk::Sdk;
use super::{json_of, lambda_zip, provision, provision_with_env};

const PREFIX: &str = "base";
const GROUP: &str = "/bb3/base";

/// (resource, name) of the status rows in `state`.
fn rows_in(status: &Value, state: &str) -> BTreeSet<(String, String)> {
    status["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["state"] == state)
        .map(|r| {
            (
                r["resource"].as_str().unwrap().to_string(),
                r["name"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn set(rows: &[(&str, &str)]) -> BTreeSet<(String, String)> {
    rows.iter()
        .map(|(r, n)| (r.to_string(), n.to_string()))
        .collect()
}

fn status(moto: &Moto, extra: &[&str]) -> Output {
    let args = [&["status", "--prefix", PREFIX, "--no-dashboard"][..], extra].concat();
    provision(moto, &args)
}

#[tokio::test(flavor = "multi_thread")]
async fn status_shows_every_missing_resource_of_a_broken_stack() {
    let moto = Moto::start();
    let sdk = Sdk::new(&moto).await;
    let dir = tempfile::tempdir().unwrap();
    let zip = lambda_zip(dir.path(), "#!/bin/sh\n");
    let stack = [
        "--prefix",
        PREFIX,
        "--log-group",
        GROUP,
        "--no-dashboard",
        "--lambda-zip",
        zip.to_str().unwrap(),
    ];
    let up = provision(&moto, &[&["up", "--json"][..], &stack].concat());
    assert_eq!(up.status.code(), Some(0));

    // Whole: every row present and ours, exit 0.
    let whole = status(&moto, &["--json", "--log-group", GROUP]);
    assert_eq!(whole.status.code(), Some(0));
    let whole = json_of(&whole);
    assert!(rows_in(&whole, "missing").is_empty(), "{whole:#}");
    let resources: BTreeSet<&str> = whole["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["resource"].as_str().unwrap())
        .collect();
    for resource in [
        "iam-role-policy",
        "lambda-invoke-config",
        "lambda-permission",
        "subscription-filter",
    ] {
        assert!(resources.contains(resource), "{resource}: {whole:#}");
    }

    // Broken by hand, as the black-box test did with boto3.
    let lambda_policy: Value = serde_json::from_str(
        sdk.lambda
            .get_policy()
            .function_name("base-analyzer")
            .send()
            .await
            .unwrap()
            .policy()
            .unwrap(),
    )
    .unwrap();
    let statement_ids: Vec<String> = lambda_policy["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["Sid"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(statement_ids.len(), 1, "{lambda_policy}");
    sdk.logs
        .delete_subscription_filter()
        .log_group_name(GROUP)
        .filter_name("base-errors")
        .send()
        .await
        .unwrap();
    sdk.logs
        .delete_log_group()
        .log_group_name("/aws/lambda/base-analyzer")
        .send()
        .await
        .unwrap();
    sdk.iam
        .delete_role_policy()
        .role_name("base-analyzer-role")
        .policy_name("base-analyzer")
        .send()
        .await
        .unwrap();
    sdk.lambda
        .delete_function_event_invoke_config()
        .function_name("base-analyzer")
        .send()
        .await
        .unwrap();
    for sid in &statement_ids {
        sdk.lambda
            .remove_permission()
            .function_name("base-analyzer")
            .statement_id(sid)
            .send()
            .await
            .unwrap();
    }

    let broken = status(&moto, &["--json", "--log-group", GROUP]);
    assert_eq!(broken.status.code(), Some(4), "something is missing");
    let broken = json_of(&broken);
    let missing = rows_in(&broken, "missing");
    assert_eq!(
        missing,
        set(&[
            ("iam-role-policy", "base-analyzer"),
            ("lambda-invoke-config", "base-analyzer"),
            ("lambda-permission", &statement_ids[0]),
            ("log-group", "/aws/lambda/base-analyzer"),
            ("subscription-filter", "/bb3/base:base-errors"),
        ]),
        "{broken:#}"
    );
    for row in broken["rows"].as_array().unwrap() {
        assert!(row["state"] == "missing" || row["owner"] == "ours", "{row}");
    }

    // What `plan` would create is what `status` says is missing.
    let plan = provision(&moto, &[&["plan", "--json"][..], &stack].concat());
    assert_eq!(plan.status.code(), Some(4));
    let creates: BTreeSet<(String, String)> = json_of(&plan)["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["action"] == "create")
        .map(|s| {
            (
                s["resource"].as_str().unwrap().to_string(),
                s["name"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(creates, missing);

    // The table says it too, on stdout.
    let text = status(&moto, &["--log-group", GROUP]);
    assert_eq!(text.status.code(), Some(4));
    let text = String::from_utf8_lossy(&text.stdout);
    assert_eq!(
        text.lines().filter(|l| l.contains(" missing ")).count(),
        5,
        "{text}"
    );
    assert!(
        text.lines()
            .last()
            .unwrap()
            .starts_with("5 of 11 resources of the stack are missing"),
        "{text}"
    );

    // A named group that does not exist has its rows, missing.
    let never = json_of(&status(&moto, &["--json", "--log-group", "/bb3/never"]));
    let missing = rows_in(&never, "missing");
    for (resource, name) in [
        ("log-group", "/bb3/never"),
        ("subscription-filter", "/bb3/never:base-errors"),
    ] {
        assert!(
            missing.contains(&(resource.to_string(), name.to_string())),
            "{resource} {name}: {never:#}"
        );
    }
    assert!(
        missing.iter().any(|(r, _)| r == "lambda-permission"),
        "{never:#}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn lists_and_flags_from_the_environment_take_what_users_write() {
    let moto = Moto::start();

    // A trailing comma and spaces; `1` for a flag.
    let out = provision_with_env(
        &moto,
        &["status", "--json"],
        &[
            ("LOGPIPE_LOG_GROUPS", "/bb3/a, /bb3/b,"),
            ("LOGPIPE_NO_DASHBOARD", "1"),
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(4),
        "an empty account misses everything"
    );
    let status = json_of(&out);
    let groups: BTreeSet<(String, String)> = rows_in(&status, "missing")
        .into_iter()
        .filter(|(r, _)| r == "log-group")
        .collect();
    assert_eq!(
        groups,
        set(&[
            ("log-group", "/aws/lambda/logpipe-analyzer"),
            ("log-group", "/bb3/a"),
            ("log-group", "/bb3/b"),
        ])
    );
    assert!(
        !status.to_string().contains("\"dashboard\""),
        "the dashboard is left out: {status:#}"
    );

    for yes in ["yes", "TRUE", "On"] {
        let out = provision_with_env(
            &moto,
            &["status", "--json"],
            &[("LOGPIPE_NO_DASHBOARD", yes)],
        );
        assert_eq!(out.status.code(), Some(4), "{yes}");
    }
    // Empty or off: the dashboard is read, which moto cannot serve: the one line that says
    // to pass --no-dashboard, not a usage error about the variable.
    for off in ["", "0", "off", "No"] {
        let out = provision_with_env(
            &moto,
            &["status", "--json"],
            &[("LOGPIPE_NO_DASHBOARD", off)],
        );
        assert_eq!(out.status.code(), Some(1), "{off:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("Run again with --no-dashboard"), "{stderr}");
    }
    let out = provision_with_env(
        &moto,
        &["status", "--json"],
        &[("LOGPIPE_NO_DASHBOARD", "maybe")],
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("error: invalid value 'maybe' for '--no-dashboard'"),
        "{stderr}"
    );
}

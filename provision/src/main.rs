//! `provision`: plan, create and remove the logpipe pipeline's AWS resources.
//!
//! `plan` computes a [`step::Plan`] from the desired state (options) and the current state
//! (read from AWS) and prints it; `up` applies it step by step; `down` plans and applies the
//! removal of what this tool created; `status` lists every resource of the stack, present or
//! missing. See the crate README.
//!
//! Exit codes: 0 success (`plan`: nothing to do; `status`: nothing missing), 1 failure (an AWS
//! call, the build, ...), 2 invalid usage, 3 refused (blocked plan; nothing changed), 4 changes
//! needed (`plan` found changes to make; `status` found a resource of the stack missing).

mod apply;
mod apply_dashboard;
mod apply_iam;
mod apply_lambda;
mod apply_logs;
mod apply_sns;
mod apply_sqs;
mod apply_table;
mod architecture;
mod aws;
mod cli;
mod current;
mod dashboard;
mod desired;
mod errors;
mod glibc;
mod lambda_build;
mod names;
mod package;
mod pattern;
mod plan;
mod policy;
mod rules;
mod state;
mod status;
mod step;
mod target;
mod teardown;
mod wait;
mod webhooks;

use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use aws_config::Region;
use serde_json::json;

use crate::cli::{AwsArgs, Cli, Command, PackageArgs, StackArgs};
use crate::desired::{Desired, Settings, Subscriber};
use crate::names::{Location, Names};
use crate::step::Plan;
use crate::target::Target;
use crate::teardown::DownOptions;

/// Everything went well (`plan`: nothing to do; `status`: nothing is missing).
const EXIT_OK: u8 = 0;
/// An AWS call, the build or another operation failed.
const EXIT_FAILED: u8 = 1;
/// Invalid options (the code clap uses for usage errors).
const EXIT_USAGE: u8 = 2;
/// The plan is blocked by a refusal; nothing was changed.
const EXIT_REFUSED: u8 = 3;
/// Changes needed: `plan` found changes to make; `status` found a resource of the stack
/// missing (which `up` would create).
const EXIT_CHANGES: u8 = 4;

/// An error that maps to [`EXIT_USAGE`].
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct Usage(String);

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse_from_args(std::env::args_os()).unwrap_or_else(|e| e.exit());
    match run(cli).await {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            let usage = e.downcast_ref::<Usage>().is_some();
            ExitCode::from(if usage { EXIT_USAGE } else { EXIT_FAILED })
        }
    }
}

async fn run(cli: Cli) -> Result<u8> {
    let g = match &cli.command {
        Command::Package(args) => return package(args),
        Command::Plan(args) | Command::Up(args) => &args.aws,
        Command::Down(args) => &args.aws,
        Command::Status(aws) => aws,
    };
    // Everything provision will send is checked before the first AWS call, so that bad input
    // creates nothing.
    let settings = match &cli.command {
        Command::Plan(args) | Command::Up(args) => Some(settings(g, args)),
        _ => None,
    };
    logpipe_aws::check_environment().map_err(|e| Usage(e.to_string()))?;
    let mut loader = logpipe_aws::config_loader();
    if let Some(region) = &g.region {
        loader = loader.region(Region::new(region.clone()));
    }
    let config = loader.load().await;
    let region = config
        .region()
        .map(|r| r.to_string())
        .ok_or_else(|| Usage("no AWS region: pass --region or set AWS_REGION".into()))?;
    validate(g, &region, settings.as_ref()).map_err(|e| Usage(e.to_string()))?;
    let identity = aws_sdk_sts::Client::new(&config)
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| errors::aws(e, "identifying the AWS account (sts:GetCallerIdentity)"))?;
    let account = identity
        .account()
        .context("GetCallerIdentity returned no account")?;
    let names = Names::new(&g.prefix, Location::new(&region, account));
    let clients = aws::Clients::new(&config);
    eprintln!("stack {:?} in account {account}, region {region}", g.prefix);

    match &cli.command {
        Command::Plan(args) | Command::Up(args) => {
            let mut settings = settings.context("internal error: no settings for plan/up")?;
            // What exists is read before the zip is built (minutes the first time): a
            // problem with the account or the endpoint shows at once.
            let app_log_groups = Desired::new(names.clone(), &settings).app_log_groups;
            let mut current =
                current::read(&clients, &names, &app_log_groups, !g.no_dashboard).await?;
            let zip = lambda_zip(args)?;
            settings.code_sha256 = zip.sha256.clone();
            let desired = Desired::new(names.clone(), &settings);
            current.webhook_secret =
                webhooks::read(&clients, &names, desired.webhooks.as_ref()).await?;
            let plan = plan::plan_up(&desired, &current);
            if matches!(cli.command, Command::Plan(_)) {
                print(g.json, &plan, &plan)?;
                return Ok(if plan.is_refused() {
                    EXIT_REFUSED
                } else if plan.is_empty() {
                    EXIT_OK
                } else {
                    EXIT_CHANGES
                });
            }
            execute(
                &clients,
                Target {
                    names: &names,
                    up: Some((&desired, &zip)),
                },
                g,
                &plan,
            )
            .await
        }
        Command::Down(args) => {
            let mut current =
                current::read(&clients, &names, &g.log_groups, !g.no_dashboard).await?;
            current.webhook_secret = webhooks::read(&clients, &names, None).await?;
            let options = DownOptions {
                delete_log_groups_with_data: args.delete_log_groups_with_data,
                delete_incidents: args.delete_incidents,
            };
            let plan = teardown::plan_down(&names, &current, options);
            if args.dry_run {
                print(g.json, &plan, &plan)?;
                return Ok(EXIT_OK);
            }
            execute(
                &clients,
                Target {
                    names: &names,
                    up: None,
                },
                g,
                &plan,
            )
            .await
        }
        Command::Status(_) => {
            // The same reading as `plan` and `down`; the secret as `down` reads it.
            let mut current =
                current::read(&clients, &names, &g.log_groups, !g.no_dashboard).await?;
            current.webhook_secret = webhooks::read(&clients, &names, None).await?;
            let status = status::status(&names, &g.log_groups, &current, !g.no_dashboard);
            print(g.json, &status, &status)?;
            Ok(if status.missing() > 0 {
                EXIT_CHANGES
            } else {
                EXIT_OK
            })
        }
        Command::Package(_) => unreachable!("handled before any AWS set-up"),
    }
}

/// The account in the ARNs checked before the account is known: names do not depend on it,
/// and the ARNs provision derives from it are well-formed by construction.
const ACCOUNT_NOT_YET_KNOWN: &str = "000000000000";

/// Checks every name, ARN, address and limit of the command against AWS's rules.
fn validate(
    g: &AwsArgs,
    region: &str,
    settings: Option<&Settings>,
) -> Result<(), desired::InvalidSetting> {
    desired::validate_prefix(&g.prefix)?;
    rules::region_name(region)?;
    let names = Names::new(&g.prefix, Location::new(region, ACCOUNT_NOT_YET_KNOWN));
    match settings {
        Some(settings) => desired::validate(&names, settings),
        None => Ok(rules::stack_names(&names, &g.log_groups)?),
    }
}

/// The settings of `plan` / `up`, from the options (not yet validated).
fn settings(g: &AwsArgs, args: &StackArgs) -> Settings {
    let subscribers = [
        ("email", &args.alert_emails),
        ("sqs", &args.alert_sqs),
        ("https", &args.alert_https),
    ]
    .into_iter()
    .flat_map(|(protocol, endpoints)| {
        endpoints.iter().map(move |e| Subscriber {
            protocol: protocol.into(),
            endpoint: e.clone(),
        })
    })
    .collect();
    Settings {
        log_groups: g.log_groups.clone(),
        subscribers,
        alert_severities: args
            .alert_severities
            .iter()
            .map(|s| s.to_ascii_uppercase())
            .collect(),
        retention_days: args.retention_days,
        filter_pattern: args
            .filter_pattern
            .clone()
            .unwrap_or_else(pattern::error_filter_pattern),
        memory_mb: args.memory_mb,
        timeout_secs: args.timeout_secs,
        architecture: args.architecture,
        code_sha256: String::new(),
        dashboard: !g.no_dashboard,
        extra_env: args.extra_env(),
        webhooks: webhooks::WebhookUrls {
            slack: args.alert_slack_webhook.clone(),
            teams: args.alert_teams_webhook.clone(),
        },
    }
}

/// The zip to deploy: `--lambda-zip`, or the analyzer built as `provision package` builds it.
fn lambda_zip(args: &StackArgs) -> Result<package::LambdaZip> {
    match &args.lambda_zip {
        Some(path) => {
            let zip = package::load(path)?;
            // A prebuilt zip may come from anywhere: check what it would run.
            lambda_build::check_prebuilt(&zip.bootstrap()?, args.architecture)
                .with_context(|| format!("checking {}", path.display()))?;
            Ok(zip)
        }
        None => {
            let artifact =
                lambda_build::build(&lambda_build::workspace_dir(), args.architecture, None)?;
            eprintln!("deploying {}", artifact.path.display());
            Ok(artifact.zip)
        }
    }
}

/// `provision package`: builds and checks the zip, prints its path (or a JSON report).
fn package(args: &PackageArgs) -> Result<u8> {
    let artifact = lambda_build::build(
        &lambda_build::workspace_dir(),
        args.architecture,
        args.output.as_deref(),
    )?;
    let report = artifact.report(args.architecture)?;
    print(
        args.json,
        &report,
        &format!("{}\n", artifact.path.display()),
    )?;
    Ok(EXIT_OK)
}

/// Prints `value` as JSON (`--json`) or as text on stdout.
fn print<T: serde::Serialize, D: std::fmt::Display>(json: bool, value: &T, text: &D) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(value)?);
    } else {
        print!("{text}");
    }
    Ok(())
}

/// Applies `plan` step by step, progress on stderr, result on stdout.
async fn execute(
    clients: &aws::Clients,
    target: Target<'_>,
    g: &AwsArgs,
    plan: &Plan,
) -> Result<u8> {
    if plan.is_refused() {
        print(g.json, &json!({ "result": "refused", "plan": plan }), plan)?;
        return Ok(EXIT_REFUSED);
    }
    let total = plan.steps.len();
    if !g.json {
        if total == 0 {
            // The summary below says there is nothing to do; the notes still matter.
            for note in &plan.notes {
                eprintln!("note: {note}");
            }
        } else {
            eprint!("{plan}");
        }
    }
    for (i, step) in plan.steps.iter().enumerate() {
        eprintln!("[{}/{total}] {step}", i + 1);
        let started = Instant::now();
        apply::run(clients, target, &step.op)
            .await
            .with_context(|| {
                format!(
                    "step {} of {total} failed; the {} before it were applied, run again to resume",
                    i + 1,
                    i
                )
            })?;
        eprintln!("        done in {:.1} s", started.elapsed().as_secs_f64());
    }
    let summary = if total == 0 {
        "Nothing to do: everything is up to date.".to_string()
    } else {
        format!("Applied {total} step(s).")
    };
    print(
        g.json,
        &json!({ "result": "applied", "applied": total, "plan": plan }),
        &format!("{summary}\n"),
    )?;
    Ok(EXIT_OK)
}

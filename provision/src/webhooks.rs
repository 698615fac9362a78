//! The chat webhooks of the alerts (`--alert-slack-webhook`, `--alert-teams-webhook`): their
//! URLs are secrets (anyone holding one can post to the channel), so they go into one Secrets
//! Manager secret, `<prefix>-alert-webhooks`, as `{"slack": url, "teams": url}`. The function's
//! environment gets only the secret's name (`ALERT_WEBHOOKS_SECRET`); its role may read that
//! secret and no other; plans, progress lines and errors show the URLs redacted to scheme and
//! host. `down` deletes the secret (without a recovery window, so that `up` can create it
//! again at once).
//!
//! The planning half is pure; [`read`] and [`run`] make the Secrets Manager calls.

use std::collections::HashMap;

use anyhow::{Context, Result};
use aws_sdk_secretsmanager::types::Tag;
use serde::Serialize;
use serde_json::{Value, json};

use crate::aws::Clients;
use crate::names::Names;
use crate::step::{Action, Op, Plan, Refusal, Step};

/// Environment variable naming the secret (read by the analyzer).
pub const ENV_SECRET: &str = "ALERT_WEBHOOKS_SECRET";
/// Environment variable listing the groups the alerts' trace commands search (read by the
/// analyzer).
pub const ENV_TRACE_GROUPS: &str = "TRACE_LOG_GROUPS";
/// The action the analyzer needs on the secret.
pub const READ_ACTION: &str = "secretsmanager:GetSecretValue";
/// Hosts over which `http://` is accepted (local stand-ins); the analyzer applies the same
/// rule when it reads the secret (`analyzer_lambda::webhook::url`).
pub const LOOPBACK_HOSTS: [&str; 3] = ["127.0.0.1", "localhost", "[::1]"];

/// The URLs given on the command line.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct WebhookUrls {
    /// Slack incoming webhook.
    pub slack: Option<String>,
    /// Teams Workflows webhook.
    pub teams: Option<String>,
}

impl std::fmt::Debug for WebhookUrls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.redacted())
    }
}

/// Scheme and host of a URL, the rest replaced: what may be shown.
pub fn redact(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("?", url));
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = host.rsplit('@').next().unwrap_or_default();
    format!("{scheme}://{host}/…")
}

/// Checks one URL; the error never quotes it.
pub fn validate_url(what: &str, url: &str) -> Result<(), String> {
    let fix = "copy the webhook URL again from the channel's settings";
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| format!("the {what} webhook is not a URL; {fix}"))?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return Err(format!(
            "the {what} webhook URL must not contain a user name or password"
        ));
    }
    let host = match authority.strip_prefix('[') {
        Some(v6) => format!("[{}]", v6.split(']').next().unwrap_or_default()),
        None => authority.split(':').next().unwrap_or_default().to_string(),
    };
    if host.is_empty() || url.chars().any(char::is_whitespace) {
        return Err(format!("the {what} webhook is not a valid URL; {fix}"));
    }
    match scheme {
        "https" => Ok(()),
        "http" if LOOPBACK_HOSTS.contains(&host.as_str()) => Ok(()),
        _ => Err(format!(
            "the {what} webhook URL must start with https:// (http:// is accepted only for 127.0.0.1 or localhost, for local stand-ins)"
        )),
    }
}

impl WebhookUrls {
    /// Whether any webhook is configured.
    pub fn any(&self) -> bool {
        self.slack.is_some() || self.teams.is_some()
    }

    /// Checks both URLs.
    pub fn validate(&self) -> Result<(), String> {
        if let Some(url) = &self.slack {
            validate_url("Slack", url)?;
        }
        if let Some(url) = &self.teams {
            validate_url("Teams", url)?;
        }
        Ok(())
    }

    /// `Slack https://hooks.slack.com/…, Teams https://….logic.azure.com/…`.
    pub fn redacted(&self) -> String {
        [("Slack", &self.slack), ("Teams", &self.teams)]
            .into_iter()
            .filter_map(|(what, url)| url.as_ref().map(|u| format!("{what} {}", redact(u))))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The secret's value.
    pub fn secret_string(&self) -> String {
        let mut value = serde_json::Map::new();
        if let Some(url) = &self.slack {
            value.insert("slack".into(), Value::String(url.trim().to_string()));
        }
        if let Some(url) = &self.teams {
            value.insert("teams".into(), Value::String(url.trim().to_string()));
        }
        Value::Object(value).to_string()
    }
}

/// The secret's name.
pub fn secret_name(names: &Names) -> String {
    format!("{}-alert-webhooks", names.prefix)
}

/// The IAM resource of the secret: Secrets Manager appends `-` and six random characters to
/// a secret's name in its ARN, and `-??????` matches exactly those, so the statement covers
/// this secret and no other
/// (<https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_iam-policies.html>).
pub fn secret_resource(names: &Names) -> String {
    names.location.arn(
        "secretsmanager",
        &format!("secret:{}-??????", secret_name(names)),
    )
}

/// The role statement that lets the analyzer read the secret.
pub fn policy_statement(names: &Names) -> Value {
    json!({
        "Sid": "ReadAlertWebhooks",
        "Effect": "Allow",
        "Action": READ_ACTION,
        "Resource": secret_resource(names)
    })
}

/// The secret as it exists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SecretState {
    /// Its tags.
    pub tags: crate::names::Tags,
    /// Whether its value is the desired one (the value itself is never kept).
    #[serde(skip)]
    pub value_matches: bool,
}

/// Reads the secret (`None`: absent); compares its value with `desired` without keeping it.
pub async fn read(
    c: &Clients,
    names: &Names,
    desired: Option<&WebhookUrls>,
) -> Result<Option<SecretState>> {
    let name = secret_name(names);
    let described = match c
        .secretsmanager
        .describe_secret()
        .secret_id(&name)
        .send()
        .await
    {
        Ok(d) => d,
        Err(e)
            if e.as_service_error()
                .is_some_and(|e| e.is_resource_not_found_exception()) =>
        {
            return Ok(None);
        }
        Err(e) => return Err(crate::errors::aws(e, format!("reading secret {name}"))),
    };
    if described.deleted_date().is_some() {
        return Ok(None);
    }
    let tags: crate::names::Tags = described
        .tags()
        .iter()
        .filter_map(|t| Some((t.key()?.to_string(), t.value()?.to_string())))
        .collect();
    let value_matches = match desired {
        Some(urls) if names.is_ours(&tags) => {
            let current = c
                .secretsmanager
                .get_secret_value()
                .secret_id(&name)
                .send()
                .await
                .map_err(|e| crate::errors::aws(e, format!("reading secret {name}")))?;
            current.secret_string() == Some(urls.secret_string().as_str())
        }
        _ => false,
    };
    Ok(Some(SecretState {
        tags,
        value_matches,
    }))
}

/// Plans the secret for `up`: create it, or update its value, when webhooks are given.
pub fn plan(
    names: &Names,
    webhooks: Option<&WebhookUrls>,
    current: Option<&SecretState>,
    plan: &mut Plan,
) {
    let Some(urls) = webhooks else {
        return;
    };
    let name = secret_name(names);
    match current {
        None => plan.steps.push(
            Step::new(Action::Create, "secret", &name, Op::PutWebhookSecret { create: true })
                .detail(urls.redacted()),
        ),
        Some(s) if !names.is_ours(&s.tags) => plan.refusals.push(Refusal {
            resource: "secret",
            name,
            problem: format!(
                "it exists but was not created by provision for prefix {:?} (its tags do not say so)",
                names.prefix
            ),
            fix: "Choose another --prefix, or remove that secret yourself if it is a leftover"
                .into(),
        }),
        Some(s) if !s.value_matches => plan.steps.push(
            Step::new(Action::Update, "secret", &name, Op::PutWebhookSecret { create: false })
                .detail(format!("new value: {}", urls.redacted())),
        ),
        Some(_) => {}
    }
}

/// Plans the secret for `down`: delete it if it is ours.
pub fn plan_down(
    names: &Names,
    current: Option<&SecretState>,
    steps: &mut Vec<Step>,
) -> Option<String> {
    let state = current?;
    let name = secret_name(names);
    if names.is_ours(&state.tags) {
        steps.push(
            Step::new(Action::Delete, "secret", &name, Op::DeleteWebhookSecret)
                .detail("the alert webhook URLs"),
        );
        None
    } else {
        Some(format!("secret {name} (not made by provision)"))
    }
}

/// Runs a secret step.
pub async fn run(
    c: &Clients,
    names: &Names,
    webhooks: Option<&WebhookUrls>,
    op: &Op,
) -> Result<()> {
    let name = secret_name(names);
    match op {
        Op::PutWebhookSecret { create } => {
            let urls = webhooks.context("internal error: no webhook URLs to store")?;
            if *create {
                let tags: Vec<Tag> = names
                    .tags()
                    .into_iter()
                    .map(|(k, v)| Tag::builder().key(k).value(v).build())
                    .collect();
                c.secretsmanager
                    .create_secret()
                    .name(&name)
                    .description(
                        "Alert webhook URLs of the logpipe analyzer (written by provision)",
                    )
                    .secret_string(urls.secret_string())
                    .set_tags(Some(tags))
                    .send()
                    .await
                    .map_err(|e| crate::errors::aws(e, format!("creating secret {name}")))?;
            } else {
                c.secretsmanager
                    .put_secret_value()
                    .secret_id(&name)
                    .secret_string(urls.secret_string())
                    .send()
                    .await
                    .map_err(|e| crate::errors::aws(e, format!("updating secret {name}")))?;
            }
            Ok(())
        }
        Op::DeleteWebhookSecret => {
            match c
                .secretsmanager
                .delete_secret()
                .secret_id(&name)
                .force_delete_without_recovery(true)
                .send()
                .await
            {
                Ok(_) => Ok(()),
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|e| e.is_resource_not_found_exception()) =>
                {
                    Ok(())
                }
                Err(e) => Err(crate::errors::aws(e, format!("deleting secret {name}"))),
            }
        }
        _ => Ok(()),
    }
}

/// The function environment entries for webhooks and traces.
pub fn function_env(
    names: &Names,
    webhooks: Option<&WebhookUrls>,
    app_groups: &[String],
) -> HashMap<String, String> {
    let mut env = HashMap::new();
    if webhooks.is_some() {
        env.insert(ENV_SECRET.to_string(), secret_name(names));
    }
    if !app_groups.is_empty() {
        env.insert(ENV_TRACE_GROUPS.to_string(), app_groups.join(","));
    }
    env
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::names::Location;

    const SLACK: &str = "https://hooks.slack.com/services/T0/B0/SeCrEt";

    fn names() -> Names {
        Names::new("logpipe", Location::new("eu-west-1", "123456789012"))
    }

    #[test]
    fn urls_are_checked_and_never_shown() {
        let urls = WebhookUrls {
            slack: Some(SLACK.into()),
            teams: Some("http://127.0.0.1:8080/teams/SeCrEt".into()),
        };
        assert_eq!(urls.validate(), Ok(()));
        let shown = format!("{} {urls:?}", urls.redacted());
        assert!(!shown.contains("SeCrEt"), "{shown}");
        assert!(shown.contains("Slack https://hooks.slack.com/…"));
        for bad in [
            "http://hooks.slack.com/services/SeCrEt",
            "hooks.slack.com/SeCrEt",
            "https://user:SeCrEt@example.com/x",
            "https:///SeCrEt",
        ] {
            let err = validate_url("Slack", bad).unwrap_err();
            assert!(!err.contains("SeCrEt"), "{err}");
        }
        let value: Value = serde_json::from_str(&urls.secret_string()).unwrap();
        assert_eq!(value["slack"], SLACK);
    }

    #[test]
    fn the_role_may_read_exactly_this_secret() {
        assert_eq!(
            policy_statement(&names())["Resource"],
            "arn:aws:secretsmanager:eu-west-1:123456789012:secret:logpipe-alert-webhooks-??????"
        );
        assert_eq!(policy_statement(&names())["Action"], READ_ACTION);
    }

    #[test]
    fn the_environment_names_the_secret_only() {
        let urls = WebhookUrls {
            slack: Some(SLACK.into()),
            teams: None,
        };
        let env = function_env(&names(), Some(&urls), &["/a".into(), "/b".into()]);
        assert_eq!(env[ENV_SECRET], "logpipe-alert-webhooks");
        assert_eq!(env[ENV_TRACE_GROUPS], "/a,/b");
        assert!(env.values().all(|v| !v.contains("SeCrEt")));
    }
}

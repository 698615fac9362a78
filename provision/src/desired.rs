//! The desired state of the stack, computed from the options (pure).

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Value, json};

use crate::architecture::Architecture;
use crate::names::Names;
use crate::rules::{self, InvalidName};
use crate::webhooks::{self, WebhookUrls};
use crate::{dashboard, pattern, policy};

/// Default `--prefix`.
pub const DEFAULT_PREFIX: &str = "logpipe";
/// Default retention of the log groups this tool creates (days).
pub const DEFAULT_RETENTION_DAYS: i32 = 30;
/// Default analyzer memory: enough for gzip + JSON of a 1 MB subscription payload with room.
pub const DEFAULT_MEMORY_MB: i32 = 256;
/// Default analyzer timeout: DynamoDB and SNS retries of one batch fit well within it.
pub const DEFAULT_TIMEOUT_SECS: i32 = 60;
/// Retries Lambda makes of a failed asynchronous invocation before the dead-letter queue.
pub const MAX_RETRY_ATTEMPTS: i32 = 2;
/// Lambda runtime of the analyzer (a Rust `bootstrap` binary).
pub const RUNTIME: &str = "provided.al2023";
/// Handler name; ignored by custom runtimes, but Lambda requires one.
pub const HANDLER: &str = "bootstrap";
/// Environment variable naming the incidents table (read by the analyzer).
pub const ENV_TABLE: &str = "INCIDENTS_TABLE";
/// Environment variable holding the alerts topic ARN (read by the analyzer).
pub const ENV_TOPIC: &str = "ALERTS_TOPIC_ARN";
/// Incident severities the analyzer publishes in the `severity` message attribute.
pub const SEVERITIES: [&str; 3] = ["LOW", "MEDIUM", "CRITICAL"];

/// Retention values CloudWatch Logs accepts, in days.
/// <https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html>
pub const RETENTION_DAYS: [i32; 22] = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];
/// Lambda memory bounds, in MB.
/// <https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html>
pub const MEMORY_RANGE_MB: std::ops::RangeInclusive<i32> = 128..=10240;
/// Lambda timeout bounds, in seconds.
/// <https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html>
pub const TIMEOUT_RANGE_SECS: std::ops::RangeInclusive<i32> = 1..=900;
pub use crate::names::MAX_PREFIX_CHARS;

/// An alert subscriber of the topic.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Subscriber {
    /// `email`, `sqs` or `https`.
    pub protocol: String,
    /// Address, queue ARN or URL.
    pub endpoint: String,
}

/// Validated settings of `plan` / `up`.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Application log groups to subscribe.
    pub log_groups: Vec<String>,
    /// Alert subscribers.
    pub subscribers: Vec<Subscriber>,
    /// Severities delivered to subscribers (empty: all).
    pub alert_severities: Vec<String>,
    /// Retention of the groups we create.
    pub retention_days: i32,
    /// Subscription filter pattern.
    pub filter_pattern: String,
    /// Analyzer memory (MB).
    pub memory_mb: i32,
    /// Analyzer timeout (s).
    pub timeout_secs: i32,
    /// Analyzer architecture.
    pub architecture: Architecture,
    /// CodeSha256 of the Lambda zip.
    pub code_sha256: String,
    /// Whether to manage the dashboard.
    pub dashboard: bool,
    /// Extra environment variables of the analyzer.
    pub extra_env: Vec<(String, String)>,
    /// Chat webhooks (Slack, Teams) of the alerts.
    pub webhooks: WebhookUrls,
}

/// A reason the options cannot describe a valid stack.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum InvalidSetting {
    /// See message.
    #[error("prefix {0:?} must be 1-{MAX_PREFIX_CHARS} characters of letters, digits and '-'")]
    Prefix(String),
    /// See message.
    #[error(
        "retention of {0} days is not one CloudWatch accepts; choose one of {RETENTION_DAYS:?}"
    )]
    Retention(i32),
    /// See message.
    #[error("memory {0} MB is outside Lambda's {MEMORY_RANGE_MB:?} MB")]
    Memory(i32),
    /// See message.
    #[error("timeout {0} s is outside Lambda's {TIMEOUT_RANGE_SECS:?} s")]
    Timeout(i32),
    /// See message.
    #[error(
        "log group {0:?} is the analyzer's own log group: subscribing it would feed the analyzer \
         its own errors in a loop; remove it from --log-group"
    )]
    OwnLogGroup(String),
    /// A name, ARN or address AWS would refuse.
    #[error(transparent)]
    Name(#[from] InvalidName),
    /// See message.
    #[error("alert severity {0:?} is not one of {SEVERITIES:?}")]
    Severity(String),
    /// See message.
    #[error("--filter-pattern {pattern:?} would be refused by CloudWatch: {problem}")]
    Pattern {
        /// The pattern given.
        pattern: String,
        /// What is wrong with it.
        problem: logpipe_filter_pattern::PatternError,
    },
    /// See message (never quotes the URL).
    #[error("{0}")]
    Webhook(String),
}

/// Checks the prefix alone (`down` and `status` need nothing else).
pub fn validate_prefix(prefix: &str) -> Result<(), InvalidSetting> {
    let ok = !prefix.is_empty()
        && prefix.len() <= MAX_PREFIX_CHARS
        && prefix
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(InvalidSetting::Prefix(prefix.to_string()))
    }
}

/// Checks `settings` against the stack's names and AWS's limits.
pub fn validate(names: &Names, settings: &Settings) -> Result<(), InvalidSetting> {
    validate_prefix(&names.prefix)?;
    if !RETENTION_DAYS.contains(&settings.retention_days) {
        return Err(InvalidSetting::Retention(settings.retention_days));
    }
    if !MEMORY_RANGE_MB.contains(&settings.memory_mb) {
        return Err(InvalidSetting::Memory(settings.memory_mb));
    }
    if !TIMEOUT_RANGE_SECS.contains(&settings.timeout_secs) {
        return Err(InvalidSetting::Timeout(settings.timeout_secs));
    }
    if let Some(own) = settings
        .log_groups
        .iter()
        .find(|g| **g == names.function_log_group())
    {
        return Err(InvalidSetting::OwnLogGroup(own.clone()));
    }
    rules::stack_names(names, &settings.log_groups)?;
    for s in &settings.subscribers {
        match s.protocol.as_str() {
            "email" => rules::email(&s.endpoint)?,
            "sqs" => rules::sqs_arn(&s.endpoint)?,
            "https" => rules::https_url(&s.endpoint)?,
            other => {
                return Err(InvalidSetting::Name(InvalidName {
                    what: "alert subscriber protocol",
                    value: other.to_string(),
                    rule: "provision subscribes email, sqs and https endpoints".into(),
                    doc: "https://docs.aws.amazon.com/sns/latest/api/API_Subscribe.html",
                }));
            }
        }
    }
    rules::lambda_env(&settings.extra_env)?;
    if let Some(bad) = settings
        .alert_severities
        .iter()
        .find(|s| !SEVERITIES.contains(&s.as_str()))
    {
        return Err(InvalidSetting::Severity(bad.clone()));
    }
    pattern::validate(&settings.filter_pattern).map_err(|problem| InvalidSetting::Pattern {
        pattern: settings.filter_pattern.clone(),
        problem,
    })?;
    settings
        .webhooks
        .validate()
        .map_err(InvalidSetting::Webhook)?;
    Ok(())
}

/// One global secondary index of the table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Index {
    /// Index name.
    pub name: &'static str,
    /// Partition key (type S).
    pub hash_key: &'static str,
    /// Sort key (type S), if any.
    pub range_key: Option<&'static str>,
}

/// The indexes the analyzer queries (projection ALL).
pub const INDEXES: [Index; 2] = [
    Index {
        name: "by_service",
        hash_key: "service",
        range_key: Some("timestamp"),
    },
    Index {
        name: "by_trace_id",
        hash_key: "trace_id",
        range_key: None,
    },
];
/// Partition key of the table.
pub const TABLE_HASH_KEY: &str = "incident_id";
/// TTL attribute (epoch seconds) of incidents.
pub const TTL_ATTRIBUTE: &str = "ttl";

/// The key attributes of the table and its indexes (all strings).
pub fn key_attributes() -> Vec<&'static str> {
    let mut keys = vec![TABLE_HASH_KEY];
    for index in &INDEXES {
        keys.push(index.hash_key);
        keys.extend(index.range_key);
    }
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// The analyzer function's desired configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FunctionSpec {
    /// Runtime.
    pub runtime: String,
    /// Handler.
    pub handler: String,
    /// Execution role ARN.
    pub role_arn: String,
    /// Memory (MB).
    pub memory_mb: i32,
    /// Timeout (s).
    pub timeout_secs: i32,
    /// Architecture (`x86_64` / `arm64`).
    pub architecture: String,
    /// Environment variables.
    pub env: BTreeMap<String, String>,
    /// CodeSha256 of the zip.
    pub code_sha256: String,
    /// Retries of failed asynchronous invocations.
    pub max_retry_attempts: i32,
    /// On-failure destination (the dead-letter queue's ARN).
    pub on_failure_arn: String,
}

/// Everything `up` converges to.
#[derive(Debug, Clone)]
pub struct Desired {
    /// Names and location.
    pub names: Names,
    /// Trust policy of the role.
    pub trust_policy: Value,
    /// Inline policy of the role.
    pub role_policy: Value,
    /// Alert subscribers with their filter policy.
    pub subscriptions: Vec<(Subscriber, Option<Value>)>,
    /// The function.
    pub function: FunctionSpec,
    /// Retention (days) of the groups we create.
    pub retention_days: i32,
    /// Application log groups to subscribe.
    pub app_log_groups: Vec<String>,
    /// Subscription filter pattern.
    pub filter_pattern: String,
    /// Dashboard body (`None`: `--no-dashboard`).
    pub dashboard: Option<Value>,
    /// Chat webhooks to store in the secret (`None`: none given).
    pub webhooks: Option<WebhookUrls>,
}

impl Desired {
    /// The desired state for `settings` (validate them first with [`validate`]).
    pub fn new(names: Names, settings: &Settings) -> Desired {
        let filter_policy = (!settings.alert_severities.is_empty())
            .then(|| json!({ "severity": settings.alert_severities }));
        let mut subscribers = settings.subscribers.clone();
        subscribers.sort();
        subscribers.dedup();
        let mut app_log_groups = settings.log_groups.clone();
        app_log_groups.sort();
        app_log_groups.dedup();
        let webhook_urls = settings.webhooks.any().then(|| settings.webhooks.clone());
        let function = FunctionSpec {
            runtime: RUNTIME.to_string(),
            handler: HANDLER.to_string(),
            role_arn: names.role_arn(),
            memory_mb: settings.memory_mb,
            timeout_secs: settings.timeout_secs,
            architecture: settings.architecture.as_str().to_string(),
            // Ours last: they win over a same-named extra variable.
            env: settings
                .extra_env
                .iter()
                .cloned()
                .chain(webhooks::function_env(
                    &names,
                    webhook_urls.as_ref(),
                    &app_log_groups,
                ))
                .chain([
                    (ENV_TABLE.to_string(), names.table()),
                    (ENV_TOPIC.to_string(), names.topic_arn()),
                ])
                .collect(),
            code_sha256: settings.code_sha256.clone(),
            max_retry_attempts: MAX_RETRY_ATTEMPTS,
            on_failure_arn: names.queue_arn(),
        };
        Desired {
            trust_policy: policy::trust_policy(),
            role_policy: {
                let mut policy = policy::analyzer_policy(&names);
                if webhook_urls.is_some()
                    && let Some(statements) = policy["Statement"].as_array_mut()
                {
                    statements.push(webhooks::policy_statement(&names));
                }
                policy
            },
            subscriptions: subscribers
                .into_iter()
                .map(|s| (s, filter_policy.clone()))
                .collect(),
            function,
            retention_days: settings.retention_days,
            dashboard: settings
                .dashboard
                .then(|| dashboard::body(&names, &app_log_groups)),
            app_log_groups,
            filter_pattern: settings.filter_pattern.clone(),
            webhooks: webhook_urls,
            names,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Settings used by the planner's tests.
    pub(crate) fn settings() -> Settings {
        Settings {
            log_groups: vec!["/app/orders".into(), "/app/billing".into()],
            subscribers: vec![Subscriber {
                protocol: "email".into(),
                endpoint: "ops@example.com".into(),
            }],
            alert_severities: vec!["CRITICAL".into()],
            retention_days: 14,
            filter_pattern: pattern::error_filter_pattern(),
            memory_mb: DEFAULT_MEMORY_MB,
            timeout_secs: DEFAULT_TIMEOUT_SECS,
            architecture: Architecture::X86_64,
            code_sha256: "c2hhMjU2".into(),
            dashboard: true,
            extra_env: vec![("SEVERITY_WARN".into(), "NONE".into())],
            webhooks: WebhookUrls::default(),
        }
    }

    pub(crate) fn names() -> Names {
        crate::names::test_names()
    }

    #[test]
    fn valid_settings_pass() {
        assert_eq!(validate(&names(), &settings()), Ok(()));
    }

    #[test]
    fn invalid_settings_say_what_is_wrong() {
        let n = names();
        let mut s = settings();
        s.log_groups.push("/aws/lambda/logpipe-analyzer".into());
        assert!(matches!(
            validate(&n, &s),
            Err(InvalidSetting::OwnLogGroup(_))
        ));
        let mut s = settings();
        s.retention_days = 10;
        assert_eq!(validate(&n, &s), Err(InvalidSetting::Retention(10)));
        let mut s = settings();
        s.subscribers[0].endpoint = "http://insecure.example.com".into();
        s.subscribers[0].protocol = "https".into();
        assert!(matches!(
            validate(&n, &s),
            Err(InvalidSetting::Name(InvalidName {
                what: "HTTPS endpoint",
                ..
            }))
        ));
        let mut s = settings();
        s.log_groups.push("no spaces allowed?*".into());
        assert!(matches!(
            validate(&n, &s),
            Err(InvalidSetting::Name(InvalidName {
                what: "log group",
                ..
            }))
        ));
        let mut s = settings();
        s.extra_env.push(("AWS_REGION".into(), "x".into()));
        assert!(matches!(validate(&n, &s), Err(InvalidSetting::Name(_))));
        let mut s = settings();
        s.alert_severities = vec!["HIGH".into()];
        assert_eq!(
            validate(&n, &s),
            Err(InvalidSetting::Severity("HIGH".into()))
        );
        assert!(validate_prefix("bad prefix").is_err());
        assert!(validate_prefix(&"p".repeat(41)).is_err());
    }

    #[test]
    fn key_attributes_cover_table_and_indexes() {
        assert_eq!(
            key_attributes(),
            ["incident_id", "service", "timestamp", "trace_id"]
        );
    }

    #[test]
    fn desired_wires_names_into_the_function() {
        let d = Desired::new(names(), &settings());
        assert_eq!(d.function.env[ENV_TABLE], "logpipe-Incidents");
        assert_eq!(
            d.function.env[ENV_TOPIC],
            "arn:aws:sns:us-east-1:123456789012:logpipe-alerts"
        );
        assert_eq!(d.function.env["SEVERITY_WARN"], "NONE");
        assert_eq!(d.app_log_groups, ["/app/billing", "/app/orders"]);
        assert_eq!(
            d.subscriptions[0].1,
            Some(json!({"severity": ["CRITICAL"]}))
        );
    }

    #[test]
    fn filter_patterns_are_checked_with_cloudwatchs_syntax() {
        let n = names();
        for bad in ["Status: timeout", "{ $.level = ", "[ip, status = 5*]"] {
            let mut s = settings();
            s.filter_pattern = bad.into();
            match validate(&n, &s) {
                Err(e @ InvalidSetting::Pattern { .. }) => {
                    assert!(e.to_string().contains("--filter-pattern"), "{e}");
                }
                other => panic!("{bad}: expected a pattern error, got {other:?}"),
            }
        }
        let mut s = settings();
        s.filter_pattern = r#"{ $.level = "ERROR" }"#.into();
        assert_eq!(validate(&n, &s), Ok(()));
    }
}

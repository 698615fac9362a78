//! Configuration from the environment, validated once at cold start.
//!
//! | variable                   | default            | allowed ([`bounds`])   | meaning                                              |
//! |----------------------------|--------------------|------------------------|------------------------------------------------------|
//! | `INCIDENTS_TABLE`          | required           |                        | DynamoDB table name                                  |
//! | `ALERTS_TOPIC_ARN`         | required           | `arn:<partition>:sns:<region>:<account>:<name>` ([`topic_arn`]) | SNS topic for alerts |
//! | `SEVERITY_WARN`            | `LOW`              |                        | severity of WARN lines (`NONE` ignores them)         |
//! | `SEVERITY_ERROR`           | `MEDIUM`           |                        | severity of ERROR lines                              |
//! | `SEVERITY_FATAL`           | `CRITICAL`         |                        | severity of FATAL/CRITICAL/PANIC lines               |
//! | `SEVERITY_CRASH`           | `CRITICAL`         | not `NONE`             | panics, timeouts, out of memory, runtime exits       |
//! | `CRITICAL_RATE_PER_MINUTE` | `100`              | 0 to 10^9              | events/minute of one fingerprint that make it CRITICAL (0: off) |
//! | `ALERT_COOLDOWN_SECONDS`   | `900`              | 0 to 30 days           | minimum time between two alerts of a fingerprint     |
//! | `QUIET_PERIOD_SECONDS`     | `3600`             | 60 to 30 days          | silence after which a fingerprint opens again        |
//! | `ALERT_COUNT_THRESHOLDS`   | `100,1000,10000`   | above 0, strictly ascending | counts since opening that escalate              |
//! | `INCIDENT_TTL_DAYS`        | `30`               | 1 to 3650              | incident rows expire this long after the event       |
//! | `MAX_DECOMPRESSED_BYTES`   | `8388608`          | 1 MiB to 1 GiB         | cap on a decompressed payload                        |
//! | `DEADLINE_MARGIN_MS`       | `2000`             | 0 to 900000            | stop this long before the invocation deadline        |
//! | `AWS_REGION`               | from the SDK chain |                        | region of the console links                          |
//! | `TRACE_LOG_GROUPS`         | none               | empty entries skipped  | comma-separated groups the alerts' `trace` commands and Logs Insights links search besides the alert's own |
//! | `ALERT_WEBHOOKS_SECRET`    | none               |                        | ARN or name of the Secrets Manager secret holding the Slack / Teams webhook URLs (see `webhook`) |
//! | `WEBHOOK_TIMEOUT_MS`       | `5000`             | 100 to 900000          | time limit of one webhook request                    |
//! | `GROUPING_RULES`           | `2`                | `1` or `2`             | grouping rules version (`1` rolls back; see `fingerprint`) |

pub mod bounds;
pub mod topic_arn;

use bounds::Limit;
use topic_arn::{TOPIC_ARN_FORMAT, check_topic_arn};

use crate::aggregate::AlertPolicy;
use crate::classify::{DEFAULT_CRITICAL_RATE_PER_MINUTE, Rules, Severity, parse_rule};
use crate::fingerprint::{CURRENT_RULES, GroupingRules, UnknownRules};
use crate::payload::DEFAULT_MAX_DECOMPRESSED_BYTES;

/// Default `ALERT_COOLDOWN_SECONDS`.
pub const DEFAULT_COOLDOWN_SECONDS: i64 = 15 * 60;
/// Default `QUIET_PERIOD_SECONDS`.
pub const DEFAULT_QUIET_PERIOD_SECONDS: i64 = 60 * 60;
/// Default `ALERT_COUNT_THRESHOLDS`.
pub const DEFAULT_COUNT_THRESHOLDS: [u64; 3] = [100, 1_000, 10_000];
/// Default `INCIDENT_TTL_DAYS`.
pub const DEFAULT_TTL_DAYS: i64 = 30;
/// Default `DEADLINE_MARGIN_MS`.
pub const DEFAULT_DEADLINE_MARGIN_MS: u64 = 2_000;

/// Everything the handler needs besides its clients.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Classification rules.
    pub rules: Rules,
    /// Alerting knobs.
    pub policy: AlertPolicy,
    /// Incident rows expire this many days after their event.
    pub ttl_days: i64,
    /// Cap on a decompressed payload.
    pub max_decompressed_bytes: usize,
    /// Region for console links.
    pub region: String,
    /// `TRACE_LOG_GROUPS`: groups a trace is searched in besides the alert's own.
    pub trace_log_groups: Vec<String>,
    /// Grouping rules version.
    pub grouping: GroupingRules,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            rules: Rules::default(),
            policy: AlertPolicy {
                cooldown_ms: DEFAULT_COOLDOWN_SECONDS * 1000,
                quiet_period_ms: DEFAULT_QUIET_PERIOD_SECONDS * 1000,
                count_thresholds: DEFAULT_COUNT_THRESHOLDS.to_vec(),
            },
            ttl_days: DEFAULT_TTL_DAYS,
            max_decompressed_bytes: DEFAULT_MAX_DECOMPRESSED_BYTES,
            region: crate::trace_link::DEFAULT_REGION.to_string(),
            trace_log_groups: Vec::new(),
            grouping: CURRENT_RULES,
        }
    }
}

/// The validated configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// `INCIDENTS_TABLE`.
    pub table: String,
    /// `ALERTS_TOPIC_ARN`.
    pub topic_arn: String,
    /// `DEADLINE_MARGIN_MS`.
    pub deadline_margin_ms: u64,
    /// `ALERT_WEBHOOKS_SECRET`: where the webhook URLs are (never the URLs themselves).
    pub webhooks_secret: Option<String>,
    /// `WEBHOOK_TIMEOUT_MS`.
    pub webhook_timeout_ms: u64,
    /// The rest.
    pub settings: Settings,
}

/// A variable is missing or malformed.
#[derive(Debug, thiserror::Error)]
#[error("environment variable {name}: {problem}")]
pub struct ConfigError {
    /// The variable.
    pub name: &'static str,
    /// What is wrong with it, and what is expected.
    pub problem: String,
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads variables through `lookup` (the environment in production, a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let get = |name: &'static str| lookup(name).filter(|v| !v.trim().is_empty());
        let required = |name: &'static str| {
            get(name).ok_or_else(|| ConfigError {
                name,
                problem: "is not set; set it to the resource created by `provision up`".into(),
            })
        };
        let number =
            |name: &'static str, default: i64, limit: &Limit| -> Result<i64, ConfigError> {
                get(name).map_or(Ok(default), |v| {
                    limit
                        .parse(&v)
                        .map_err(|problem| ConfigError { name, problem })
                })
            };
        let rule = |name: &'static str, default: Option<Severity>| {
            get(name).map_or(Ok(default), |v| {
                parse_rule(&v).map_err(|e| ConfigError {
                    name,
                    problem: e.to_string(),
                })
            })
        };
        let thresholds = match get("ALERT_COUNT_THRESHOLDS") {
            None => DEFAULT_COUNT_THRESHOLDS.to_vec(),
            Some(v) => parse_thresholds(&v).map_err(|problem| ConfigError {
                name: "ALERT_COUNT_THRESHOLDS",
                problem,
            })?,
        };
        let defaults = Settings::default();
        let crash = rule("SEVERITY_CRASH", Some(Severity::Critical))?.ok_or(ConfigError {
            name: "SEVERITY_CRASH",
            problem: "crashes cannot be ignored; use LOW, MEDIUM or CRITICAL".into(),
        })?;
        Ok(Config {
            table: required("INCIDENTS_TABLE")?,
            topic_arn: topic_arn(required("ALERTS_TOPIC_ARN")?)?,
            deadline_margin_ms: number(
                "DEADLINE_MARGIN_MS",
                DEFAULT_DEADLINE_MARGIN_MS as i64,
                &bounds::DEADLINE_MARGIN_MS,
            )? as u64,
            webhooks_secret: get("ALERT_WEBHOOKS_SECRET").map(|v| v.trim().to_string()),
            webhook_timeout_ms: number(
                "WEBHOOK_TIMEOUT_MS",
                crate::webhook::DEFAULT_REQUEST_TIMEOUT_MS as i64,
                &bounds::WEBHOOK_TIMEOUT_MS,
            )? as u64,
            settings: Settings {
                rules: Rules {
                    warn: rule("SEVERITY_WARN", defaults.rules.warn)?,
                    error: rule("SEVERITY_ERROR", defaults.rules.error)?,
                    fatal: rule("SEVERITY_FATAL", defaults.rules.fatal)?,
                    crash,
                    critical_rate_per_minute: number(
                        "CRITICAL_RATE_PER_MINUTE",
                        DEFAULT_CRITICAL_RATE_PER_MINUTE as i64,
                        &bounds::CRITICAL_RATE_PER_MINUTE,
                    )? as u64,
                },
                policy: AlertPolicy {
                    // The bounds keep these products far from overflowing.
                    cooldown_ms: number(
                        "ALERT_COOLDOWN_SECONDS",
                        DEFAULT_COOLDOWN_SECONDS,
                        &bounds::COOLDOWN_SECONDS,
                    )? * 1000,
                    quiet_period_ms: number(
                        "QUIET_PERIOD_SECONDS",
                        DEFAULT_QUIET_PERIOD_SECONDS,
                        &bounds::QUIET_PERIOD_SECONDS,
                    )? * 1000,
                    count_thresholds: thresholds,
                },
                ttl_days: number("INCIDENT_TTL_DAYS", DEFAULT_TTL_DAYS, &bounds::TTL_DAYS)?,
                max_decompressed_bytes: number(
                    "MAX_DECOMPRESSED_BYTES",
                    DEFAULT_MAX_DECOMPRESSED_BYTES as i64,
                    &bounds::MAX_DECOMPRESSED_BYTES,
                )? as usize,
                region: get("AWS_REGION")
                    .or_else(|| get("AWS_DEFAULT_REGION"))
                    .unwrap_or(defaults.region),
                trace_log_groups: get("TRACE_LOG_GROUPS")
                    .map(|v| {
                        v.split(',')
                            .map(str::trim)
                            .filter(|g| !g.is_empty())
                            .map(str::to_string)
                            .collect()
                    })
                    .unwrap_or_default(),
                grouping: get("GROUPING_RULES").map_or(Ok(defaults.grouping), |v| {
                    v.parse().map_err(|e: UnknownRules| ConfigError {
                        name: "GROUPING_RULES",
                        problem: e.to_string(),
                    })
                })?,
            },
        })
    }
}

/// `ALERTS_TOPIC_ARN`, checked for the shape of an SNS topic ARN.
fn topic_arn(arn: String) -> Result<String, ConfigError> {
    let arn = arn.trim().to_string();
    check_topic_arn(&arn).map_err(|problem| ConfigError {
        name: "ALERTS_TOPIC_ARN",
        problem: format!(
            "{arn:?} {problem}; give the topic's ARN, {TOPIC_ARN_FORMAT} \
             (`provision status` shows it)"
        ),
    })?;
    Ok(arn)
}

/// `ALERT_COUNT_THRESHOLDS`: counts above zero, strictly ascending.
pub fn parse_thresholds(text: &str) -> Result<Vec<u64>, String> {
    let expected =
        "list counts above zero from smallest to largest, each once, such as 100,1000,10000";
    let list = text
        .split(',')
        .map(|t| t.trim().parse::<u64>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| format!("{text:?} is not a comma-separated list of counts: {expected}"))?;
    if list.contains(&0) {
        return Err(format!(
            "{text:?} holds 0, which every fingerprint reaches at once: {expected}"
        ));
    }
    if list.windows(2).any(|pair| pair[0] >= pair[1]) {
        return Err(format!("{text:?} is not strictly ascending: {expected}"));
    }
    Ok(list)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    const REQUIRED: [(&str, &str); 2] = [
        ("INCIDENTS_TABLE", "Incidents"),
        (
            "ALERTS_TOPIC_ARN",
            "arn:aws:sns:us-east-1:123456789012:alerts",
        ),
    ];

    #[test]
    fn defaults() {
        let c = config(&REQUIRED).unwrap();
        assert_eq!(c.table, "Incidents");
        assert_eq!(c.settings.rules, Rules::default());
        assert_eq!(c.settings.policy.cooldown_ms, 900_000);
        assert_eq!(c.settings.policy.count_thresholds, vec![100, 1000, 10000]);
    }

    #[test]
    fn overrides() {
        let mut vars = REQUIRED.to_vec();
        vars.extend([
            ("SEVERITY_WARN", "none"),
            ("ALERT_COUNT_THRESHOLDS", "5, 50"),
            ("ALERT_COOLDOWN_SECONDS", "0"),
            ("AWS_REGION", "eu-west-1"),
            ("TRACE_LOG_GROUPS", " /demo/orders, /demo/payments ,"),
            ("ALERT_WEBHOOKS_SECRET", "logpipe-alert-webhooks"),
        ]);
        let c = config(&vars).unwrap();
        assert_eq!(c.settings.rules.warn, None);
        assert_eq!(c.settings.policy.count_thresholds, vec![5, 50]);
        assert_eq!(c.settings.policy.cooldown_ms, 0);
        assert_eq!(c.settings.region, "eu-west-1");
        assert_eq!(
            c.settings.trace_log_groups,
            vec!["/demo/orders".to_string(), "/demo/payments".to_string()]
        );
        assert_eq!(c.webhooks_secret.as_deref(), Some("logpipe-alert-webhooks"));
    }

    #[test]
    fn a_malformed_topic_arn_is_rejected_at_start() {
        let mut vars = REQUIRED.to_vec();
        vars[1].1 = "notanarn";
        let err = config(&vars).unwrap_err();
        assert_eq!(err.name, "ALERTS_TOPIC_ARN");
        let text = err.to_string();
        assert!(
            text.contains("ALERTS_TOPIC_ARN") && text.contains("\"notanarn\""),
            "{text}"
        );
        assert!(text.contains("arn:<partition>:sns:"), "{text}");
        vars[1].1 = " arn:aws:sns:us-east-1:123456789012:alerts ";
        assert_eq!(
            config(&vars).unwrap().topic_arn,
            "arn:aws:sns:us-east-1:123456789012:alerts"
        );
    }

    #[test]
    fn thresholds_must_be_strictly_ascending_and_above_zero() {
        assert_eq!(parse_thresholds("1, 10,100").unwrap(), [1, 10, 100]);
        for (bad, says) in [
            ("5,2", "strictly ascending"),
            ("5,5", "strictly ascending"),
            ("0,10", "0"),
            ("10,", "not a comma-separated list"),
            ("ten", "not a comma-separated list"),
        ] {
            let err = parse_thresholds(bad).unwrap_err();
            assert!(err.contains(says), "{bad}: {err}");
        }
        let mut vars = REQUIRED.to_vec();
        vars.push(("ALERT_COUNT_THRESHOLDS", "5,2"));
        assert_eq!(config(&vars).unwrap_err().name, "ALERT_COUNT_THRESHOLDS");
    }

    #[test]
    fn numbers_outside_their_bounds_are_rejected() {
        for (name, bad) in [
            ("INCIDENT_TTL_DAYS", "0"),
            ("INCIDENT_TTL_DAYS", "99999999999999"),
            ("ALERT_COOLDOWN_SECONDS", "9223372036854775807"),
            ("QUIET_PERIOD_SECONDS", "0"),
            ("MAX_DECOMPRESSED_BYTES", "0"),
            ("DEADLINE_MARGIN_MS", "86400000"),
            ("WEBHOOK_TIMEOUT_MS", "0"),
            ("CRITICAL_RATE_PER_MINUTE", "-1"),
        ] {
            let mut vars = REQUIRED.to_vec();
            vars.push((name, bad));
            let err = config(&vars).unwrap_err();
            assert_eq!(err.name, name, "{err}");
            assert!(err.problem.contains("out of range"), "{err}");
        }
        let mut vars = REQUIRED.to_vec();
        vars.push(("INCIDENT_TTL_DAYS", "1"));
        assert_eq!(config(&vars).unwrap().settings.ttl_days, 1);
    }

    #[test]
    fn errors_name_the_variable() {
        let err = config(&[]).unwrap_err();
        assert_eq!(err.name, "INCIDENTS_TABLE");
        let mut vars = REQUIRED.to_vec();
        vars.push(("ALERT_COOLDOWN_SECONDS", "soon"));
        assert_eq!(config(&vars).unwrap_err().name, "ALERT_COOLDOWN_SECONDS");
        let mut vars = REQUIRED.to_vec();
        vars.push(("SEVERITY_CRASH", "none"));
        assert!(
            config(&vars)
                .unwrap_err()
                .to_string()
                .contains("SEVERITY_CRASH")
        );
    }
}

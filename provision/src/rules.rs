//! AWS's documented rules for every name, ARN and address `provision` sends (pure), so that
//! bad input is refused with one clear message before the first AWS call, instead of failing
//! half-way through `up` after the role, table and topic exist.
//!
//! Each rule quotes the API reference page it comes from. moto enforces few of them (it
//! accepts `"no spaces allowed?*"` as a log group name), so these checks are what keeps a
//! run that passes against moto from failing on AWS.

use std::ops::RangeInclusive;

use crate::names::Names;

/// One name or address that AWS would refuse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} {value:?} is not valid: {rule} (see {doc})")]
pub struct InvalidName {
    /// What the value names (`log group`, `IAM role name`, ...).
    pub what: &'static str,
    /// The value as given or derived.
    pub value: String,
    /// The rule it breaks, in words.
    pub rule: String,
    /// The AWS documentation page of the rule.
    pub doc: &'static str,
}

/// A naming rule: length bounds and allowed characters, as an API reference states them.
#[derive(Debug, Clone)]
pub struct NameRule {
    /// What the rule is for.
    pub what: &'static str,
    /// Allowed lengths, in characters.
    pub chars: RangeInclusive<usize>,
    /// Whether one character is allowed.
    pub allowed: fn(char) -> bool,
    /// The allowed characters, in words.
    pub allowed_text: &'static str,
    /// The API reference page.
    pub doc: &'static str,
}

impl NameRule {
    /// Checks `value` against the rule.
    pub fn check(&self, value: &str) -> Result<(), InvalidName> {
        let invalid = |rule: String| InvalidName {
            what: self.what,
            value: value.to_string(),
            rule,
            doc: self.doc,
        };
        let len = value.chars().count();
        if !self.chars.contains(&len) {
            return Err(invalid(format!(
                "it is {len} characters long; {}-{} are allowed",
                self.chars.start(),
                self.chars.end()
            )));
        }
        if let Some(bad) = value.chars().find(|c| !(self.allowed)(*c)) {
            return Err(invalid(format!(
                "{bad:?} is not allowed; only {} are",
                self.allowed_text
            )));
        }
        Ok(())
    }
}

fn alnum(c: char) -> bool {
    c.is_ascii_alphanumeric()
}

/// Log group names: 1-512 of `a-z A-Z 0-9 _ - / . #`.
/// <https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html>
pub const LOG_GROUP: NameRule = NameRule {
    what: "log group",
    chars: 1..=512,
    allowed: |c| alnum(c) || matches!(c, '_' | '-' | '/' | '.' | '#'),
    allowed_text: "letters, digits and '_', '-', '/', '.', '#'",
    doc: "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html",
};

/// Subscription filter names: 1-512 characters, no `:` nor `*`.
/// <https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutSubscriptionFilter.html>
pub const SUBSCRIPTION_FILTER: NameRule = NameRule {
    what: "subscription filter name",
    chars: 1..=512,
    allowed: |c| c != ':' && c != '*',
    allowed_text: "characters other than ':' and '*'",
    doc: "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutSubscriptionFilter.html",
};

/// IAM role names: 1-64 of `[\w+=,.@-]`.
/// <https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html>
pub const IAM_ROLE: NameRule = NameRule {
    what: "IAM role name",
    chars: 1..=64,
    allowed: iam_char,
    allowed_text: "letters, digits and '_', '+', '=', ',', '.', '@', '-'",
    doc: "https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html",
};

/// IAM inline policy names: 1-128 of `[\w+=,.@-]`.
/// <https://docs.aws.amazon.com/IAM/latest/APIReference/API_PutRolePolicy.html>
pub const IAM_POLICY: NameRule = NameRule {
    what: "IAM policy name",
    chars: 1..=128,
    allowed: iam_char,
    allowed_text: "letters, digits and '_', '+', '=', ',', '.', '@', '-'",
    doc: "https://docs.aws.amazon.com/IAM/latest/APIReference/API_PutRolePolicy.html",
};

fn iam_char(c: char) -> bool {
    alnum(c) || matches!(c, '_' | '+' | '=' | ',' | '.' | '@' | '-')
}

/// DynamoDB table names: 3-255 of `[a-zA-Z0-9_.-]`.
/// <https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_CreateTable.html>
pub const DYNAMODB_TABLE: NameRule = NameRule {
    what: "DynamoDB table name",
    chars: 3..=255,
    allowed: |c| alnum(c) || matches!(c, '_' | '.' | '-'),
    allowed_text: "letters, digits and '_', '.', '-'",
    doc: "https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_CreateTable.html",
};

/// SNS topic names (standard topics): 1-256 of `[A-Za-z0-9_-]`.
/// <https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html>
pub const SNS_TOPIC: NameRule = NameRule {
    what: "SNS topic name",
    chars: 1..=256,
    allowed: |c| alnum(c) || matches!(c, '_' | '-'),
    allowed_text: "letters, digits and '_', '-'",
    doc: "https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html",
};

/// SQS queue names (standard queues): 1-80 of `[A-Za-z0-9_-]`.
/// <https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html>
pub const SQS_QUEUE: NameRule = NameRule {
    what: "SQS queue name",
    chars: 1..=80,
    allowed: |c| alnum(c) || matches!(c, '_' | '-'),
    allowed_text: "letters, digits and '_', '-'",
    doc: "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html",
};

/// Lambda function names (the name alone, not an ARN): 1-64 of `[a-zA-Z0-9-_]`.
/// <https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html>
pub const LAMBDA_FUNCTION: NameRule = NameRule {
    what: "Lambda function name",
    chars: 1..=64,
    allowed: |c| alnum(c) || matches!(c, '_' | '-'),
    allowed_text: "letters, digits and '_', '-'",
    doc: "https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html",
};

/// Lambda permission statement ids: 1-100 of `[a-zA-Z0-9-_]`.
/// <https://docs.aws.amazon.com/lambda/latest/api/API_AddPermission.html>
pub const LAMBDA_STATEMENT_ID: NameRule = NameRule {
    what: "Lambda permission statement id",
    chars: 1..=100,
    allowed: |c| alnum(c) || matches!(c, '_' | '-'),
    allowed_text: "letters, digits and '_', '-'",
    doc: "https://docs.aws.amazon.com/lambda/latest/api/API_AddPermission.html",
};

/// CloudWatch dashboard names: 1-255 of `[A-Za-z0-9_-]`.
/// <https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutDashboard.html>
pub const DASHBOARD: NameRule = NameRule {
    what: "dashboard name",
    chars: 1..=255,
    allowed: |c| alnum(c) || matches!(c, '_' | '-'),
    allowed_text: "letters, digits and '_', '-'",
    doc: "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutDashboard.html",
};

/// Lambda environment variable names: a letter, then letters, digits and `_` (2 or more
/// characters in all, as the API's pattern `[a-zA-Z]([a-zA-Z0-9_])+` says).
/// <https://docs.aws.amazon.com/lambda/latest/api/API_Environment.html>
pub const LAMBDA_ENV_KEY: NameRule = NameRule {
    what: "Lambda environment variable name",
    chars: 2..=usize::MAX,
    allowed: |c| alnum(c) || c == '_',
    allowed_text: "letters, digits and '_'",
    doc: "https://docs.aws.amazon.com/lambda/latest/api/API_Environment.html",
};

/// The page listing the environment variables Lambda reserves.
const LAMBDA_ENV_DOC: &str =
    "https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html";

/// Environment variables Lambda sets itself and refuses in a function's configuration.
/// <https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html>
pub const LAMBDA_RESERVED_ENV: [&str; 18] = [
    "_HANDLER",
    "_X_AMZN_TRACE_ID",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API",
    "LAMBDA_TASK_ROOT",
    "LAMBDA_RUNTIME_DIR",
];

/// The most a function's environment variables may take, keys and values together.
/// <https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html>
pub const MAX_LAMBDA_ENV_BYTES: usize = 4 * 1024;

/// Checks a log group name, including the prefix AWS reserves for its own groups.
pub fn log_group(name: &str) -> Result<(), InvalidName> {
    LOG_GROUP.check(name)?;
    // CreateLogGroup: "Log group names can't start with the string aws/".
    if name.starts_with("aws/") {
        return Err(InvalidName {
            what: LOG_GROUP.what,
            value: name.to_string(),
            rule: "names starting with \"aws/\" are reserved for AWS".into(),
            doc: LOG_GROUP.doc,
        });
    }
    Ok(())
}

/// Checks every name derived from the stack's prefix (and, for each application log group,
/// its permission statement id) against its service's rule.
pub fn stack_names(names: &Names, log_groups: &[String]) -> Result<(), InvalidName> {
    IAM_ROLE.check(&names.role())?;
    IAM_POLICY.check(&names.role_policy())?;
    DYNAMODB_TABLE.check(&names.table())?;
    SQS_QUEUE.check(&names.queue())?;
    SNS_TOPIC.check(&names.topic())?;
    LAMBDA_FUNCTION.check(&names.function())?;
    log_group(&names.function_log_group())?;
    SUBSCRIPTION_FILTER.check(&names.filter())?;
    DASHBOARD.check(&names.dashboard())?;
    for group in log_groups {
        log_group(group)?;
        LAMBDA_STATEMENT_ID.check(&names.permission_statement(group))?;
    }
    Ok(())
}

/// Checks the analyzer's extra environment variables: names, reserved names and total size.
pub fn lambda_env(vars: &[(String, String)]) -> Result<(), InvalidName> {
    let mut bytes = 0;
    for (key, value) in vars {
        LAMBDA_ENV_KEY.check(key)?;
        if !key.starts_with(|c: char| c.is_ascii_alphabetic()) {
            return Err(InvalidName {
                what: LAMBDA_ENV_KEY.what,
                value: key.clone(),
                rule: "it must start with a letter".into(),
                doc: LAMBDA_ENV_KEY.doc,
            });
        }
        if LAMBDA_RESERVED_ENV.contains(&key.as_str()) {
            return Err(InvalidName {
                what: LAMBDA_ENV_KEY.what,
                value: key.clone(),
                rule: "Lambda reserves it and sets it itself".into(),
                doc: LAMBDA_ENV_DOC,
            });
        }
        bytes += key.len() + value.len();
    }
    if bytes > MAX_LAMBDA_ENV_BYTES {
        return Err(InvalidName {
            what: "Lambda environment",
            value: format!("{} variables", vars.len()),
            rule: format!("they take {bytes} bytes; Lambda allows {MAX_LAMBDA_ENV_BYTES} in all"),
            doc: "https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html",
        });
    }
    Ok(())
}

/// The SNS page on subscription endpoints of each protocol.
const SNS_SUBSCRIBE_DOC: &str = "https://docs.aws.amazon.com/sns/latest/api/API_Subscribe.html";

/// Checks an e-mail subscriber: one `@`, a non-empty local part, a domain with a dot, no
/// spaces. SNS sends a confirmation to it, so a typo only shows as silence.
pub fn email(address: &str) -> Result<(), InvalidName> {
    let invalid = |rule: &str| InvalidName {
        what: "e-mail address",
        value: address.to_string(),
        rule: rule.into(),
        doc: SNS_SUBSCRIBE_DOC,
    };
    let Some((local, domain)) = address.split_once('@') else {
        return Err(invalid("it has no '@'"));
    };
    if local.is_empty() || domain.contains('@') {
        return Err(invalid("it must be local-part@domain, with a single '@'"));
    }
    let labels_ok = domain.split('.').count() >= 2
        && domain
            .split('.')
            .all(|l| !l.is_empty() && l.chars().all(|c| alnum(c) || c == '-'));
    if !labels_ok {
        return Err(invalid(
            "its domain must be dot-separated labels of letters, digits and '-'",
        ));
    }
    if address.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid("it contains a space or control character"));
    }
    Ok(())
}

/// Checks an SQS queue ARN subscriber: `arn:<partition>:sqs:<region>:<12-digit account>:<queue>`.
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html>
pub fn sqs_arn(arn: &str) -> Result<(), InvalidName> {
    let invalid = |rule: String| InvalidName {
        what: "SQS queue ARN",
        value: arn.to_string(),
        rule,
        doc: "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html",
    };
    let parts: Vec<&str> = arn.split(':').collect();
    let [scheme, partition, service, region, account, queue] = parts[..] else {
        return Err(invalid(
            "it must be arn:<partition>:sqs:<region>:<account>:<queue name>".into(),
        ));
    };
    if scheme != "arn" || !matches!(partition, "aws" | "aws-cn" | "aws-us-gov") {
        return Err(invalid(
            "it must start with arn:aws:, arn:aws-cn: or arn:aws-us-gov:".into(),
        ));
    }
    if service != "sqs" {
        return Err(invalid(format!("its service is {service:?}, not \"sqs\"")));
    }
    region_name(region).map_err(|e| invalid(e.rule))?;
    if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid(format!("its account {account:?} is not 12 digits")));
    }
    // A FIFO queue cannot subscribe to a standard topic, so only standard names are accepted.
    SQS_QUEUE.check(queue).map_err(|e| invalid(e.rule))
}

/// Checks an HTTPS subscriber: an absolute `https://` URL with a host.
pub fn https_url(endpoint: &str) -> Result<(), InvalidName> {
    let invalid = |rule: &str| InvalidName {
        what: "HTTPS endpoint",
        value: endpoint.to_string(),
        rule: rule.into(),
        doc: SNS_SUBSCRIBE_DOC,
    };
    let url = url::Url::parse(endpoint).map_err(|_| invalid("it is not a URL"))?;
    if url.scheme() != "https" {
        return Err(invalid("the https protocol needs an https:// URL"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid("it has no host"));
    }
    Ok(())
}

/// Checks a region name's form (`us-east-1`, `eu-central-2`, `us-gov-west-1`, `cn-north-1`):
/// a typo would otherwise fail as an unreachable endpoint after a long build.
/// <https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-regions.html>
pub fn region_name(region: &str) -> Result<(), InvalidName> {
    let parts: Vec<&str> = region.split('-').collect();
    let ok = parts.len() >= 3
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts[parts.len() - 1].bytes().all(|b| b.is_ascii_digit())
        && !parts[parts.len() - 1].is_empty();
    if ok {
        Ok(())
    } else {
        Err(InvalidName {
            what: "region",
            value: region.to_string(),
            rule: "a region looks like us-east-1 or eu-central-2".into(),
            doc: "https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-regions.html",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::names::{Location, test_names};

    #[test]
    fn log_group_names_follow_create_log_group() {
        for ok in [
            "/app/orders",
            "/aws/lambda/x",
            "a",
            "A.b-c_d/e#f",
            &"g".repeat(512),
        ] {
            assert_eq!(log_group(ok), Ok(()), "{ok}");
        }
        let err = log_group("no spaces allowed?*").unwrap_err();
        assert_eq!(err.what, "log group");
        assert!(err.rule.contains("' ' is not allowed"), "{err}");
        assert!(err.to_string().contains("API_CreateLogGroup"), "{err}");
        assert!(log_group("").unwrap_err().rule.contains("0 characters"));
        assert!(log_group(&"g".repeat(513)).is_err());
        assert!(log_group("aws/mine").unwrap_err().rule.contains("reserved"));
        assert!(log_group("/app:orders").is_err());
    }

    #[test]
    fn derived_names_fit_every_service_even_at_the_longest_prefix() {
        let groups = vec!["/app/orders".to_string()];
        assert_eq!(stack_names(&test_names(), &groups), Ok(()));
        let longest = Names::new(
            &"p".repeat(crate::names::MAX_PREFIX_CHARS),
            Location::new("us-east-1", "123456789012"),
        );
        assert_eq!(stack_names(&longest, &groups), Ok(()));
        // One more character and the role name passes IAM's 64.
        let too_long = Names::new(&"p".repeat(51), Location::new("us-east-1", "1"));
        let err = stack_names(&too_long, &groups).unwrap_err();
        assert_eq!(err.what, "IAM role name");
        assert!(err.rule.contains("65 characters"), "{err}");
        let bad_group = stack_names(&test_names(), &["/a b".to_string()]).unwrap_err();
        assert_eq!(bad_group.value, "/a b");
    }

    #[test]
    fn each_service_rule_matches_its_reference() {
        assert!(DYNAMODB_TABLE.check("ab").is_err());
        assert!(DYNAMODB_TABLE.check("a.b_c-D").is_ok());
        assert!(SNS_TOPIC.check("a.b").is_err());
        assert!(SNS_TOPIC.check(&"t".repeat(256)).is_ok());
        assert!(SQS_QUEUE.check(&"q".repeat(81)).is_err());
        assert!(IAM_ROLE.check("role+=,.@-_1").is_ok());
        assert!(IAM_ROLE.check("role/x").is_err());
        assert!(LAMBDA_FUNCTION.check(&"f".repeat(65)).is_err());
        assert!(DASHBOARD.check("dash.board").is_err());
        assert!(SUBSCRIPTION_FILTER.check("a*b").is_err());
        assert!(LAMBDA_STATEMENT_ID.check(&"s".repeat(101)).is_err());
    }

    #[test]
    fn subscriber_addresses_are_checked_by_protocol() {
        assert_eq!(email("oncall@example.com"), Ok(()));
        for bad in [
            "oncall",
            "@example.com",
            "a@b",
            "a@@b.com",
            "a b@example.com",
            "a@ex_ample.com",
        ] {
            assert!(email(bad).is_err(), "{bad}");
        }
        assert_eq!(
            sqs_arn("arn:aws:sqs:us-east-1:123456789012:alerts-inbox"),
            Ok(())
        );
        for bad in [
            "arn:aws:sns:us-east-1:123456789012:alerts",
            "arn:aws:sqs:us-east-1:1234:alerts",
            "arn:aws:sqs:useast1:123456789012:alerts",
            "arn:aws:sqs:us-east-1:123456789012:alerts.fifo",
            "https://sqs.us-east-1.amazonaws.com/123456789012/alerts",
        ] {
            assert!(sqs_arn(bad).is_err(), "{bad}");
        }
        assert_eq!(https_url("https://hooks.example.com/alerts?x=1"), Ok(()));
        assert!(
            https_url("http://hooks.example.com")
                .unwrap_err()
                .rule
                .contains("https://")
        );
        assert!(https_url("hooks.example.com").is_err());
    }

    #[test]
    fn analyzer_environment_follows_lambdas_rules() {
        let env = |k: &str, v: &str| vec![(k.to_string(), v.to_string())];
        assert_eq!(lambda_env(&env("SEVERITY_WARN", "NONE")), Ok(()));
        assert!(
            lambda_env(&env("AWS_REGION", "x"))
                .unwrap_err()
                .rule
                .contains("reserves")
        );
        assert!(lambda_env(&env("1ABC", "x")).is_err());
        assert!(lambda_env(&env("A-B", "x")).is_err());
        assert!(lambda_env(&env("BIG", &"v".repeat(MAX_LAMBDA_ENV_BYTES))).is_err());
    }

    #[test]
    fn regions_have_the_documented_form() {
        for ok in [
            "us-east-1",
            "eu-central-2",
            "us-gov-west-1",
            "cn-north-1",
            "ap-southeast-5",
        ] {
            assert_eq!(region_name(ok), Ok(()), "{ok}");
        }
        for bad in ["useast1", "us-east", "US-EAST-1", "us-east-1a", ""] {
            assert!(region_name(bad).is_err(), "{bad}");
        }
    }
}

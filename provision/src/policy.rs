//! IAM documents of the analyzer's role (pure): who may assume it, and what it may do.
//!
//! Least privilege: every statement names the exact ARNs of this stack; the only wildcard is
//! the `:*` log-stream suffix of the analyzer's own log group. Of the table's indexes only
//! `by_trace_id` is granted, for `Query` alone: the analyzer looks up the error a failing
//! request's access-log line belongs to (`by_service` serves people and dashboards).

use serde_json::{Value, json};

use crate::names::Names;

/// Policy language version of every document.
const POLICY_VERSION: &str = "2012-10-17";

/// The DynamoDB actions the analyzer calls, and nothing else: the same list as
/// `analyzer_lambda::permissions::DYNAMODB_ACTIONS` (it reads incidents with BatchGetItem,
/// writes them with BatchWriteItem and UpdateItem; it never scans, never deletes).
pub const DYNAMODB_ACTIONS: [&str; 3] = [
    "dynamodb:BatchGetItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:UpdateItem",
];

/// What the analyzer may do on the `by_trace_id` index, as
/// `analyzer_lambda::permissions::DYNAMODB_INDEX_ACTIONS`: find the errors of one trace.
/// Index ARNs are `<table ARN>/index/<name>`:
/// <https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazondynamodb.html#amazondynamodb-resources-for-iam-policies>
pub const DYNAMODB_INDEX_ACTIONS: [&str; 1] = ["dynamodb:Query"];

/// The index the analyzer queries.
pub const TRACE_INDEX: &str = "by_trace_id";

/// Trust policy: only the Lambda service may assume the role. (No `aws:SourceAccount`
/// condition: the Lambda execution-role documentation does not promise that Lambda sets it,
/// and a condition it does not set would make the role unusable.)
pub fn trust_policy() -> Value {
    json!({
        "Version": POLICY_VERSION,
        "Statement": [{
            "Effect": "Allow",
            "Principal": { "Service": "lambda.amazonaws.com" },
            "Action": "sts:AssumeRole"
        }]
    })
}

/// The role's inline policy, scoped to this stack's table, topic, queue and log group.
pub fn analyzer_policy(names: &Names) -> Value {
    let log_group = names.location.log_group_arn(&names.function_log_group());
    json!({
        "Version": POLICY_VERSION,
        "Statement": [
            {
                "Sid": "WriteIncidents",
                "Effect": "Allow",
                "Action": DYNAMODB_ACTIONS,
                "Resource": names.table_arn()
            },
            {
                "Sid": "FindTraceErrors",
                "Effect": "Allow",
                "Action": DYNAMODB_INDEX_ACTIONS,
                "Resource": format!("{}/index/{TRACE_INDEX}", names.table_arn())
            },
            {
                "Sid": "PublishAlerts",
                "Effect": "Allow",
                "Action": "sns:Publish",
                "Resource": names.topic_arn()
            },
            {
                // Lambda sends the records of invocations that failed after its retries to the
                // on-failure destination with the function's own role.
                "Sid": "DeadLetters",
                "Effect": "Allow",
                "Action": "sqs:SendMessage",
                "Resource": names.queue_arn()
            },
            {
                "Sid": "OwnLogs",
                "Effect": "Allow",
                "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": log_group
            }
        ]
    })
}

/// Parses a policy document as IAM returns it: `GetRole` and `GetRolePolicy` URL-encode
/// documents (RFC 3986), some emulators do not.
pub fn parse_document(raw: &str) -> Result<Value, serde_json::Error> {
    let trimmed = raw.trim_start();
    if trimmed.starts_with('{') {
        return serde_json::from_str(trimmed);
    }
    let decoded = percent_encoding::percent_decode_str(trimmed).decode_utf8_lossy();
    serde_json::from_str(&decoded)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::names::Location;

    fn names() -> Names {
        Names::new("logpipe", Location::new("us-east-1", "123456789012"))
    }

    /// Every `Resource` of a policy, flattened.
    fn resources(policy: &Value) -> Vec<String> {
        policy["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|s| match &s["Resource"] {
                Value::String(r) => vec![r.clone()],
                Value::Array(rs) => rs.iter().map(|r| r.as_str().unwrap().to_string()).collect(),
                other => panic!("unexpected Resource {other}"),
            })
            .collect()
    }

    #[test]
    fn policy_names_exact_arns_only() {
        let policy = analyzer_policy(&names());
        let expected: serde_json::Value =
            serde_json::from_str(include_str!("../tests/fixtures/analyzer_policy.json")).unwrap();
        assert_eq!(policy, expected);
        for resource in resources(&policy) {
            assert!(resource.starts_with("arn:aws:"), "{resource}");
            assert!(!resource.ends_with(":*:*"), "{resource}");
        }
        assert!(!resources(&policy).iter().any(|r| r == "*"));
    }

    #[test]
    fn trust_allows_lambda_only() {
        let trust = trust_policy();
        assert_eq!(
            trust["Statement"][0]["Principal"],
            json!({"Service": "lambda.amazonaws.com"})
        );
        assert_eq!(trust["Statement"].as_array().unwrap().len(), 1);
    }

    #[test]
    fn url_encoded_documents_are_decoded() {
        let doc = r#"{"Version":"2012-10-17","Statement":[]}"#;
        let encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D";
        assert_eq!(
            parse_document(doc).unwrap(),
            parse_document(encoded).unwrap()
        );
    }
}

//! Names, ARNs and tags of every resource of one stack, derived from the prefix (pure).
//!
//! | resource                    | name                                  |
//! |-----------------------------|---------------------------------------|
//! | IAM role / inline policy    | `<prefix>-analyzer-role` / `<prefix>-analyzer` |
//! | DynamoDB table              | `<prefix>-Incidents`                  |
//! | SQS dead-letter queue       | `<prefix>-analyzer-dlq`               |
//! | SNS topic                   | `<prefix>-alerts`                     |
//! | Lambda function             | `<prefix>-analyzer`                   |
//! | the analyzer's log group    | `/aws/lambda/<prefix>-analyzer`       |
//! | subscription filter         | `<prefix>-errors` (on each application log group) |
//! | Lambda permission statement | `<prefix>-logs-<12 hex of SHA-256(group)>` |
//! | dashboard                   | `<prefix>-incidents`                  |

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

/// Longest prefix: keeps `<prefix>-analyzer-role` within IAM's 64-character role names.
/// <https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html>
pub const MAX_PREFIX_CHARS: usize = 40;

/// Tag key marking what this tool created.
pub const MANAGED_BY_KEY: &str = "managed-by";
/// Value of [`MANAGED_BY_KEY`].
pub const MANAGED_BY_VALUE: &str = "logpipe-provision";
/// Tag key holding the stack's prefix, so `down` of one stack never touches another.
pub const PREFIX_TAG_KEY: &str = "logpipe:prefix";

/// Tags of a resource, as a sorted map.
pub type Tags = BTreeMap<String, String>;

/// Where the stack lives: partition, region and account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// `aws`, `aws-cn` or `aws-us-gov`.
    pub partition: String,
    /// The region, e.g. `eu-west-1`.
    pub region: String,
    /// The 12-digit account id.
    pub account: String,
}

impl Location {
    /// A location in `region` of `account`; the partition follows from the region's name.
    pub fn new(region: &str, account: &str) -> Location {
        let partition = if region.starts_with("cn-") {
            "aws-cn"
        } else if region.starts_with("us-gov-") {
            "aws-us-gov"
        } else {
            "aws"
        };
        Location {
            partition: partition.to_string(),
            region: region.to_string(),
            account: account.to_string(),
        }
    }

    /// `arn:<partition>:<service>:<region>:<account>:<resource>`.
    pub fn arn(&self, service: &str, resource: &str) -> String {
        format!(
            "arn:{}:{service}:{}:{}:{resource}",
            self.partition, self.region, self.account
        )
    }

    /// The ARN of a log group, with the `:*` suffix that `SourceArn` and IAM use.
    pub fn log_group_arn(&self, group: &str) -> String {
        self.arn("logs", &format!("log-group:{group}:*"))
    }
}

/// The log group of a `SourceArn`: `arn:aws:logs:r:a:log-group:NAME:*` -> `NAME`.
pub fn group_of_source_arn(arn: &str) -> Option<String> {
    let rest = arn.split_once(":log-group:")?.1;
    Some(rest.strip_suffix(":*").unwrap_or(rest).to_string())
}

/// Every name of one stack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Names {
    /// The prefix they all start from.
    pub prefix: String,
    /// Where the stack lives.
    pub location: Location,
}

impl Names {
    /// The names of stack `prefix` at `location`.
    pub fn new(prefix: &str, location: Location) -> Names {
        Names {
            prefix: prefix.to_string(),
            location,
        }
    }

    /// The analyzer's execution role.
    pub fn role(&self) -> String {
        format!("{}-analyzer-role", self.prefix)
    }

    /// ARN of [`Names::role`] (IAM is global: no region).
    pub fn role_arn(&self) -> String {
        format!(
            "arn:{}:iam::{}:role/{}",
            self.location.partition,
            self.location.account,
            self.role()
        )
    }

    /// The role's inline policy.
    pub fn role_policy(&self) -> String {
        format!("{}-analyzer", self.prefix)
    }

    /// The incidents table.
    pub fn table(&self) -> String {
        format!("{}-Incidents", self.prefix)
    }

    /// ARN of [`Names::table`].
    pub fn table_arn(&self) -> String {
        self.location
            .arn("dynamodb", &format!("table/{}", self.table()))
    }

    /// The dead-letter queue for invocations that failed after Lambda's retries.
    pub fn queue(&self) -> String {
        format!("{}-analyzer-dlq", self.prefix)
    }

    /// ARN of [`Names::queue`].
    pub fn queue_arn(&self) -> String {
        self.location.arn("sqs", &self.queue())
    }

    /// The alerts topic.
    pub fn topic(&self) -> String {
        format!("{}-alerts", self.prefix)
    }

    /// ARN of [`Names::topic`].
    pub fn topic_arn(&self) -> String {
        self.location.arn("sns", &self.topic())
    }

    /// The analyzer function.
    pub fn function(&self) -> String {
        format!("{}-analyzer", self.prefix)
    }

    /// ARN of [`Names::function`].
    pub fn function_arn(&self) -> String {
        self.location
            .arn("lambda", &format!("function:{}", self.function()))
    }

    /// The log group Lambda writes the analyzer's own output to.
    pub fn function_log_group(&self) -> String {
        format!("/aws/lambda/{}", self.function())
    }

    /// The subscription filter put on each application log group.
    pub fn filter(&self) -> String {
        format!("{}-errors", self.prefix)
    }

    /// The statement id of the Lambda permission for `group`: stable, unique per group, and
    /// within Lambda's 100-character limit whatever the group's name.
    pub fn permission_statement(&self, group: &str) -> String {
        let digest = hex::encode(Sha256::digest(group.as_bytes()));
        format!("{}-logs-{}", self.prefix, &digest[..12])
    }

    /// Whether `statement_id` is one of this stack's permission statements.
    pub fn is_permission_statement(&self, statement_id: &str) -> bool {
        statement_id
            .strip_prefix(&format!("{}-logs-", self.prefix))
            .is_some_and(|rest| rest.len() == 12 && rest.bytes().all(|b| b.is_ascii_hexdigit()))
    }

    /// The dashboard.
    pub fn dashboard(&self) -> String {
        format!("{}-incidents", self.prefix)
    }

    /// The tags put on everything that takes tags.
    pub fn tags(&self) -> Tags {
        Tags::from([
            (MANAGED_BY_KEY.to_string(), MANAGED_BY_VALUE.to_string()),
            (PREFIX_TAG_KEY.to_string(), self.prefix.clone()),
        ])
    }

    /// Whether `tags` say this stack created the resource.
    pub fn is_ours(&self, tags: &Tags) -> bool {
        tags.get(MANAGED_BY_KEY).map(String::as_str) == Some(MANAGED_BY_VALUE)
            && tags.get(PREFIX_TAG_KEY) == Some(&self.prefix)
    }
}

/// A stack to test with: prefix `logpipe`, account `123456789012`, us-east-1.
#[cfg(test)]
pub(crate) fn test_names() -> Names {
    Names::new("logpipe", Location::new("us-east-1", "123456789012"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Names {
        Names::new("logpipe", Location::new("eu-west-1", "123456789012"))
    }

    #[test]
    fn arns_follow_the_aws_formats() {
        let n = names();
        assert_eq!(
            n.table_arn(),
            "arn:aws:dynamodb:eu-west-1:123456789012:table/logpipe-Incidents"
        );
        assert_eq!(
            n.topic_arn(),
            "arn:aws:sns:eu-west-1:123456789012:logpipe-alerts"
        );
        assert_eq!(
            n.role_arn(),
            "arn:aws:iam::123456789012:role/logpipe-analyzer-role"
        );
        assert_eq!(
            n.function_arn(),
            "arn:aws:lambda:eu-west-1:123456789012:function:logpipe-analyzer"
        );
        assert_eq!(
            n.location.log_group_arn("/app/orders"),
            "arn:aws:logs:eu-west-1:123456789012:log-group:/app/orders:*"
        );
        assert_eq!(Location::new("cn-north-1", "1").partition, "aws-cn");
        assert_eq!(Location::new("us-gov-west-1", "1").partition, "aws-us-gov");
    }

    #[test]
    fn permission_statements_are_stable_and_recognised() {
        let n = names();
        let sid = n.permission_statement("/app/orders");
        assert_eq!(sid, n.permission_statement("/app/orders"));
        assert_ne!(sid, n.permission_statement("/app/billing"));
        assert!(n.is_permission_statement(&sid));
        assert!(!n.is_permission_statement("logpipe-logs-other"));
        let other = Names::new("other", n.location.clone());
        assert!(!other.is_permission_statement(&sid));
    }

    #[test]
    fn ownership_needs_both_tags() {
        let n = names();
        assert!(n.is_ours(&n.tags()));
        let mut foreign = n.tags();
        foreign.insert(PREFIX_TAG_KEY.into(), "other".into());
        assert!(!n.is_ours(&foreign));
        assert!(!n.is_ours(&Tags::new()));
    }
}

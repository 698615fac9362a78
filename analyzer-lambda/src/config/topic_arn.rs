//! The shape of an SNS topic ARN, checked at start-up: SNS would only reject a malformed one
//! when the first alert is due, with an error that names neither the variable nor the ARN.

/// Longest topic name, `.fifo` included
/// (<https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html>).
pub const MAX_TOPIC_NAME_CHARS: usize = 256;
/// Suffix of a FIFO topic's name (same page).
pub const FIFO_SUFFIX: &str = ".fifo";
/// Digits of an AWS account id
/// (<https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-identifiers.html>).
pub const ACCOUNT_ID_DIGITS: usize = 12;

/// What a topic ARN looks like, for error messages.
pub const TOPIC_ARN_FORMAT: &str = "arn:<partition>:sns:<region>:<12-digit account>:<topic name>, \
     such as arn:aws:sns:us-east-1:123456789012:alerts";

/// Checks `arn` against `arn:<partition>:sns:<region>:<account>:<topic name>`
/// (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html>); the error says
/// which part is wrong.
pub fn check_topic_arn(arn: &str) -> Result<(), String> {
    let parts: Vec<&str> = arn.split(':').collect();
    let [prefix, partition, service, region, account, name] = parts[..] else {
        return Err("is not an ARN of six ':'-separated parts".into());
    };
    if prefix != "arn" {
        return Err("does not start with \"arn:\"".into());
    }
    // aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b, ...: new partitions keep that shape.
    let partition_ok = partition == "aws"
        || partition.strip_prefix("aws-").is_some_and(|rest| {
            !rest.is_empty() && rest.chars().all(|c| c.is_ascii_lowercase() || c == '-')
        });
    if !partition_ok {
        return Err(format!(
            "has partition {partition:?}, not aws, aws-cn, aws-us-gov, ..."
        ));
    }
    if service != "sns" {
        return Err(format!("is for service {service:?}, not sns"));
    }
    let region_ok = !region.is_empty()
        && region
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !region_ok {
        return Err(format!(
            "has region {region:?}, not a region such as us-east-1"
        ));
    }
    if account.len() != ACCOUNT_ID_DIGITS || !account.chars().all(|c| c.is_ascii_digit()) {
        return Err(format!(
            "has account {account:?}, not a {ACCOUNT_ID_DIGITS}-digit account id"
        ));
    }
    let base = name.strip_suffix(FIFO_SUFFIX).unwrap_or(name);
    let name_ok = !base.is_empty()
        && name.len() <= MAX_TOPIC_NAME_CHARS
        && base
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !name_ok {
        return Err(format!(
            "has topic name {name:?}: SNS topic names are 1 to {MAX_TOPIC_NAME_CHARS} letters, \
             digits, '_' and '-' (FIFO topics end in {FIFO_SUFFIX})"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topic_arns_of_every_partition_pass() {
        for good in [
            "arn:aws:sns:us-east-1:123456789012:alerts",
            "arn:aws-cn:sns:cn-north-1:123456789012:logpipe-alerts",
            "arn:aws-us-gov:sns:us-gov-west-1:000000000000:a_b",
            "arn:aws:sns:eu-west-1:123456789012:orders.fifo",
            &format!("arn:aws:sns:us-east-1:123456789012:{}", "t".repeat(256)),
        ] {
            assert_eq!(check_topic_arn(good), Ok(()), "{good}");
        }
    }

    #[test]
    fn malformed_arns_say_which_part_is_wrong() {
        for (bad, says) in [
            ("notanarn", "six"),
            ("", "six"),
            ("urn:aws:sns:us-east-1:123456789012:t", "arn:"),
            ("arn:amazon:sns:us-east-1:123456789012:t", "partition"),
            ("arn:aws:sqs:us-east-1:123456789012:t", "not sns"),
            ("arn:aws:sns::123456789012:t", "region"),
            ("arn:aws:sns:US_EAST:123456789012:t", "region"),
            ("arn:aws:sns:us-east-1:1234:t", "12-digit"),
            ("arn:aws:sns:us-east-1:12345678901a:t", "12-digit"),
            ("arn:aws:sns:us-east-1:123456789012:", "topic name"),
            ("arn:aws:sns:us-east-1:123456789012:my topic", "topic name"),
            ("arn:aws:sns:us-east-1:123456789012:.fifo", "topic name"),
            ("arn:aws:sns:us-east-1:123456789012:a:b", "six"),
        ] {
            let err = check_topic_arn(bad).unwrap_err();
            assert!(err.contains(says), "{bad}: {err}");
        }
        let long = format!("arn:aws:sns:us-east-1:123456789012:{}", "t".repeat(257));
        assert!(check_topic_arn(&long).is_err());
    }
}

//! The operations other than `PutLogEvents`: body in, JSON body or error out.

use super::api::{
    self, ApiError, DescribeLogStreamsRequest, GroupRequest, Operation, RetentionRequest,
    StreamRequest,
};
use super::limits::{RETENTION_DAYS, valid_group_name, valid_stream_name};
use super::state::Logs;
use crate::{ACCOUNT_ID, REGION};
use serde_json::{Value, json};

/// Default and largest page of `DescribeLogStreams`.
/// <https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_DescribeLogStreams.html>
const MAX_DESCRIBE_LIMIT: i64 = 50;

/// Runs one control-plane operation against `logs`.
pub(crate) fn handle(
    logs: &mut Logs,
    op: Operation,
    body: &[u8],
    now_ms: i64,
) -> Result<Value, ApiError> {
    match op {
        Operation::CreateLogGroup => {
            let req: GroupRequest = api::parse(body)?;
            check_group(&req.log_group_name)?;
            // "Log group names can't start with the string aws/" (CreateLogGroup); such groups
            // are AWS's own and may still be written to.
            // <https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html>
            if req.log_group_name.starts_with("aws/") {
                return Err(ApiError::invalid_parameter(format!(
                    "log group names can't start with aws/: {:?}",
                    req.log_group_name
                )));
            }
            logs.create_group(&req.log_group_name)?;
        }
        Operation::DeleteLogGroup => {
            let req: GroupRequest = api::parse(body)?;
            logs.delete_group(&req.log_group_name)?;
        }
        Operation::CreateLogStream => {
            let req: StreamRequest = api::parse(body)?;
            check_group(&req.log_group_name)?;
            check_stream(&req.log_stream_name)?;
            logs.create_stream(&req.log_group_name, &req.log_stream_name, now_ms)?;
        }
        Operation::DeleteLogStream => {
            let req: StreamRequest = api::parse(body)?;
            logs.delete_stream(&req.log_group_name, &req.log_stream_name)?;
        }
        Operation::PutRetentionPolicy => {
            let req: RetentionRequest = api::parse(body)?;
            let days = u32::try_from(req.retention_in_days)
                .ok()
                .filter(|d| RETENTION_DAYS.contains(d))
                .ok_or_else(|| {
                    ApiError::invalid_parameter(format!(
                        "retentionInDays {} is not one of {RETENTION_DAYS:?}",
                        req.retention_in_days
                    ))
                })?;
            logs.put_retention(&req.log_group_name, days)?;
        }
        Operation::DescribeLogStreams => return describe(logs, api::parse(body)?),
        Operation::PutLogEvents => {
            return Err(ApiError::unknown_operation(
                "PutLogEvents on the control path",
            ));
        }
    }
    Ok(json!({}))
}

fn describe(logs: &Logs, req: DescribeLogStreamsRequest) -> Result<Value, ApiError> {
    let group = match (req.log_group_name, req.log_group_identifier) {
        (Some(name), None) => name,
        // An identifier may be a name or an ARN ending in the name.
        (None, Some(id)) => id.rsplit(':').next().unwrap_or_default().to_string(),
        _ => {
            return Err(ApiError::invalid_parameter(
                "give exactly one of logGroupName and logGroupIdentifier",
            ));
        }
    };
    let limit = req.limit.unwrap_or(MAX_DESCRIBE_LIMIT);
    if !(1..=MAX_DESCRIBE_LIMIT).contains(&limit) {
        return Err(ApiError::invalid_parameter(format!(
            "limit {limit} is outside 1..=50"
        )));
    }
    let prefix = req.log_stream_name_prefix.unwrap_or_default();
    let mut streams = logs.streams(&group, &prefix, None)?;
    if req.descending.unwrap_or(false) {
        streams.reverse();
    }
    // nextToken is the index of the first stream of the next page.
    let start: usize = match req.next_token {
        Some(token) => token
            .parse()
            .map_err(|_| ApiError::invalid_parameter("invalid nextToken"))?,
        None => 0,
    };
    let end = streams.len().min(start + limit as usize);
    let page: Vec<Value> = streams
        .get(start..end)
        .unwrap_or_default()
        .iter()
        .map(|(name, s)| {
            let mut v = json!({
                "logStreamName": name,
                "creationTime": s.creation_time,
                "arn": format!(
                    "arn:aws:logs:{REGION}:{ACCOUNT_ID}:log-group:{group}:log-stream:{name}"
                ),
                "storedBytes": 0,
            });
            let optional = [
                ("firstEventTimestamp", s.first_event),
                ("lastEventTimestamp", s.last_event),
                ("lastIngestionTime", s.last_ingestion),
            ];
            for (key, value) in optional {
                if let Some(value) = value {
                    v[key] = value.into();
                }
            }
            if let Some(token) = &s.upload_token {
                v["uploadSequenceToken"] = token.clone().into();
            }
            v
        })
        .collect();
    let mut body = json!({ "logStreams": page });
    if end < streams.len() {
        body["nextToken"] = end.to_string().into();
    }
    Ok(body)
}

fn check_group(name: &str) -> Result<(), ApiError> {
    if valid_group_name(name) {
        Ok(())
    } else {
        Err(ApiError::invalid_parameter(format!(
            "invalid log group name {name:?}: 1-512 characters of [.-_/#A-Za-z0-9]"
        )))
    }
}

fn check_stream(name: &str) -> Result<(), ApiError> {
    if valid_stream_name(name) {
        Ok(())
    } else {
        Err(ApiError::invalid_parameter(format!(
            "invalid log stream name {name:?}: 1-512 characters, no ':' or '*'"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(logs: &mut Logs, op: Operation, body: Value) -> Result<Value, ApiError> {
        handle(logs, op, body.to_string().as_bytes(), 5)
    }

    #[test]
    fn describe_pages_by_prefix() {
        let mut logs = Logs::default();
        call(
            &mut logs,
            Operation::CreateLogGroup,
            json!({"logGroupName": "g"}),
        )
        .unwrap();
        for s in ["a-1", "a-2", "a-3", "b-1"] {
            let body = json!({"logGroupName": "g", "logStreamName": s});
            call(&mut logs, Operation::CreateLogStream, body).unwrap();
        }
        let req = json!({"logGroupName": "g", "logStreamNamePrefix": "a-", "limit": 2});
        let page = call(&mut logs, Operation::DescribeLogStreams, req).unwrap();
        let names: Vec<_> = page["logStreams"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["logStreamName"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["a-1", "a-2"]);
        assert_eq!(page["nextToken"], "2");
        let req = json!({"logGroupName": "g", "logStreamNamePrefix": "a-", "nextToken": "2"});
        let page = call(&mut logs, Operation::DescribeLogStreams, req).unwrap();
        assert_eq!(page["logStreams"][0]["logStreamName"], "a-3");
        assert_eq!(page["logStreams"][0]["creationTime"], 5);
        assert!(page.get("nextToken").is_none());
    }

    #[test]
    fn validates_names_and_retention() {
        let mut logs = Logs::default();
        let bad = call(
            &mut logs,
            Operation::CreateLogGroup,
            json!({"logGroupName": "a b"}),
        );
        assert_eq!(bad.unwrap_err().code, "InvalidParameterException");
        call(
            &mut logs,
            Operation::CreateLogGroup,
            json!({"logGroupName": "g"}),
        )
        .unwrap();
        let bad = call(
            &mut logs,
            Operation::PutRetentionPolicy,
            json!({"logGroupName": "g", "retentionInDays": 2}),
        );
        assert_eq!(bad.unwrap_err().code, "InvalidParameterException");
        let missing = call(
            &mut logs,
            Operation::PutRetentionPolicy,
            json!({"logGroupName": "nope", "retentionInDays": 1}),
        );
        assert_eq!(missing.unwrap_err().code, "ResourceNotFoundException");
    }
}

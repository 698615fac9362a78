//! The examples of AWS's filter pattern documentation, with their documented results.
//!
//! - "Filter and Pattern Syntax" of the CloudWatch Logs User Guide, as published in
//!   `awsdocs/amazon-cloudwatch-logs-user-guide` (`doc_source/FilterAndPatternSyntax.md`);
//! - the current page, <https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html>,
//!   and its "Supported regular expressions (regex) syntax" section.

use crate::{FilterPattern, PatternError};

fn pattern(text: &str) -> FilterPattern {
    FilterPattern::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn assert_matches(text: &str, matching: &[&str], not_matching: &[&str]) {
    let p = pattern(text);
    for event in matching {
        assert!(p.matches(event), "{text} should match {event:?}");
    }
    for event in not_matching {
        assert!(!p.matches(event), "{text} should not match {event:?}");
    }
}

#[test]
fn single_term() {
    // "The filter pattern "ERROR" matches log event messages that contain this term, such as
    // [ERROR] A fatal exception has occurred / Exiting with ERRORCODE: -1"
    assert_matches(
        "ERROR",
        &[
            "[ERROR] A fatal exception has occurred",
            "Exiting with ERRORCODE: -1",
        ],
        &["[INFO] all good"],
    );
    // Current page: ERROR matches "[ERROR 400] BAD REQUEST", "[ERROR 401] UNAUTHORIZED REQUEST".
    assert_matches(
        "ERROR",
        &[
            "[ERROR 400] BAD REQUEST",
            "[ERROR 401] UNAUTHORIZED REQUEST",
        ],
        &[],
    );
    // The guide quotes the term: "ERROR".
    assert_matches(r#""ERROR""#, &["Exiting with ERRORCODE: -1"], &[]);
}

#[test]
fn include_and_exclude() {
    // "if you change the filter pattern to "ERROR" - "Exiting", the log event message
    // "Exiting with ERRORCODE: -1" would be excluded"
    assert_matches(
        r#""ERROR" - "Exiting""#,
        &["[ERROR] A fatal exception has occurred"],
        &["Exiting with ERRORCODE: -1"],
    );
}

#[test]
fn multiple_terms() {
    // "The filter pattern "ERROR Exception" matches log event messages that contain both terms"
    assert_matches(
        "ERROR Exception",
        &[
            "[ERROR] Caught IllegalArgumentException",
            "[ERROR] Unhandled Exception",
        ],
        &["[ERROR] A fatal exception has occurred"],
    );
    // "The filter pattern "Failed to process the request" matches log event messages that
    // contain all terms"
    assert_matches(
        "Failed to process the request",
        &[
            "[WARN] Failed to process the request",
            "[ERROR] Unable to continue: Failed to process the request",
        ],
        &["[WARN] Failed to process"],
    );
}

#[test]
fn or_pattern_matching() {
    // "`ERROR` matches examples 1 and 2. `?ERROR ?WARN` matches examples 1, 2, and 3 ...
    // `ERROR WARN` only matches example 1 ... ERROR -WARN matches example 2"
    let examples = ["ERROR WARN message", "ERROR message", "WARN message"];
    let which = |text: &str| -> Vec<usize> {
        let p = pattern(text);
        (1..=3).filter(|i| p.matches(examples[i - 1])).collect()
    };
    assert_eq!(which("ERROR"), [1, 2]);
    assert_eq!(which("?ERROR ?WARN"), [1, 2, 3]);
    assert_eq!(which("ERROR WARN"), [1]);
    assert_eq!(which("ERROR -WARN"), [2]);
}

#[test]
fn json_or_pattern_matching() {
    // "{$.foo = bar} matches pattern 1, {$.foo = baz } matches pattern 2, and
    // {$.foo = bar || $.foo = baz } matches pattern 1 and 2"
    let one = r#"{"foo": "bar"}"#;
    let two = r#"{"foo": "baz"}"#;
    assert_matches("{$.foo = bar}", &[one], &[two]);
    assert_matches("{$.foo = baz }", &[two], &[one]);
    assert_matches("{$.foo = bar || $.foo = baz }", &[one, two], &[]);
}

const TRAIL_EVENT: &str = r#"{
  "eventType": "UpdateTrail",
  "sourceIPAddress": "111.111.111.111",
  "arrayKey": [
        "value",
        "another value"
  ],
  "objectList": [
       {
         "name": "a",
         "id": 1
       },
       {
         "name": "b",
         "id": 2
       }
  ],
  "SomeObject": null,
  "ThisFlag": true
}"#;

#[test]
fn json_metric_filter_examples() {
    // "The following filters would match:"
    for text in [
        r#"{ $.eventType = "UpdateTrail" }"#,
        "{ $.sourceIPAddress != 123.123.* }",
        r#"{ $.arrayKey[0] = "value" }"#,
        "{ $.objectList[1].id = 2 }",
        "{ $.SomeObject IS NULL }",
        "{ $.SomeOtherObject NOT EXISTS }",
        "{ $.ThisFlag IS TRUE }",
    ] {
        assert_matches(text, &[TRAIL_EVENT], &[]);
    }
    // "If arrayKey is not an array this will be false."
    assert_matches(
        r#"{ $.arrayKey[0] = "value" }"#,
        &[],
        &[r#"{"arrayKey": "value"}"#],
    );
    // "This also works for boolean filters which check for FALSE value."
    assert_matches("{ $.ThisFlag IS FALSE }", &[], &[TRAIL_EVENT]);
    // "This will only be true is the specified object is set to null."
    assert_matches("{ $.eventType IS NULL }", &[], &[TRAIL_EVENT]);
}

#[test]
fn wildcards_in_strings() {
    // "*Event will match PutEvent and GetEvent. Event* will match EventId and EventName.
    // Ev*ent will only match the actual string Ev*ent."
    let event = |v: &str| format!(r#"{{"name": "{v}"}}"#);
    assert_matches(
        "{ $.name = *Event }",
        &[&event("PutEvent"), &event("GetEvent")],
        &[&event("EventId")],
    );
    assert_matches(
        "{ $.name = Event* }",
        &[&event("EventId"), &event("EventName")],
        &[&event("PutEvent")],
    );
    assert_matches(
        r#"{ $.name = "Ev*ent" }"#,
        &[&event("Ev*ent")],
        &[&event("Event"), &event("Evident")],
    );
}

const USERS_EVENT: &str = r#"{
    "user": {
        "id": 1,
        "email": "John.Stiles@example.com"
    },
    "users": [
        {
         "id": 2,
         "email": "John.Doe@example.com"
        },
        {
         "id": 3,
         "email": "Jane.Doe@example.com"
        }
    ],
    "actions": [
        "GET",
        "PUT",
        "DELETE"
    ],
    "coordinates": [
        [0, 1, 2],
        [4, 5, 6],
        [7, 8, 9]
    ]
}"#;

#[test]
fn json_compound_conditions() {
    // "Parenthesis are allowed and the syntax follows standard order of operations () > && > ||"
    assert_matches(
        r#"{ ($.user.id = 1) && ($.users[0].email = "John.Doe@example.com") }"#,
        &[USERS_EVENT],
        &[],
    );
    assert_matches(
        r#"{ ($.user.id = 2 && $.users[0].email = "nonmatch") || $.actions[2] = "GET" }"#,
        &[],
        &[USERS_EVENT],
    );
    assert_matches(
        r#"{ $.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch && $.actions[2] = nomatch }"#,
        &[USERS_EVENT],
        &[],
    );
    assert_matches(
        r#"{ ($.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch) && $.actions[2] = nomatch }"#,
        &[],
        &[USERS_EVENT],
    );
}

#[test]
fn selectors_on_arrays_or_objects_never_match() {
    // "both {$.users = 1} and {$.users != 1} will fail to match a log event where users is an
    // array"
    let event = r#"{ "users": [1, 2, 3] }"#;
    assert_matches("{$.users = 1}", &[], &[event]);
    assert_matches("{$.users != 1}", &[], &[event]);
}

#[test]
fn numeric_comparisons() {
    // The documented examples parse; each holds for a matching event.
    for (text, event) in [
        ("{ $.latency >= 500 }", r#"{"latency": 500}"#),
        ("{ $.numbers[0] < 10e3 }", r#"{"numbers": [9999]}"#),
        ("{ $.numbers[0] < 10e-3 }", r#"{"numbers": [0.001]}"#),
        (
            "{ $.processes[4].averageRuntime <= 55.5 }",
            r#"{"processes": [{}, {}, {}, {}, {"averageRuntime": 55.5}]}"#,
        ),
        ("{ $.errorCode = 400 }", r#"{"errorCode": 400}"#),
        ("{ $.errorCode != 500 }", r#"{"errorCode": 400}"#),
        ("{ $.latency > +1000 }", r#"{"latency": 1001}"#),
    ] {
        assert_matches(text, &[event], &[r#"{"other": 1}"#]);
    }
    assert_matches("{ $.errorCode != 500 }", &[], &[r#"{"errorCode": 500}"#]);
}

#[test]
fn regex_patterns() {
    // "%AUTHORIZED% ... returns log event messages, such as: [ERROR 401] UNAUTHORIZED REQUEST,
    // [SUCCESS 200] AUTHORIZED REQUEST"
    assert_matches(
        "%AUTHORIZED%",
        &[
            "[ERROR 401] UNAUTHORIZED REQUEST",
            "[SUCCESS 200] AUTHORIZED REQUEST",
        ],
        &["[SUCCESS 200] OK"],
    );
    // "use %\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}% to match any IP address format, or
    // %[Ee]rror|[Ff]ail% to catch both "Error"/"error" and "Fail"/"fail""
    assert_matches(
        r"%\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}%",
        &["connect to 10.0.3.17 failed"],
        &["no address"],
    );
    assert_matches(
        "%[Ee]rror|[Ff]ail%",
        &["Error", "error", "Fail", "fail"],
        &["ERROR"],
    );
    // "%something!% would be rejected since '!' is not supported."
    assert!(matches!(
        FilterPattern::parse("%something!%"),
        Err(PatternError::Regex { .. })
    ));
}

#[test]
fn strings_with_other_characters_need_quotes() {
    // "Metric filter terms that include characters other than alphanumeric or underscore must
    // be placed inside double quotes"
    assert!(matches!(
        FilterPattern::parse("ERRORCODE: -1"),
        Err(PatternError::UnquotedTerm(_))
    ));
    assert_matches(r#""ERRORCODE: -1""#, &["Exiting with ERRORCODE: -1"], &[]);
}

//! JSON patterns: conditions on the fields of JSON log events, `{ SELECTOR OP VALUE }`.
//!
//! As documented ("Using filter patterns to match terms in JSON log events",
//! <https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html>):
//! - selectors start at `$`, name properties with letters, digits, `-` and `_`, and index
//!   arrays with `[N]` after a property (`$.users[0].id`);
//! - string values compare with `=` / `!=`, exactly, with `*` as a wildcard at the start or the
//!   end ("`Ev*ent` will only match the actual string `Ev*ent`");
//! - numbers compare with `=`, `!=`, `<`, `<=`, `>`, `>=`;
//! - `IS NULL`, `IS TRUE`, `IS FALSE`, `NOT EXISTS`; `&&` and `||` with parentheses, where
//!   "() > && > ||";
//! - "The SELECTOR must point to a value node (string or number) in the JSON. If it points to an
//!   array or object, the filter will not be applied": both `=` and `!=` are false there.
//!
//! Where the guide is silent this evaluator takes the reading that delivers nothing
//! unexpected: a missing field makes `=` and `!=` false (only `NOT EXISTS` is true), an event
//! that is not a JSON object matches no JSON pattern, and a numeric operator on a string field
//! is false.

mod parse;

use serde_json::Value;

use crate::regex::CloudWatchRegex;

pub use parse::parse;

/// A JSON pattern's expression.
#[derive(Debug, Clone)]
pub enum Expr {
    /// Both sides hold.
    And(Box<Expr>, Box<Expr>),
    /// Either side holds.
    Or(Box<Expr>, Box<Expr>),
    /// One condition on one field.
    Condition(Selector, Test),
}

impl Expr {
    /// Regexes in the expression.
    pub fn regex_count(&self) -> usize {
        match self {
            Expr::And(a, b) | Expr::Or(a, b) => a.regex_count() + b.regex_count(),
            Expr::Condition(_, Test::Regex { .. }) => 1,
            Expr::Condition(..) => 0,
        }
    }
}

/// A path from the root of the event: properties and array indexes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selector(pub Vec<Step>);

/// One step of a [`Selector`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// `.name`
    Property(String),
    /// `[N]`
    Index(usize),
}

impl Selector {
    fn resolve<'a>(&self, root: &'a Value) -> Option<&'a Value> {
        self.0.iter().try_fold(root, |value, step| match step {
            Step::Property(name) => value.as_object()?.get(name),
            Step::Index(i) => value.as_array()?.get(*i),
        })
    }
}

/// Comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

/// What a condition checks.
#[derive(Debug, Clone)]
pub enum Test {
    /// `= "text"` / `!= text`, with `*` wildcards at either end.
    Text {
        /// `=` or `!=`.
        negated: bool,
        /// The value as written, without quotes.
        value: String,
    },
    /// A numeric comparison; `literal` is the number as written, compared as text with a
    /// string field under `=` / `!=`.
    Number {
        /// The operator.
        op: Op,
        /// The number.
        number: f64,
        /// The number as written.
        literal: String,
    },
    /// `= %regex%` / `!= %regex%` on a string field.
    Regex {
        /// `=` or `!=`.
        negated: bool,
        /// The regex.
        regex: CloudWatchRegex,
    },
    /// `IS NULL`
    IsNull,
    /// `IS TRUE` / `IS FALSE`
    IsBool(bool),
    /// `NOT EXISTS`
    NotExists,
}

/// Whether the JSON event `message` satisfies `expr`. Not JSON: no match.
pub fn matches(expr: &Expr, message: &str) -> bool {
    match serde_json::from_str::<Value>(message.trim()) {
        Ok(root @ Value::Object(_)) => eval(expr, &root),
        _ => false,
    }
}

fn eval(expr: &Expr, root: &Value) -> bool {
    match expr {
        Expr::And(a, b) => eval(a, root) && eval(b, root),
        Expr::Or(a, b) => eval(a, root) || eval(b, root),
        Expr::Condition(selector, test) => check(test, selector.resolve(root)),
    }
}

/// The text of a value node (a string, number or boolean), for string comparisons.
fn node_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Null | Value::Array(_) | Value::Object(_) => None,
    }
}

fn check(test: &Test, found: Option<&Value>) -> bool {
    match test {
        Test::NotExists => found.is_none(),
        Test::IsNull => matches!(found, Some(Value::Null)),
        Test::IsBool(b) => found.and_then(Value::as_bool) == Some(*b),
        Test::Text { negated, value } => found
            .and_then(node_text)
            .is_some_and(|text| wildcard_eq(value, &text) != *negated),
        Test::Regex { negated, regex } => found
            .and_then(Value::as_str)
            .is_some_and(|text| regex.is_match(text) != *negated),
        Test::Number {
            op,
            number,
            literal,
        } => match found {
            Some(Value::Number(n)) => n.as_f64().is_some_and(|n| compare(*op, n, *number)),
            Some(Value::String(s)) => match op {
                Op::Eq => s == literal,
                Op::Ne => s != literal,
                _ => false,
            },
            _ => false,
        },
    }
}

fn compare(op: Op, field: f64, number: f64) -> bool {
    match op {
        Op::Eq => field == number,
        Op::Ne => field != number,
        Op::Lt => field < number,
        Op::Le => field <= number,
        Op::Gt => field > number,
        Op::Ge => field >= number,
    }
}

/// `*` at the start and/or the end of `pattern` matches any text; elsewhere it is literal.
fn wildcard_eq(pattern: &str, text: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    let leading = pattern.starts_with('*');
    let trailing = pattern.len() > 1 && pattern.ends_with('*');
    let core = &pattern[usize::from(leading)..pattern.len() - usize::from(trailing)];
    match (leading, trailing) {
        (true, true) => text.contains(core),
        (true, false) => text.ends_with(core),
        (false, true) => text.starts_with(core),
        (false, false) => text == core,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pattern: &str, event: &str) -> bool {
        matches(&parse(pattern).unwrap(), event)
    }

    #[test]
    fn wildcards_only_at_the_ends() {
        assert!(wildcard_eq("*Event", "PutEvent"));
        assert!(wildcard_eq("Event*", "EventName"));
        assert!(wildcard_eq("*vent*", "PutEvents"));
        assert!(!wildcard_eq("Ev*ent", "Evident"));
        assert!(wildcard_eq("Ev*ent", "Ev*ent"));
        assert!(wildcard_eq("*", ""));
    }

    #[test]
    fn missing_fields_match_only_not_exists() {
        let event = r#"{"a":1}"#;
        assert!(!m(r#"{ $.b = "x" }"#, event));
        assert!(!m(r#"{ $.b != "x" }"#, event));
        assert!(m("{ $.b NOT EXISTS }", event));
        assert!(!m("{ $.a NOT EXISTS }", event));
        assert!(m("{ $.a.b NOT EXISTS }", event));
    }

    #[test]
    fn non_json_events_match_no_json_pattern() {
        assert!(!m("{ $.b NOT EXISTS }", "plain text"));
        assert!(!m("{ $.b NOT EXISTS }", "[1,2]"));
        assert!(!m(r#"{ $.level = "ERROR" }"#, r#"{"level":"ERROR""#));
    }

    #[test]
    fn numbers_compare_numerically_and_strings_textually() {
        let event = r#"{"latency":1500,"code":"400","ratio":0.5,"ok":true,"none":null}"#;
        assert!(m("{ $.latency > 1000 }", event));
        assert!(m("{ $.latency = 1.5e3 }", event));
        assert!(!m("{ $.latency < +1000 }", event));
        assert!(m("{ $.code = 400 }", event));
        assert!(!m("{ $.code > 300 }", event));
        assert!(m("{ $.ratio <= 0.5 }", event));
        assert!(m("{ $.latency = * }", event));
        assert!(m("{ $.ok IS TRUE }", event));
        assert!(!m("{ $.ok IS FALSE }", event));
        assert!(m("{ $.none IS NULL }", event));
        assert!(!m("{ $.none = * }", event));
    }

    #[test]
    fn regex_values_match_string_fields() {
        let event = r#"{"message":"Task timed out after 3.00 seconds","n":3}"#;
        assert!(m("{ $.message = %timed.out% }", event));
        assert!(!m("{ $.message != %timed.out% }", event));
        assert!(!m("{ $.n = %3% }", event));
    }
}

//! CloudWatch's regex subset (`%...%`).
//!
//! "Supported regular expressions (regex) syntax"
//! (<https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html>):
//! a regex may only hold letters and digits, the symbols `: _ # = @ / ; , -`, and the operators
//! `^ $ ? [ ] { } | \ * + .`; "The ( and ) operators are not supported"; "Multi-byte characters
//! are not supported". A regex matches anywhere in the text (`%AUTHORIZED%` matches
//! "[ERROR 401] UNAUTHORIZED REQUEST"), case-sensitively.

use crate::PatternError;

const SYMBOLS: &str = ":_#=@/;,-";
const OPERATORS: &str = "^$?[]{}|\\*+.";

/// A regex CloudWatch accepts, compiled.
#[derive(Debug, Clone)]
pub struct CloudWatchRegex {
    source: String,
    compiled: regex::Regex,
}

impl CloudWatchRegex {
    /// Checks `source` (without its `%`) against CloudWatch's subset and compiles it.
    pub fn new(source: &str) -> Result<CloudWatchRegex, PatternError> {
        let refuse = |reason: String| PatternError::Regex {
            regex: source.to_string(),
            reason,
        };
        if let Some(c) = source.chars().find(|c| !c.is_ascii()) {
            return Err(refuse(format!(
                "{c:?} is a multi-byte character, which CloudWatch regexes do not support"
            )));
        }
        if let Some(c) = source.chars().find(|c| *c == '(' || *c == ')') {
            return Err(refuse(format!(
                "{c:?}: parentheses (subpatterns) are not supported; write alternatives with `|` \
                 at the top level"
            )));
        }
        if let Some(c) = source.chars().find(|c| {
            !c.is_ascii_alphanumeric() && !SYMBOLS.contains(*c) && !OPERATORS.contains(*c)
        }) {
            return Err(refuse(format!(
                "{c:?} is not among the characters CloudWatch allows (letters, digits, \
                 {SYMBOLS} and the operators {OPERATORS}); a space can be written `\\s`"
            )));
        }
        let compiled = regex::Regex::new(source).map_err(|e| refuse(e.to_string()))?;
        Ok(CloudWatchRegex {
            source: source.to_string(),
            compiled,
        })
    }

    /// Whether the regex matches anywhere in `text`.
    pub fn is_match(&self, text: &str) -> bool {
        self.compiled.is_match(text)
    }

    /// The regex as written, without its `%`.
    pub fn as_str(&self) -> &str {
        &self.source
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_subset_compiles() {
        let ip = CloudWatchRegex::new(r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}").unwrap();
        assert!(ip.is_match("from 10.0.3.17 refused"));
        let either = CloudWatchRegex::new("[Ee]rror|[Ff]ail").unwrap();
        assert!(either.is_match("it failed") && either.is_match("Error!"));
        assert!(!either.is_match("all good"));
        assert_eq!(either.as_str(), "[Ee]rror|[Ff]ail");
    }

    #[test]
    fn outside_the_subset_is_refused() {
        for bad in ["something!", "(a|b)c", "café", "two words", "\"quoted\""] {
            let err = CloudWatchRegex::new(bad).unwrap_err();
            assert!(matches!(err, PatternError::Regex { .. }), "{bad}: {err}");
        }
        assert!(CloudWatchRegex::new("[unclosed").is_err());
    }
}

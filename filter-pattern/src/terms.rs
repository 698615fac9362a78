//! Unstructured patterns: terms and quoted phrases matched on the raw event text.
//!
//! As documented (<https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html>,
//! "Using filter patterns to match terms in unstructured log events"):
//! - "Filter patterns are case sensitive."
//! - every term must appear (`ERROR Exception`); `-term` excludes; `?term` makes the terms
//!   alternatives (`?ERROR ?WARN` matches events with either);
//! - "Enclose exact phrases and terms that include non-alphanumeric characters in double
//!   quotation marks" (`"Task timed out"`);
//! - a term matches inside a longer word: `ERROR` matches "Exiting with ERRORCODE: -1" (the
//!   guide's own example), so matching is by substring.
//!
//! Inside quotes, `\"` and `\\` stand for `"` and `\`: the escaping AWS's own CDK uses when it
//! renders terms (`quoteTerm` in aws-cdk-lib's `aws-logs/lib/pattern.ts`).

use crate::PatternError;

/// A parsed unstructured pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Terms {
    /// Every `required` term appears and no `excluded` one does.
    All {
        /// Terms that must appear.
        required: Vec<String>,
        /// Terms that must not appear.
        excluded: Vec<String>,
    },
    /// At least one of the `?` terms appears.
    Any(Vec<String>),
}

impl Terms {
    /// Whether `message` satisfies the terms.
    pub fn matches(&self, message: &str) -> bool {
        match self {
            Terms::All { required, excluded } => {
                required.iter().all(|t| message.contains(t.as_str()))
                    && !excluded.iter().any(|t| message.contains(t.as_str()))
            }
            Terms::Any(alternatives) => alternatives.iter().any(|t| message.contains(t.as_str())),
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Prefix {
    None,
    Optional,
    Excluded,
}

/// Parses a non-empty unstructured pattern.
pub fn parse(pattern: &str) -> Result<Terms, PatternError> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut i = 0;
    let mut required = Vec::new();
    let mut excluded = Vec::new();
    let mut optional = Vec::new();
    while i < chars.len() {
        if chars[i].is_whitespace() {
            i += 1;
            continue;
        }
        let mut prefix = Prefix::None;
        if chars[i] == '?' || chars[i] == '-' {
            prefix = if chars[i] == '?' {
                Prefix::Optional
            } else {
                Prefix::Excluded
            };
            i += 1;
            // The guide writes `"ERROR" - "Exiting"` with a space after the minus.
            while i < chars.len() && chars[i].is_whitespace() {
                i += 1;
            }
            if i == chars.len() {
                return Err(PatternError::Syntax {
                    position: i,
                    message: "a `?` or `-` must be followed by a term".into(),
                });
            }
        }
        let (term, next) = if chars[i] == '"' {
            quoted(&chars, i)?
        } else {
            bare(&chars, i)?
        };
        i = next;
        match prefix {
            Prefix::None => required.push(term),
            Prefix::Optional => optional.push(term),
            Prefix::Excluded => excluded.push(term),
        }
    }
    if optional.is_empty() {
        Ok(Terms::All { required, excluded })
    } else if required.is_empty() && excluded.is_empty() {
        Ok(Terms::Any(optional))
    } else {
        Err(PatternError::MixedAlternatives)
    }
}

/// A quoted term starting at `start` (the opening quote); returns it and the index after it.
fn quoted(chars: &[char], start: usize) -> Result<(String, usize), PatternError> {
    let mut term = String::new();
    let mut i = start + 1;
    while i < chars.len() {
        match chars[i] {
            '\\' if matches!(chars.get(i + 1), Some('"' | '\\')) => {
                term.push(chars[i + 1]);
                i += 2;
            }
            '"' => {
                let next = i + 1;
                if chars.get(next).is_some_and(|c| !c.is_whitespace()) {
                    return Err(PatternError::Syntax {
                        position: next,
                        message: "a quoted term must be followed by a space or the end".into(),
                    });
                }
                return Ok((term, next));
            }
            c => {
                term.push(c);
                i += 1;
            }
        }
    }
    Err(PatternError::Syntax {
        position: start,
        message: "this quote is never closed".into(),
    })
}

/// An unquoted term: letters, digits and `_` only.
fn bare(chars: &[char], start: usize) -> Result<(String, usize), PatternError> {
    let end = chars[start..]
        .iter()
        .position(|c| c.is_whitespace())
        .map_or(chars.len(), |n| start + n);
    let term: String = chars[start..end].iter().collect();
    if term.chars().all(|c| c.is_alphanumeric() || c == '_') {
        Ok((term, end))
    } else if term.starts_with('%') || term.starts_with('{') || term.starts_with('[') {
        Err(PatternError::Unsupported {
            what: format!("a regex, JSON or space-delimited part after terms ({term:?})"),
            instead: "a pattern is either terms, or one `%regex%`, or one `{ JSON }`".into(),
        })
    } else {
        Err(PatternError::UnquotedTerm(term))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_escape_quotes_and_backslashes() {
        let terms = parse(r#"?"\"level\":50" ?"a\\b""#).unwrap();
        assert_eq!(
            terms,
            Terms::Any(vec!["\"level\":50".into(), "a\\b".into()])
        );
        assert!(terms.matches(r#"{"level":50,"msg":"x"}"#));
        assert!(terms.matches(r"path a\b"));
        assert!(!terms.matches(r#"{"level":30}"#));
    }

    #[test]
    fn unquoted_punctuation_is_refused() {
        assert_eq!(
            parse("Status: timeout"),
            Err(PatternError::UnquotedTerm("Status:".into()))
        );
        assert!(parse(r#""Status: timeout""#).is_ok());
        assert!(parse("snake_case Ünïcode 42").is_ok());
    }

    #[test]
    fn mixing_alternatives_is_refused() {
        assert_eq!(parse("?ERROR WARN"), Err(PatternError::MixedAlternatives));
        assert_eq!(parse("?ERROR -WARN"), Err(PatternError::MixedAlternatives));
    }

    #[test]
    fn broken_quotes_are_syntax_errors() {
        assert!(matches!(
            parse(r#""never closed"#),
            Err(PatternError::Syntax { position: 0, .. })
        ));
        assert!(matches!(
            parse(r#""a"b"#),
            Err(PatternError::Syntax { position: 3, .. })
        ));
        assert!(matches!(parse("ERROR -"), Err(PatternError::Syntax { .. })));
    }

    #[test]
    fn matching_is_case_sensitive() {
        let terms = parse("ERROR").unwrap();
        assert!(terms.matches("ERROR x"));
        assert!(!terms.matches("error x"));
    }
}

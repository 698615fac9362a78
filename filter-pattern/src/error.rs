//! Why a pattern is refused. Each message says what was wrong and what to write instead.

/// A filter pattern CloudWatch would refuse, or one this evaluator does not support.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PatternError {
    /// Longer than the API accepts.
    #[error("the filter pattern is {chars} characters long; CloudWatch accepts at most {max}")]
    TooLong {
        /// Characters in the pattern.
        chars: usize,
        /// The limit.
        max: usize,
    },
    /// Not valid filter pattern syntax.
    #[error("filter pattern syntax error at character {position}: {message}")]
    Syntax {
        /// Character offset where the problem was found.
        position: usize,
        /// What was expected.
        message: String,
    },
    /// A form this evaluator does not implement, or that CloudWatch does not document.
    #[error("{what} are not supported here; {instead}")]
    Unsupported {
        /// The form.
        what: String,
        /// What to write instead.
        instead: String,
    },
    /// A term with characters other than letters, digits and `_`, without quotes.
    #[error(
        "the term {0:?} has characters other than letters, digits and `_`; CloudWatch needs it \
         in double quotes: \"{0}\""
    )]
    UnquotedTerm(String),
    /// `?` alternatives mixed with required or excluded terms.
    #[error(
        "the pattern mixes `?` alternatives with other terms; CloudWatch documents `?a ?b` (any \
         of) and `a b -c` (all of, none of) but not a mix: use one form"
    )]
    MixedAlternatives,
    /// A regex outside CloudWatch's subset.
    #[error("the regex %{regex}% is not accepted by CloudWatch: {reason}")]
    Regex {
        /// The regex, without its `%`.
        regex: String,
        /// What is wrong with it.
        reason: String,
    },
    /// More regexes than one pattern may hold.
    #[error(
        "the pattern holds {count} regexes; CloudWatch allows at most {max} per filter pattern"
    )]
    TooManyRegex {
        /// Regexes found.
        count: usize,
        /// The limit.
        max: usize,
    },
}

//! The parser of JSON patterns: `{ expr }` where `expr` is conditions joined by `&&` (binds
//! tighter) and `||`, grouped by parentheses.

use super::{Expr, Op, Selector, Step, Test};
use crate::PatternError;
use crate::regex::CloudWatchRegex;

/// Parses a JSON pattern (`pattern` starts with `{`).
pub fn parse(pattern: &str) -> Result<Expr, PatternError> {
    let mut parser = Parser {
        chars: pattern.chars().collect(),
        at: 0,
    };
    parser.skip_ws();
    parser.expect('{')?;
    let expr = parser.or()?;
    parser.skip_ws();
    parser.expect('}')?;
    parser.skip_ws();
    if parser.at < parser.chars.len() {
        return Err(parser.error("nothing may follow the closing `}`"));
    }
    Ok(expr)
}

struct Parser {
    chars: Vec<char>,
    at: usize,
}

/// Characters of an unquoted value: letters, digits and the punctuation of numbers,
/// wildcards and dotted values (`123.123.*`).
fn bare_value_char(c: char) -> bool {
    c.is_alphanumeric() || "_-.*+".contains(c)
}

fn property_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

/// The documented NUMBER: an integer or decimal with an optional sign, optionally followed by
/// `e` and a signed integer.
fn number(text: &str) -> Option<f64> {
    let body = text.strip_prefix(['+', '-']).unwrap_or(text);
    let (mantissa, exponent) = match body.split_once(['e', 'E']) {
        Some((m, e)) => (m, Some(e)),
        None => (body, None),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = !int.is_empty() && digits(int) && digits(frac);
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    (mantissa_ok && exponent_ok)
        .then(|| text.parse().ok())
        .flatten()
}

impl Parser {
    fn error(&self, message: impl Into<String>) -> PatternError {
        PatternError::Syntax {
            position: self.at,
            message: message.into(),
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.at += 1;
        }
    }

    fn starts_with(&self, text: &str) -> bool {
        text.chars()
            .enumerate()
            .all(|(i, c)| self.chars.get(self.at + i) == Some(&c))
    }

    /// `word` as a whole word at the cursor.
    fn keyword(&self, word: &str) -> bool {
        self.starts_with(word)
            && self
                .chars
                .get(self.at + word.len())
                .is_none_or(|c| !c.is_alphanumeric())
    }

    fn expect(&mut self, c: char) -> Result<(), PatternError> {
        if self.peek() == Some(c) {
            self.at += 1;
            Ok(())
        } else {
            Err(self.error(format!("expected `{c}`")))
        }
    }

    fn or(&mut self) -> Result<Expr, PatternError> {
        let mut left = self.and()?;
        loop {
            self.skip_ws();
            if !self.starts_with("||") {
                return Ok(left);
            }
            self.at += 2;
            let right = self.and()?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
    }

    fn and(&mut self) -> Result<Expr, PatternError> {
        let mut left = self.primary()?;
        loop {
            self.skip_ws();
            if !self.starts_with("&&") {
                return Ok(left);
            }
            self.at += 2;
            let right = self.primary()?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
    }

    fn primary(&mut self) -> Result<Expr, PatternError> {
        self.skip_ws();
        if self.peek() == Some('(') {
            self.at += 1;
            let inner = self.or()?;
            self.skip_ws();
            self.expect(')')?;
            return Ok(inner);
        }
        let selector = self.selector()?;
        self.skip_ws();
        let test = self.test()?;
        Ok(Expr::Condition(selector, test))
    }

    fn selector(&mut self) -> Result<Selector, PatternError> {
        if self.peek() != Some('$') {
            return Err(self.error("expected a selector starting with `$` (like `$.level`)"));
        }
        self.at += 1;
        let mut steps = Vec::new();
        loop {
            match self.peek() {
                Some('.') => {
                    self.at += 1;
                    if self.peek() == Some('*') {
                        return Err(PatternError::Unsupported {
                            what: "`$.*` selectors".into(),
                            instead: "name the field (`$.level`)".into(),
                        });
                    }
                    let start = self.at;
                    while self.peek().is_some_and(property_char) {
                        self.at += 1;
                    }
                    if self.at == start {
                        return Err(self.error(
                            "a property name (letters, digits, `-` and `_`) must follow `.`",
                        ));
                    }
                    steps.push(Step::Property(self.chars[start..self.at].iter().collect()));
                }
                Some('[') => {
                    if !matches!(steps.last(), Some(Step::Property(_) | Step::Index(_))) {
                        return Err(self.error("an array index must follow a property"));
                    }
                    self.at += 1;
                    let start = self.at;
                    while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                        self.at += 1;
                    }
                    let digits: String = self.chars[start..self.at].iter().collect();
                    let index = digits
                        .parse()
                        .map_err(|_| self.error("an array index is a number: `[0]`"))?;
                    self.expect(']')?;
                    steps.push(Step::Index(index));
                }
                _ => break,
            }
        }
        if steps.is_empty() {
            return Err(self.error("a selector names a field: `$.level`, `$.users[0].id`"));
        }
        if self
            .peek()
            .is_some_and(|c| !c.is_whitespace() && !"=!<>".contains(c))
        {
            return Err(self.error(
                "property names hold only letters, digits, `-` and `_`; this field cannot be \
                 selected",
            ));
        }
        Ok(Selector(steps))
    }

    fn test(&mut self) -> Result<Test, PatternError> {
        if self.keyword("IS") {
            self.at += 2;
            self.skip_ws();
            for (word, test) in [
                ("NULL", Test::IsNull),
                ("TRUE", Test::IsBool(true)),
                ("FALSE", Test::IsBool(false)),
            ] {
                if self.keyword(word) {
                    self.at += word.len();
                    return Ok(test);
                }
            }
            return Err(self.error("expected NULL, TRUE or FALSE after IS"));
        }
        if self.keyword("NOT") {
            self.at += 3;
            self.skip_ws();
            if self.keyword("EXISTS") {
                self.at += 6;
                return Ok(Test::NotExists);
            }
            return Err(self.error("expected EXISTS after NOT"));
        }
        if self.keyword("EXISTS") {
            return Err(PatternError::Unsupported {
                what: "`EXISTS` conditions (CloudWatch documents only `NOT EXISTS`)".into(),
                instead: "write `= *` to match a field with any value (`{ $.error = * }`)".into(),
            });
        }
        let op = self.op()?;
        self.skip_ws();
        self.value(op)
    }

    fn op(&mut self) -> Result<Op, PatternError> {
        if self.starts_with("==") {
            return Err(self.error("`==` is not an operator; write `=`"));
        }
        for (text, op) in [
            ("!=", Op::Ne),
            ("<=", Op::Le),
            (">=", Op::Ge),
            ("=", Op::Eq),
            ("<", Op::Lt),
            (">", Op::Gt),
        ] {
            if self.starts_with(text) {
                self.at += text.len();
                return Ok(op);
            }
        }
        Err(self.error(
            "expected an operator (=, !=, <, <=, >, >=) or IS NULL / IS TRUE / IS FALSE / NOT EXISTS",
        ))
    }

    fn value(&mut self, op: Op) -> Result<Test, PatternError> {
        let textual = matches!(op, Op::Eq | Op::Ne);
        let negated = op == Op::Ne;
        match self.peek() {
            Some('"') => {
                let start = self.at;
                let text = self.quoted()?;
                if !textual {
                    self.at = start;
                    return Err(self.error("`<`, `<=`, `>` and `>=` compare with a number"));
                }
                Ok(Test::Text {
                    negated,
                    value: text,
                })
            }
            Some('%') => {
                self.at += 1;
                let start = self.at;
                while self.peek().is_some_and(|c| c != '%') {
                    self.at += 1;
                }
                let source: String = self.chars[start..self.at].iter().collect();
                self.expect('%')?;
                if !textual {
                    return Err(self.error("a regex value compares with `=` or `!=`"));
                }
                Ok(Test::Regex {
                    negated,
                    regex: CloudWatchRegex::new(&source)?,
                })
            }
            _ => {
                let start = self.at;
                while self.peek().is_some_and(bare_value_char) {
                    self.at += 1;
                }
                let text: String = self.chars[start..self.at].iter().collect();
                if text.is_empty()
                    || self
                        .peek()
                        .is_some_and(|c| !c.is_whitespace() && !")}&|".contains(c))
                {
                    return Err(self.error(
                        "a value is a number, or a string in double quotes (unquoted only when \
                         it holds letters, digits, `.`, `-`, `_` and `*`)",
                    ));
                }
                match number(&text) {
                    Some(n) => Ok(Test::Number {
                        op,
                        number: n,
                        literal: text,
                    }),
                    None if textual => Ok(Test::Text {
                        negated,
                        value: text,
                    }),
                    None => {
                        self.at = start;
                        Err(self.error("`<`, `<=`, `>` and `>=` compare with a number"))
                    }
                }
            }
        }
    }

    /// A double-quoted string (`\"` and `\\` escapes); the cursor is on the opening quote.
    fn quoted(&mut self) -> Result<String, PatternError> {
        let start = self.at;
        self.at += 1;
        let mut text = String::new();
        while let Some(c) = self.peek() {
            match c {
                '\\' if matches!(self.chars.get(self.at + 1), Some('"' | '\\')) => {
                    text.push(self.chars[self.at + 1]);
                    self.at += 2;
                }
                '"' => {
                    self.at += 1;
                    return Ok(text);
                }
                c => {
                    text.push(c);
                    self.at += 1;
                }
            }
        }
        self.at = start;
        Err(self.error("this quote is never closed"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_of(pattern: &str) -> PatternError {
        parse(pattern).expect_err(pattern)
    }

    #[test]
    fn numbers_follow_the_documented_grammar() {
        for (text, value) in [
            ("500", 500.0),
            ("+1000", 1000.0),
            ("-3", -3.0),
            ("55.5", 55.5),
            ("10e3", 10_000.0),
            ("10e-3", 0.01),
        ] {
            assert_eq!(number(text), Some(value), "{text}");
        }
        for text in ["inf", "NaN", "1.2.3", "123.123.*", "e3", "1e", ""] {
            assert_eq!(number(text), None, "{text}");
        }
    }

    #[test]
    fn structure_errors_say_where() {
        assert!(matches!(error_of("{ $.a = 1"), PatternError::Syntax { .. }));
        assert!(matches!(
            error_of("{ ($.a = 1 }"),
            PatternError::Syntax { .. }
        ));
        assert!(matches!(
            error_of("{ $.a = 1 } x"),
            PatternError::Syntax { .. }
        ));
        assert!(matches!(
            error_of("{ a = 1 }"),
            PatternError::Syntax { position: 2, .. }
        ));
        assert!(matches!(error_of("{ $ = 1 }"), PatternError::Syntax { .. }));
        assert!(matches!(
            error_of("{ $.a == 1 }"),
            PatternError::Syntax { .. }
        ));
        assert!(matches!(
            error_of("{ $.a > \"x\" }"),
            PatternError::Syntax { .. }
        ));
        assert!(matches!(
            error_of("{ $.a > abc }"),
            PatternError::Syntax { .. }
        ));
        assert!(matches!(
            error_of("{ $.a = user@example }"),
            PatternError::Syntax { .. }
        ));
        assert!(matches!(
            error_of("{ $.@timestamp = 1 }"),
            PatternError::Syntax { .. }
        ));
        assert!(matches!(
            error_of("{ $.a IS MAYBE }"),
            PatternError::Syntax { .. }
        ));
    }

    #[test]
    fn undocumented_forms_are_refused() {
        assert!(matches!(
            error_of("{ $.a EXISTS }"),
            PatternError::Unsupported { .. }
        ));
        assert!(matches!(
            error_of("{ $.* = 1 }"),
            PatternError::Unsupported { .. }
        ));
        assert!(matches!(
            error_of("{ $.a = %a(b)% }"),
            PatternError::Regex { .. }
        ));
    }

    #[test]
    fn and_binds_tighter_than_or() {
        // a || b && c  is  a || (b && c)
        match parse("{ $.a = 1 || $.b = 2 && $.c = 3 }").unwrap() {
            Expr::Or(_, right) => assert!(matches!(*right, Expr::And(..))),
            other => panic!("expected Or at the top, got {other:?}"),
        }
    }
}

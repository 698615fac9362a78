//! Checks a request's AWS Signature Version 4 as CloudWatch does, so that a body changed after
//! it was signed (or signed wrongly) fails here as it would in AWS, where moto accepts it.
//!
//! The algorithm is the one of "Create a signed AWS API request",
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html>: a canonical
//! request (method, path, sorted query, the signed headers, the SHA-256 of the body), the
//! string to sign (algorithm, `X-Amz-Date`, credential scope, the canonical request's hash),
//! and an HMAC-SHA256 chain from the secret key over the scope's date, region and service.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// Why a request's signature was refused, as AWS answers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SignatureError {
    /// No `Authorization` header (HTTP 400 `MissingAuthenticationTokenException`).
    Missing,
    /// An access key this endpoint does not know (HTTP 400 `UnrecognizedClientException`).
    UnknownKey(String),
    /// A malformed header (HTTP 400 `IncompleteSignatureException`).
    Incomplete(String),
    /// The signature does not match the request (HTTP 400 `InvalidSignatureException`).
    Mismatch,
}

/// The parts of a request a signature covers.
pub(crate) struct SignedRequest<'a> {
    pub(crate) method: &'a str,
    pub(crate) path: &'a str,
    pub(crate) query: &'a str,
    /// Header names and values as received.
    pub(crate) headers: Vec<(&'a str, &'a str)>,
    pub(crate) body: &'a [u8],
}

/// Checks `request`'s signature against `access_key` and `secret_key`.
pub(crate) fn verify(
    request: &SignedRequest<'_>,
    access_key: &str,
    secret_key: &str,
) -> Result<(), SignatureError> {
    let header = |name: &str| {
        request
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| *v)
    };
    let authorization = header("authorization").ok_or(SignatureError::Missing)?;
    let incomplete = |what: &str| SignatureError::Incomplete(format!("{what}: {authorization}"));
    let rest = authorization
        .strip_prefix("AWS4-HMAC-SHA256 ")
        .ok_or_else(|| incomplete("not AWS4-HMAC-SHA256"))?;
    let mut credential = None;
    let mut signed_headers = None;
    let mut signature = None;
    for part in rest.split(',') {
        match part.trim().split_once('=') {
            Some(("Credential", v)) => credential = Some(v),
            Some(("SignedHeaders", v)) => signed_headers = Some(v),
            Some(("Signature", v)) => signature = Some(v),
            _ => {}
        }
    }
    let (credential, signed_headers, signature) = match (credential, signed_headers, signature) {
        (Some(c), Some(h), Some(s)) => (c, h, s),
        _ => {
            return Err(incomplete(
                "Credential, SignedHeaders and Signature are required",
            ));
        }
    };
    let (key, scope) = credential
        .split_once('/')
        .ok_or_else(|| incomplete("Credential has no scope"))?;
    if key != access_key {
        return Err(SignatureError::UnknownKey(key.to_owned()));
    }
    let scope_parts: Vec<&str> = scope.split('/').collect();
    let [date, region, service, "aws4_request"] = scope_parts[..] else {
        return Err(incomplete(
            "the scope is not date/region/service/aws4_request",
        ));
    };
    let amz_date = header("x-amz-date").ok_or_else(|| incomplete("no X-Amz-Date"))?;

    let mut canonical = format!(
        "{}\n{}\n{}\n",
        request.method,
        request.path,
        canonical_query(request.query)
    );
    for name in signed_headers.split(';') {
        let value = header(name).ok_or_else(|| incomplete("a signed header is missing"))?;
        canonical.push_str(name);
        canonical.push(':');
        canonical.push_str(&value.split_whitespace().collect::<Vec<_>>().join(" "));
        canonical.push('\n');
    }
    canonical.push('\n');
    canonical.push_str(signed_headers);
    canonical.push('\n');
    canonical.push_str(&hex::encode(Sha256::digest(request.body)));

    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        hex::encode(Sha256::digest(canonical.as_bytes()))
    );
    let mut key = hmac(format!("AWS4{secret_key}").as_bytes(), date.as_bytes());
    for part in [region, service, "aws4_request"] {
        key = hmac(&key, part.as_bytes());
    }
    if hex::encode(hmac(&key, string_to_sign.as_bytes())) == signature {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

/// The query's `name=value` pairs sorted (the SDK's requests to this endpoint have none).
fn canonical_query(query: &str) -> String {
    let mut pairs: Vec<&str> = query.split('&').filter(|p| !p.is_empty()).collect();
    pairs.sort_unstable();
    pairs.join("&")
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    // HMAC takes a key of any length.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `GET /?Param2=value2&Param1=value1` example of the Signature Version 4 test suite
    /// (`get-vanilla-query-order-key-case`), with its published signature.
    fn example() -> SignedRequest<'static> {
        SignedRequest {
            method: "GET",
            path: "/",
            query: "Param2=value2&Param1=value1",
            headers: vec![
                ("Host", "example.amazonaws.com"),
                ("X-Amz-Date", "20150830T123600Z"),
                (
                    "Authorization",
                    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
                     SignedHeaders=host;x-amz-date, \
                     Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
                ),
            ],
            body: b"",
        }
    }

    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

    #[test]
    fn the_published_example_verifies() {
        assert_eq!(verify(&example(), "AKIDEXAMPLE", SECRET), Ok(()));
    }

    #[test]
    fn a_changed_body_header_or_key_does_not() {
        let mut body = example();
        body.body = b"changed after signing";
        assert_eq!(
            verify(&body, "AKIDEXAMPLE", SECRET),
            Err(SignatureError::Mismatch)
        );
        let mut date = example();
        date.headers[1].1 = "20150830T123601Z";
        assert_eq!(
            verify(&date, "AKIDEXAMPLE", SECRET),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(&example(), "AKIDEXAMPLE", "another secret"),
            Err(SignatureError::Mismatch)
        );
        assert!(matches!(
            verify(&example(), "OTHER", SECRET),
            Err(SignatureError::UnknownKey(_))
        ));
        let mut unsigned = example();
        unsigned.headers.pop();
        assert_eq!(
            verify(&unsigned, "AKIDEXAMPLE", SECRET),
            Err(SignatureError::Missing)
        );
    }
}

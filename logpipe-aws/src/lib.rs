//! How every binary of the pipeline loads its AWS SDK configuration.
//!
//! The standard `aws_config` chain is used as it is (environment, profiles, `AWS_ENDPOINT_URL`,
//! region from the environment). Added to it:
//! - the HTTP client, because the SDK crates are built without their default (aws-lc) TLS
//!   stack: one rustls client with the ring provider serves every crate of the workspace;
//! - timeouts ([`timeouts`]): the SDK sets none for reading a response, so an endpoint that
//!   accepts the connection and never answers would hang every command for good;
//! - a check of the endpoint variables ([`check_environment`]): the SDK panics on an empty
//!   `AWS_ENDPOINT_URL` and answers a URL without a scheme with a page of debug output;
//! - [`describe_error`], to print an SDK error as one line of causes.

use std::error::Error;
use std::time::Duration;

use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, SdkConfig};
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};

/// How long connecting to an endpoint may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long an endpoint may take to start answering a request, from when it is sent. The
/// pipeline's calls are small and answered in milliseconds; a call that uploads a large body
/// (a Lambda zip) sets a longer one for itself.
pub const READ_TIMEOUT: Duration = Duration::from_secs(20);
/// How long one call may take in all, retries included.
pub const OPERATION_TIMEOUT: Duration = Duration::from_secs(45);

/// The timeouts every client starts with (see [`CONNECT_TIMEOUT`], [`READ_TIMEOUT`],
/// [`OPERATION_TIMEOUT`]).
///
/// ```
/// let timeouts = logpipe_aws::timeouts();
/// assert_eq!(timeouts.read_timeout(), Some(logpipe_aws::READ_TIMEOUT));
/// ```
pub fn timeouts() -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .read_timeout(READ_TIMEOUT)
        .operation_timeout(OPERATION_TIMEOUT)
        .build()
}

/// An HTTPS client for the AWS SDK: hyper + rustls with the ring crypto provider.
pub fn https_client() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
        .build_https()
}

/// The loader every binary starts from: the standard chain plus [`https_client`] and
/// [`timeouts`]. Call [`check_environment`] before loading from it.
pub fn config_loader() -> aws_config::ConfigLoader {
    aws_config::defaults(BehaviorVersion::latest())
        .http_client(https_client())
        .timeout_config(timeouts())
}

/// Loads the SDK configuration from the environment, the way the AWS CLI would, after
/// [`check_environment`].
pub async fn load_config() -> Result<SdkConfig, EnvironmentError> {
    check_environment()?;
    Ok(config_loader().load().await)
}

/// An endpoint variable the SDK cannot use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvironmentError {
    /// Set, but to nothing.
    #[error(
        "{variable} is set but empty: unset it (`unset {variable}`) to use AWS, or set it to an \
         endpoint such as http://127.0.0.1:5000"
    )]
    EmptyEndpoint {
        /// The variable.
        variable: String,
    },
    /// Not an `http://` or `https://` URL with a host.
    #[error(
        "{variable}={value:?} is not an endpoint URL: write it with its scheme and host, such as \
         http://127.0.0.1:5000"
    )]
    BadEndpoint {
        /// The variable.
        variable: String,
        /// Its value.
        value: String,
    },
}

/// Checks `AWS_ENDPOINT_URL` and the per-service `AWS_ENDPOINT_URL_*` variables.
pub fn check_environment() -> Result<(), EnvironmentError> {
    check_endpoint_variables(std::env::vars_os().filter_map(|(name, value)| {
        Some((
            name.into_string().ok()?,
            value.to_string_lossy().into_owned(),
        ))
    }))
}

/// [`check_environment`] over given variables (pure, for tests).
pub fn check_endpoint_variables(
    variables: impl IntoIterator<Item = (String, String)>,
) -> Result<(), EnvironmentError> {
    for (variable, value) in variables {
        if !variable.starts_with("AWS_ENDPOINT_URL") {
            continue;
        }
        let trimmed = value.trim();
        if trimmed.is_empty() {
            return Err(EnvironmentError::EmptyEndpoint { variable });
        }
        let host = trimmed
            .strip_prefix("http://")
            .or_else(|| trimmed.strip_prefix("https://"))
            .filter(|rest| !rest.is_empty() && !rest.starts_with(['/', ':']));
        if host.is_none() || trimmed.contains(char::is_whitespace) {
            return Err(EnvironmentError::BadEndpoint { variable, value });
        }
    }
    Ok(())
}

/// An error and its causes on one line, `outer: cause: root cause`, without the debug
/// representations the SDK's own formatter (`DisplayErrorContext`) appends. A cause whose
/// text its parent already includes is not repeated.
///
/// ```
/// let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "connection refused");
/// let err = std::io::Error::other(io);
/// assert_eq!(logpipe_aws::describe_error(&err), "connection refused");
/// ```
pub fn describe_error(err: &(dyn Error + 'static)) -> String {
    let mut line = String::new();
    let mut next = Some(err);
    while let Some(err) = next {
        let text = err.to_string();
        if !text.is_empty() && !line.contains(&text) {
            if !line.is_empty() {
                line.push_str(": ");
            }
            line.push_str(&text);
        }
        next = err.source();
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn endpoint_variables_are_urls_with_a_scheme_and_a_host() {
        for good in [
            "http://127.0.0.1:5000",
            "https://logs.us-east-1.amazonaws.com",
            " http://localhost ",
        ] {
            assert_eq!(
                check_endpoint_variables(vars(&[("AWS_ENDPOINT_URL", good)])),
                Ok(()),
                "{good}"
            );
        }
        assert_eq!(check_endpoint_variables(vars(&[("PATH", "")])), Ok(()));
        let empty = check_endpoint_variables(vars(&[("AWS_ENDPOINT_URL_DYNAMODB", " ")]));
        assert!(
            matches!(&empty, Err(EnvironmentError::EmptyEndpoint { variable }) if variable == "AWS_ENDPOINT_URL_DYNAMODB")
        );
        assert!(
            empty
                .unwrap_err()
                .to_string()
                .contains("unset AWS_ENDPOINT_URL_DYNAMODB")
        );
        for bad in [
            "127.0.0.1:5077",
            "http://",
            "ftp://x",
            "http:///x",
            "http://a b",
        ] {
            let err = check_endpoint_variables(vars(&[("AWS_ENDPOINT_URL", bad)])).unwrap_err();
            assert!(matches!(err, EnvironmentError::BadEndpoint { .. }), "{bad}");
            assert!(err.to_string().contains("http://127.0.0.1:5000"), "{err}");
        }
    }

    #[derive(Debug)]
    struct Layer(&'static str, Option<Box<Layer>>);
    impl std::fmt::Display for Layer {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.0)
        }
    }
    impl Error for Layer {
        fn source(&self) -> Option<&(dyn Error + 'static)> {
            self.1.as_deref().map(|e| e as &(dyn Error + 'static))
        }
    }

    #[test]
    fn an_error_is_one_line_of_its_causes_without_repeats() {
        let err = Layer(
            "dispatch failure",
            Some(Box::new(Layer(
                "",
                Some(Box::new(Layer(
                    "tcp connect error: Connection refused",
                    Some(Box::new(Layer("Connection refused", None))),
                ))),
            ))),
        );
        assert_eq!(
            describe_error(&err),
            "dispatch failure: tcp connect error: Connection refused"
        );
    }

    #[tokio::test]
    async fn the_loader_carries_the_timeouts() {
        let config = config_loader()
            .region(aws_config::Region::new("us-east-1"))
            .load()
            .await;
        let timeouts = config.timeout_config().expect("set");
        assert_eq!(timeouts.connect_timeout(), Some(CONNECT_TIMEOUT));
        assert_eq!(timeouts.read_timeout(), Some(READ_TIMEOUT));
        assert_eq!(timeouts.operation_timeout(), Some(OPERATION_TIMEOUT));
    }
}

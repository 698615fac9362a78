//! How every binary of the pipeline loads its AWS SDK configuration.
//!
//! The standard `aws_config` chain is used as it is (environment, profiles, `AWS_ENDPOINT_URL`,
//! region from the environment); the only thing added is the HTTP client, because the SDK crates
//! are built without their default (aws-lc) TLS stack: one rustls client with the ring provider
//! serves every crate of the workspace.

use aws_config::{BehaviorVersion, SdkConfig};
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};

/// An HTTPS client for the AWS SDK: hyper + rustls with the ring crypto provider.
pub fn https_client() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
        .build_https()
}

/// The loader every binary starts from: the standard chain plus [`https_client`].
pub fn config_loader() -> aws_config::ConfigLoader {
    aws_config::defaults(BehaviorVersion::latest()).http_client(https_client())
}

/// Loads the SDK configuration from the environment, the way the AWS CLI would.
pub async fn load_config() -> SdkConfig {
    config_loader().load().await
}

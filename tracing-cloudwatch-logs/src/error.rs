//! Errors a user can hit when building the layer.

/// Why [`Builder::build`](crate::Builder::build) refused the configuration.
///
/// Each message names the setting and says what to change. `#[non_exhaustive]`: new checks
/// may be added in minor versions.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// No log group was given.
    #[error("no log group given: call .log_group(\"/my/service\") on the builder")]
    MissingLogGroup,
    /// The log group name breaks CloudWatch's naming rules.
    #[error(
        "log group name {0:?} is invalid: use 1 to 512 characters of a-z, A-Z, 0-9, '.', '-', '_', '/' and '#'"
    )]
    InvalidLogGroup(String),
    /// The log group name starts with `aws/`, which CloudWatch Logs reserves for AWS, and the
    /// layer was to create it.
    #[error(
        "log group name {0:?} starts with \"aws/\", which CloudWatch Logs reserves for AWS's own groups: choose another name, or call .create_log_group(false) to write to such a group that exists"
    )]
    ReservedLogGroup(String),
    /// The log stream name breaks CloudWatch's naming rules.
    #[error("log stream name {0:?} is invalid: use 1 to 512 characters, without ':' or '*'")]
    InvalidLogStream(String),
    /// No service name was given.
    #[error("no service name given: call .service(\"my-service\") on the builder")]
    MissingService,
    /// A static field would overwrite a key the layer writes itself.
    #[error("static field {0:?} collides with a reserved record key; choose another name")]
    ReservedStaticField(String),
    /// The per-event limit is outside what CloudWatch and the truncation rule allow.
    #[error("max_event_bytes {0} is out of range: choose between 1024 and 1048550")]
    InvalidMaxEventBytes(usize),
    /// The buffer cannot hold even one event of the maximum size.
    #[error(
        "buffer_bytes {buffer_bytes} is too small: it must hold one largest event ({min} bytes); raise it or lower max_event_bytes"
    )]
    BufferTooSmall {
        /// The configured buffer.
        buffer_bytes: usize,
        /// The least it must be.
        min: usize,
    },
    /// `max_in_flight` was zero.
    #[error(
        "max_in_flight must be at least 1: call .max_in_flight(n) with n >= 1, or leave the default (4)"
    )]
    ZeroInFlight,
    /// `flush_interval` was zero.
    #[error(
        "flush_interval must be longer than zero: give it a duration such as Duration::from_secs(1), or leave the default"
    )]
    ZeroFlushInterval,
    /// The client cannot work as configured (see
    /// [`LogsClient::configuration_problem`](crate::LogsClient::configuration_problem)).
    #[error("the CloudWatch Logs client cannot be used: {0}")]
    Client(String),
    /// A duration setting is outside the range the layer can work with.
    #[error("{setting} of {value:?} is out of range: choose between {min:?} and {max:?}")]
    DurationOutOfRange {
        /// The builder method.
        setting: &'static str,
        /// What was given.
        value: std::time::Duration,
        /// The least accepted.
        min: std::time::Duration,
        /// The most accepted.
        max: std::time::Duration,
    },
    /// The retention is not one CloudWatch Logs accepts.
    #[error(
        "retention_days {0} is not a retention CloudWatch Logs accepts: use one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653"
    )]
    InvalidRetentionDays(i32),
    /// The service name is empty.
    #[error("the service name is empty: call .service(\"my-service\") with the service's name")]
    EmptyService,
    /// The worker thread could not be started.
    #[error(
        "could not start the tracing-cloudwatch-logs worker thread ({0}): the process is out of threads or memory; raise its limits"
    )]
    Spawn(#[source] std::io::Error),
}

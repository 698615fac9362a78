//! The function's configuration as Lambda holds it, and the environment its process gets
//! (pure).
//!
//! Lambda starts `bootstrap` with the function's own variables plus the ones it defines
//! ("Defined runtime environment variables",
//! <https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime>).
//! Nothing else of the host's environment leaks in, so the process here starts from an empty
//! environment too. The one addition is `AWS_ENDPOINT_URL`, so that the function's SDK calls
//! reach the local emulator instead of AWS.

use std::collections::BTreeMap;
use std::path::Path;

/// What Lambda knows about a function (from `GetFunctionConfiguration`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionConfig {
    /// `FunctionName`.
    pub name: String,
    /// `FunctionArn`.
    pub arn: String,
    /// `MemorySize`, MB.
    pub memory_mb: i32,
    /// `Timeout`, seconds.
    pub timeout_secs: i32,
    /// `Handler`, if set.
    pub handler: Option<String>,
    /// `CodeSha256`: base64 of the SHA-256 of the deployment zip.
    pub code_sha256: String,
    /// `Environment.Variables`.
    pub variables: BTreeMap<String, String>,
    /// `LoggingConfig.LogGroup`, or `/aws/lambda/<name>`.
    pub log_group: String,
}

/// Credentials the execution role would give the function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// `AWS_ACCESS_KEY_ID`.
    pub access_key_id: String,
    /// `AWS_SECRET_ACCESS_KEY`.
    pub secret_access_key: String,
    /// `AWS_SESSION_TOKEN`, if any.
    pub session_token: Option<String>,
}

/// Where the process runs and what it talks to.
#[derive(Debug, Clone, Copy)]
pub struct Host<'a> {
    /// `host:port` of the Runtime API.
    pub runtime_api: &'a str,
    /// The region.
    pub region: &'a str,
    /// The extracted deployment package (`/var/task` on Lambda).
    pub task_root: &'a Path,
    /// The log stream name Lambda would write to.
    pub log_stream: &'a str,
    /// The emulator's endpoint, if any.
    pub endpoint_url: Option<&'a str>,
    /// The credentials.
    pub credentials: &'a Credentials,
}

/// The process environment of the function, sorted by name.
pub fn environment(config: &FunctionConfig, host: Host<'_>) -> BTreeMap<String, String> {
    let task_root = host.task_root.display().to_string();
    let mut env = BTreeMap::new();
    let mut set = |k: &str, v: &str| {
        env.insert(k.to_string(), v.to_string());
    };
    // Unreserved defaults: the function's own variables may override these.
    set("LANG", "en_US.UTF-8");
    set("PATH", "/usr/local/bin:/usr/bin/:/bin:/opt/bin");
    set("TZ", ":UTC");
    set(
        "LD_LIBRARY_PATH",
        &format!("/var/lang/lib:/lib64:/usr/lib64:{task_root}:{task_root}/lib:/opt/lib"),
    );
    for (k, v) in &config.variables {
        set(k, v);
    }
    // Reserved: Lambda sets these whatever the function's configuration says.
    if let Some(handler) = &config.handler {
        set("_HANDLER", handler);
    }
    set("AWS_REGION", host.region);
    set("AWS_DEFAULT_REGION", host.region);
    set("AWS_LAMBDA_FUNCTION_NAME", &config.name);
    set(
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        &config.memory_mb.to_string(),
    );
    set("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST");
    set("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand");
    set("AWS_LAMBDA_LOG_GROUP_NAME", &config.log_group);
    set("AWS_LAMBDA_LOG_STREAM_NAME", host.log_stream);
    set("AWS_LAMBDA_RUNTIME_API", host.runtime_api);
    set("LAMBDA_TASK_ROOT", &task_root);
    set("LAMBDA_RUNTIME_DIR", "/var/runtime");
    set("AWS_ACCESS_KEY_ID", &host.credentials.access_key_id);
    set("AWS_SECRET_ACCESS_KEY", &host.credentials.secret_access_key);
    if let Some(token) = &host.credentials.session_token {
        set("AWS_SESSION_TOKEN", token);
    }
    if let Some(endpoint) = host.endpoint_url {
        set("AWS_ENDPOINT_URL", endpoint);
    }
    env
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> FunctionConfig {
        FunctionConfig {
            name: "demo-analyzer".into(),
            arn: "arn:aws:lambda:us-east-1:123456789012:function:demo-analyzer".into(),
            memory_mb: 256,
            timeout_secs: 60,
            handler: Some("bootstrap".into()),
            code_sha256: "abc=".into(),
            variables: BTreeMap::from([
                ("INCIDENTS_TABLE".to_string(), "demo-Incidents".to_string()),
                ("TZ".to_string(), "Europe/Paris".to_string()),
                ("AWS_REGION".to_string(), "eu-west-1".to_string()),
            ]),
            log_group: "/aws/lambda/demo-analyzer".into(),
        }
    }

    #[test]
    fn the_function_gets_its_variables_and_lambdas_own() {
        let credentials = Credentials {
            access_key_id: "AKID".into(),
            secret_access_key: "secret".into(),
            session_token: None,
        };
        let env = environment(
            &config(),
            Host {
                runtime_api: "127.0.0.1:9001",
                region: "us-east-1",
                task_root: Path::new("/tmp/task"),
                log_stream: "2026/11/24/[$LATEST]abc",
                endpoint_url: Some("http://127.0.0.1:5000"),
                credentials: &credentials,
            },
        );
        let get = |k: &str| env.get(k).map(String::as_str);
        assert_eq!(get("INCIDENTS_TABLE"), Some("demo-Incidents"));
        assert_eq!(
            get("TZ"),
            Some("Europe/Paris"),
            "unreserved: the function wins"
        );
        assert_eq!(
            get("AWS_REGION"),
            Some("us-east-1"),
            "reserved: Lambda wins"
        );
        assert_eq!(get("AWS_LAMBDA_RUNTIME_API"), Some("127.0.0.1:9001"));
        assert_eq!(get("AWS_LAMBDA_FUNCTION_NAME"), Some("demo-analyzer"));
        assert_eq!(get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE"), Some("256"));
        assert_eq!(get("AWS_LAMBDA_FUNCTION_VERSION"), Some("$LATEST"));
        assert_eq!(
            get("AWS_LAMBDA_LOG_GROUP_NAME"),
            Some("/aws/lambda/demo-analyzer")
        );
        assert_eq!(get("LAMBDA_TASK_ROOT"), Some("/tmp/task"));
        assert_eq!(get("AWS_ACCESS_KEY_ID"), Some("AKID"));
        assert_eq!(get("AWS_SESSION_TOKEN"), None);
        assert_eq!(get("AWS_ENDPOINT_URL"), Some("http://127.0.0.1:5000"));
        assert_eq!(get("HOME"), None, "nothing of the host leaks in");
    }
}

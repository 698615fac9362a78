//! The SDK clients of one run, built from one `SdkConfig`.

use aws_config::SdkConfig;

/// One client per service the stack uses.
#[derive(Debug, Clone)]
pub struct Clients {
    /// IAM.
    pub iam: aws_sdk_iam::Client,
    /// DynamoDB.
    pub dynamodb: aws_sdk_dynamodb::Client,
    /// SQS.
    pub sqs: aws_sdk_sqs::Client,
    /// SNS.
    pub sns: aws_sdk_sns::Client,
    /// Lambda.
    pub lambda: aws_sdk_lambda::Client,
    /// CloudWatch Logs.
    pub logs: aws_sdk_cloudwatchlogs::Client,
    /// CloudWatch (dashboards).
    pub cloudwatch: aws_sdk_cloudwatch::Client,
    /// Secrets Manager (the alert webhook URLs).
    pub secretsmanager: aws_sdk_secretsmanager::Client,
}

impl Clients {
    /// Clients sharing `config`.
    pub fn new(config: &SdkConfig) -> Clients {
        Clients {
            iam: aws_sdk_iam::Client::new(config),
            dynamodb: aws_sdk_dynamodb::Client::new(config),
            sqs: aws_sdk_sqs::Client::new(config),
            sns: aws_sdk_sns::Client::new(config),
            lambda: aws_sdk_lambda::Client::new(config),
            logs: aws_sdk_cloudwatchlogs::Client::new(config),
            cloudwatch: aws_sdk_cloudwatch::Client::new(config),
            secretsmanager: aws_sdk_secretsmanager::Client::new(config),
        }
    }
}

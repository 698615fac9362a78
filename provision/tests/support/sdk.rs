//! SDK helpers of the integration test: foreign resources to leave alone, and readers.

use std::path::Path;

use serde_json::json;
use test_support::{ACCOUNT_ID, Moto};

use crate::EXISTING_GROUP;

pub struct Sdk {
    pub iam: aws_sdk_iam::Client,
    pub lambda: aws_sdk_lambda::Client,
    pub logs: aws_sdk_cloudwatchlogs::Client,
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub sns: aws_sdk_sns::Client,
    pub sqs: aws_sdk_sqs::Client,
}

impl Sdk {
    pub async fn new(moto: &Moto) -> Sdk {
        let config = moto.sdk_config().await;
        Sdk {
            iam: aws_sdk_iam::Client::new(&config),
            lambda: aws_sdk_lambda::Client::new(&config),
            logs: aws_sdk_cloudwatchlogs::Client::new(&config),
            dynamodb: aws_sdk_dynamodb::Client::new(&config),
            sns: aws_sdk_sns::Client::new(&config),
            sqs: aws_sdk_sqs::Client::new(&config),
        }
    }

    /// Resources that belong to someone else: a function with a filter on the existing
    /// group, a table, and the queue alerts go to.
    pub async fn foreign_resources(&self, zip: &Path) -> String {
        let trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
        self.iam
            .create_role()
            .role_name("siem-role")
            .assume_role_policy_document(trust.to_string())
            .send()
            .await
            .unwrap();
        let code = aws_smithy_types::Blob::new(std::fs::read(zip).unwrap());
        self.lambda
            .create_function()
            .function_name("siem-forwarder")
            .runtime(aws_sdk_lambda::types::Runtime::from("provided.al2023"))
            .handler("bootstrap")
            .role(format!("arn:aws:iam::{ACCOUNT_ID}:role/siem-role"))
            .code(
                aws_sdk_lambda::types::FunctionCode::builder()
                    .zip_file(code)
                    .build(),
            )
            .send()
            .await
            .unwrap();
        self.logs
            .create_log_group()
            .log_group_name(EXISTING_GROUP)
            .send()
            .await
            .unwrap();
        self.put_foreign_filter(EXISTING_GROUP, "siem").await;
        use aws_sdk_dynamodb::types::*;
        self.dynamodb
            .create_table()
            .table_name("OtherTeamTable")
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name("id")
                    .attribute_type(ScalarAttributeType::S)
                    .build()
                    .unwrap(),
            )
            .key_schema(
                KeySchemaElement::builder()
                    .attribute_name("id")
                    .key_type(KeyType::Hash)
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
        self.sqs
            .create_queue()
            .queue_name("ops-alerts")
            .send()
            .await
            .unwrap();
        format!("arn:aws:sqs:us-east-1:{ACCOUNT_ID}:ops-alerts")
    }

    pub async fn put_foreign_filter(&self, group: &str, name: &str) {
        self.logs
            .put_subscription_filter()
            .log_group_name(group)
            .filter_name(name)
            .filter_pattern("")
            .destination_arn(format!(
                "arn:aws:lambda:us-east-1:{ACCOUNT_ID}:function:siem-forwarder"
            ))
            .send()
            .await
            .unwrap();
    }

    /// (name, pattern, destination) of a group's filters.
    pub async fn filters(&self, group: &str) -> Vec<(String, String, String)> {
        let out = self
            .logs
            .describe_subscription_filters()
            .log_group_name(group)
            .send()
            .await
            .unwrap();
        out.subscription_filters()
            .iter()
            .map(|f| {
                (
                    f.filter_name().unwrap().to_string(),
                    f.filter_pattern().unwrap_or_default().to_string(),
                    f.destination_arn().unwrap().to_string(),
                )
            })
            .collect()
    }

    pub async fn group_names(&self) -> Vec<String> {
        let out = self.logs.describe_log_groups().send().await.unwrap();
        out.log_groups()
            .iter()
            .map(|g| g.log_group_name().unwrap().to_string())
            .collect()
    }

    pub async fn retention(&self, group: &str) -> Option<i32> {
        let out = self
            .logs
            .describe_log_groups()
            .log_group_name_prefix(group)
            .send()
            .await
            .unwrap();
        out.log_groups()
            .iter()
            .find(|g| g.log_group_name() == Some(group))
            .unwrap()
            .retention_in_days()
    }
}

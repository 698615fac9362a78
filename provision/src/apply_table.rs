//! DynamoDB steps: create the incidents table, add indexes, enable TTL, delete.

use anyhow::{Context, Result, anyhow};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, CreateGlobalSecondaryIndexAction, GlobalSecondaryIndex,
    GlobalSecondaryIndexUpdate, IndexStatus, KeySchemaElement, KeyType, Projection, ProjectionType,
    ScalarAttributeType, TableStatus, Tag, TimeToLiveSpecification,
};

use crate::aws::Clients;
use crate::desired::{INDEXES, Index, TABLE_HASH_KEY, TTL_ATTRIBUTE, key_attributes};
use crate::errors::{aws, is_missing};
use crate::names::Names;
use crate::step::Op;
use crate::wait::wait_until;

fn key(name: &str, key_type: KeyType) -> Result<KeySchemaElement> {
    Ok(KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(key_type)
        .build()?)
}

fn attribute(name: &str) -> Result<AttributeDefinition> {
    Ok(AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(ScalarAttributeType::S)
        .build()?)
}

fn index_keys(index: &Index) -> Result<Vec<KeySchemaElement>> {
    let mut keys = vec![key(index.hash_key, KeyType::Hash)?];
    if let Some(range) = index.range_key {
        keys.push(key(range, KeyType::Range)?);
    }
    Ok(keys)
}

fn projection() -> Projection {
    Projection::builder()
        .projection_type(ProjectionType::All)
        .build()
}

/// Runs a DynamoDB step.
pub async fn run(c: &Clients, n: &Names, op: &Op) -> Result<()> {
    let table = n.table();
    match op {
        Op::CreateTable => {
            let mut request = c
                .dynamodb
                .create_table()
                .table_name(&table)
                .billing_mode(BillingMode::PayPerRequest)
                .key_schema(key(TABLE_HASH_KEY, KeyType::Hash)?);
            for name in key_attributes() {
                request = request.attribute_definitions(attribute(name)?);
            }
            for index in &INDEXES {
                request = request.global_secondary_indexes(
                    GlobalSecondaryIndex::builder()
                        .index_name(index.name)
                        .set_key_schema(Some(index_keys(index)?))
                        .projection(projection())
                        .build()?,
                );
            }
            for (k, v) in n.tags() {
                request = request.tags(Tag::builder().key(k).value(v).build()?);
            }
            request
                .send()
                .await
                .map_err(|e| aws(e, format!("creating DynamoDB table {table}")))?;
            wait_active(c, &table, None).await?;
        }
        Op::SetOnDemand => {
            c.dynamodb
                .update_table()
                .table_name(&table)
                .billing_mode(BillingMode::PayPerRequest)
                .send()
                .await
                .map_err(|e| {
                    aws(
                        e,
                        format!("switching DynamoDB table {table} to on-demand billing"),
                    )
                })?;
            wait_active(c, &table, None).await?;
        }
        Op::AddIndex { index } => {
            let spec = INDEXES
                .iter()
                .find(|i| i.name == index)
                .ok_or_else(|| anyhow!("internal error: unknown index {index}"))?;
            let mut request = c
                .dynamodb
                .update_table()
                .table_name(&table)
                .global_secondary_index_updates(
                    GlobalSecondaryIndexUpdate::builder()
                        .create(
                            CreateGlobalSecondaryIndexAction::builder()
                                .index_name(spec.name)
                                .set_key_schema(Some(index_keys(spec)?))
                                .projection(projection())
                                .build()?,
                        )
                        .build(),
                );
            for name in std::iter::once(spec.hash_key).chain(spec.range_key) {
                request = request.attribute_definitions(attribute(name)?);
            }
            request
                .send()
                .await
                .map_err(|e| aws(e, format!("adding index {index} to DynamoDB table {table}")))?;
            // DynamoDB takes one index creation at a time: wait before the next step.
            wait_active(c, &table, Some(index)).await?;
        }
        Op::EnableTtl => {
            c.dynamodb
                .update_time_to_live()
                .table_name(&table)
                .time_to_live_specification(
                    TimeToLiveSpecification::builder()
                        .enabled(true)
                        .attribute_name(TTL_ATTRIBUTE)
                        .build()?,
                )
                .send()
                .await
                .map_err(|e| aws(e, format!("enabling TTL on DynamoDB table {table}")))?;
        }
        Op::DeleteTable => match c.dynamodb.delete_table().table_name(&table).send().await {
            Ok(_) => {}
            Err(e) if is_missing(&e, |e| e.is_resource_not_found_exception()) => {}
            Err(e) => return Err(aws(e, format!("deleting DynamoDB table {table}"))),
        },
        other => return Err(anyhow!("internal error: {other:?} is not a DynamoDB step")),
    }
    Ok(())
}

/// Waits until the table (and `index`, if given) is active.
async fn wait_active(c: &Clients, table: &str, index: Option<&str>) -> Result<()> {
    wait_until(
        &format!("DynamoDB table {table} to become active"),
        || async {
            let out = c
                .dynamodb
                .describe_table()
                .table_name(table)
                .send()
                .await
                .map_err(|e| aws(e, format!("reading DynamoDB table {table}")))?;
            let t = out.table().context("DescribeTable returned no table")?;
            let table_ready = t.table_status() == Some(&TableStatus::Active);
            let index_ready = index.is_none_or(|name| {
                t.global_secondary_indexes().iter().any(|i| {
                    i.index_name() == Some(name) && i.index_status() == Some(&IndexStatus::Active)
                })
            });
            Ok(table_ready && index_ready)
        },
    )
    .await
}

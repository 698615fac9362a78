//! One change to make, and the plan that lists them (plain data with `Display`).

use std::fmt;

use serde::Serialize;
use serde_json::Value;

/// What a step does to its resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Make a resource that does not exist.
    Create,
    /// Change a resource that exists.
    Update,
    /// Remove a resource.
    Delete,
}

impl Action {
    fn sign(self) -> char {
        match self {
            Action::Create => '+',
            Action::Update => '~',
            Action::Delete => '-',
        }
    }
}

/// The AWS operation(s) behind a step; `apply` executes it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Op {
    /// CreateRole (trust policy, tags).
    CreateRole,
    /// UpdateAssumeRolePolicy.
    UpdateTrustPolicy,
    /// PutRolePolicy with the analyzer policy.
    PutRolePolicy,
    /// CreateTable (on demand, indexes, tags), then wait until active.
    CreateTable,
    /// UpdateTable: billing mode PAY_PER_REQUEST.
    SetOnDemand,
    /// UpdateTable: create one index, then wait until active.
    AddIndex {
        /// Index name.
        index: String,
    },
    /// UpdateTimeToLive.
    EnableTtl,
    /// CreateQueue (tags).
    CreateQueue,
    /// CreateTopic (tags).
    CreateTopic,
    /// Subscribe.
    Subscribe {
        /// Protocol.
        protocol: String,
        /// Endpoint.
        endpoint: String,
        /// Filter policy.
        filter_policy: Option<Value>,
    },
    /// SetSubscriptionAttributes FilterPolicy (an empty policy removes the filter).
    SetFilterPolicy {
        /// Subscription ARN.
        subscription_arn: String,
        /// Filter policy.
        filter_policy: Option<Value>,
    },
    /// CreateFunction (retried while the new role is not yet assumable).
    CreateFunction,
    /// UpdateFunctionCode.
    UpdateFunctionCode,
    /// UpdateFunctionConfiguration.
    UpdateFunctionConfig,
    /// PutFunctionEventInvokeConfig (retries, on-failure destination).
    PutInvokeConfig,
    /// CreateLogGroup (tags) + PutRetentionPolicy.
    CreateLogGroup {
        /// Group name.
        group: String,
        /// Retention.
        retention_days: i32,
    },
    /// PutRetentionPolicy.
    SetRetention {
        /// Group name.
        group: String,
        /// Retention.
        retention_days: i32,
    },
    /// AddPermission for `logs.amazonaws.com` (RemovePermission first when `replace`).
    AddPermission {
        /// Group name.
        group: String,
        /// Statement id.
        statement_id: String,
        /// Whether a statement with this id must be removed first.
        replace: bool,
    },
    /// PutSubscriptionFilter.
    PutFilter {
        /// Group name.
        group: String,
    },
    /// PutDashboard.
    PutDashboard,
    /// DeleteDashboards.
    DeleteDashboard,
    /// DeleteSubscriptionFilter.
    DeleteFilter {
        /// Group name.
        group: String,
    },
    /// DeleteFunction (its permissions and invoke config go with it).
    DeleteFunction,
    /// DeleteLogGroup.
    DeleteLogGroup {
        /// Group name.
        group: String,
    },
    /// Unsubscribe.
    Unsubscribe {
        /// Subscription ARN.
        subscription_arn: String,
    },
    /// DeleteTopic.
    DeleteTopic,
    /// DeleteQueue.
    DeleteQueue {
        /// Queue URL.
        url: String,
    },
    /// DeleteTable.
    DeleteTable,
    /// CreateSecret (tags) or PutSecretValue of the webhook URLs (the value is not in the
    /// plan; `apply` takes it from the desired state).
    PutWebhookSecret {
        /// Whether the secret is created.
        create: bool,
    },
    /// DeleteSecret of the webhook URLs, without a recovery window.
    DeleteWebhookSecret,
    /// DeleteRolePolicy for each inline policy, then DeleteRole.
    DeleteRole {
        /// Inline policies to delete first.
        inline_policies: Vec<String>,
    },
}

/// One change of the plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    /// Create, update or delete.
    pub action: Action,
    /// Kind of resource (`iam-role`, `dynamodb-table`, ...).
    pub resource: &'static str,
    /// Name of the resource.
    pub name: String,
    /// Why, or what changes (`memory 128 -> 256`).
    pub detail: String,
    /// The operation.
    pub op: Op,
}

impl Step {
    /// A step.
    pub fn new(action: Action, resource: &'static str, name: impl Into<String>, op: Op) -> Step {
        Step {
            action,
            resource,
            name: name.into(),
            detail: String::new(),
            op,
        }
    }

    /// The same step with a detail.
    pub fn detail(mut self, detail: impl Into<String>) -> Step {
        self.detail = detail.into();
        self
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let action = format!("{:?}", self.action).to_lowercase();
        write!(
            f,
            "{} {action:<6} {:<22} {}",
            self.action.sign(),
            self.resource,
            self.name
        )?;
        if !self.detail.is_empty() {
            write!(f, "  ({})", self.detail)?;
        }
        Ok(())
    }
}

/// Something the plan cannot do without overwriting what is not ours, or breaking a rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Refusal {
    /// Kind of resource.
    pub resource: &'static str,
    /// Name of the resource.
    pub name: String,
    /// What is wrong.
    pub problem: String,
    /// What to do.
    pub fix: String,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "! refused {} {}: {}. {}",
            self.resource, self.name, self.problem, self.fix
        )
    }
}

/// The steps that take what exists to what is desired, in dependency order.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Plan {
    /// Changes, in the order they must run.
    pub steps: Vec<Step>,
    /// Blocking problems: when any, nothing is applied.
    pub refusals: Vec<Refusal>,
    /// Things worth knowing that change nothing (kept foreign resources, pending e-mails...).
    pub notes: Vec<String>,
}

impl Plan {
    /// Whether there is nothing to do.
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// Whether the plan is blocked.
    pub fn is_refused(&self) -> bool {
        !self.refusals.is_empty()
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for refusal in &self.refusals {
            writeln!(f, "{refusal}")?;
        }
        for step in &self.steps {
            writeln!(f, "{step}")?;
        }
        for note in &self.notes {
            writeln!(f, "note: {note}")?;
        }
        let count = |a| self.steps.iter().filter(|s| s.action == a).count();
        if self.steps.is_empty() && self.refusals.is_empty() {
            writeln!(f, "Nothing to do: everything is up to date.")
        } else {
            writeln!(
                f,
                "Plan: {} to create, {} to update, {} to delete{}.",
                count(Action::Create),
                count(Action::Update),
                count(Action::Delete),
                if self.is_refused() {
                    format!(
                        "; {} refused (nothing will be applied)",
                        self.refusals.len()
                    )
                } else {
                    String::new()
                }
            )
        }
    }
}

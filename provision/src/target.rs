//! What the steps of a plan act on: the stack's names, and for `up` the desired state and
//! the Lambda zip.

use anyhow::{Result, anyhow};

use crate::desired::Desired;
use crate::names::Names;
use crate::package::LambdaZip;

/// What steps act on: the names always, the desired state and zip for `up`.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    /// The stack's names.
    pub names: &'a Names,
    /// Desired state and package (`up` only).
    pub up: Option<(&'a Desired, &'a LambdaZip)>,
}

impl Target<'_> {
    /// The desired state and zip; an internal error for a step of `down`, which has neither.
    pub fn desired(&self) -> Result<(&Desired, &LambdaZip)> {
        self.up
            .ok_or_else(|| anyhow!("internal error: a creating step ran without a desired state"))
    }
}

//! An in-memory [`IncidentStore`] for tests and benchmarks.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use super::{Commit, IncidentStore, StoreError};
use crate::aggregate::Aggregate;
use crate::correlate::Cause;
use crate::incident::Incident;

/// Incidents and aggregates in hash maps, with the same semantics as the DynamoDB store.
#[derive(Debug, Default)]
pub struct MemoryStore {
    /// foldhash, not SipHash: a storm puts ten thousand rows here per payload, and the
    /// benchmark times this store.
    incidents: Mutex<foldhash::HashMap<String, Incident>>,
    aggregates: Mutex<HashMap<String, Aggregate>>,
}

impl MemoryStore {
    /// Every aggregate (tests).
    pub fn aggregates_all(&self) -> Vec<Aggregate> {
        self.aggregates
            .lock()
            .expect("not poisoned")
            .values()
            .cloned()
            .collect()
    }

    /// An empty store.
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    /// Number of incident rows.
    pub fn incident_count(&self) -> usize {
        self.incidents.lock().expect("not poisoned").len()
    }

    /// A copy of every incident row.
    pub fn incidents(&self) -> Vec<Incident> {
        self.incidents
            .lock()
            .expect("not poisoned")
            .values()
            .cloned()
            .collect()
    }

    /// A copy of one fingerprint's aggregate.
    pub fn aggregate(&self, fingerprint: &str) -> Option<Aggregate> {
        self.aggregates
            .lock()
            .expect("not poisoned")
            .get(fingerprint)
            .cloned()
    }
}

impl IncidentStore for MemoryStore {
    async fn existing_incidents(&self, ids: &[&str]) -> Result<HashSet<String>, StoreError> {
        let incidents = self.incidents.lock().expect("not poisoned");
        Ok(ids
            .iter()
            .filter(|id| incidents.contains_key(**id))
            .map(|id| id.to_string())
            .collect())
    }

    async fn put_incidents(&self, incidents: Vec<Incident>) -> Result<(), StoreError> {
        let mut stored = self.incidents.lock().expect("not poisoned");
        stored.reserve(incidents.len());
        for incident in incidents {
            stored.insert(incident.incident_id.clone(), incident);
        }
        Ok(())
    }

    async fn aggregates(
        &self,
        fingerprints: &[String],
    ) -> Result<HashMap<String, Aggregate>, StoreError> {
        let aggregates = self.aggregates.lock().expect("not poisoned");
        Ok(fingerprints
            .iter()
            .filter_map(|f| aggregates.get(f).map(|a| (f.clone(), a.clone())))
            .collect())
    }

    async fn commit_aggregate(
        &self,
        prev: Option<&Aggregate>,
        next: &Aggregate,
        _added: u64,
    ) -> Result<Commit, StoreError> {
        let mut aggregates = self.aggregates.lock().expect("not poisoned");
        let current = aggregates.get(&next.fingerprint).map(|a| a.version);
        if current != prev.map(|p| p.version) {
            return Ok(Commit::Conflict);
        }
        aggregates.insert(next.fingerprint.clone(), next.clone());
        Ok(Commit::Done)
    }

    async fn causes(
        &self,
        trace_ids: &[String],
    ) -> Result<HashMap<String, Vec<Cause>>, StoreError> {
        let incidents = self.incidents.lock().expect("not poisoned");
        let mut causes: HashMap<String, Vec<Cause>> = HashMap::new();
        for incident in incidents.values() {
            if incident.outcome || incident.attached_to.is_some() {
                continue;
            }
            if let Some(trace) = incident.trace_id.as_ref().filter(|t| trace_ids.contains(t)) {
                causes
                    .entry(trace.clone())
                    .or_default()
                    .push(Cause::of(incident));
            }
        }
        Ok(causes)
    }

    async fn clear_pending_alert(&self, fingerprint: &str, token: &str) -> Result<(), StoreError> {
        let mut aggregates = self.aggregates.lock().expect("not poisoned");
        if let Some(aggregate) = aggregates.get_mut(fingerprint)
            && aggregate
                .pending_alert
                .as_ref()
                .is_some_and(|p| p.token == token)
        {
            aggregate.pending_alert = None;
            aggregate.version += 1;
        }
        Ok(())
    }
}

//! An in-memory [`IncidentStore`] for tests and benchmarks.

use std::collections::{HashMap, HashSet};
use std::hash::BuildHasher;
use std::sync::Mutex;

use hashbrown::HashTable;
use hashbrown::hash_table::Entry;

use super::{Commit, IncidentStore, StoreError};
use crate::aggregate::Aggregate;
use crate::correlate::Cause;
use crate::incident::Incident;

/// Incidents and aggregates in hash maps, with the same semantics as the DynamoDB store.
#[derive(Debug, Default)]
pub struct MemoryStore {
    incidents: Mutex<Rows>,
    aggregates: Mutex<HashMap<String, Aggregate>>,
}

/// Incident rows by id. Each put's vector is kept whole and indexed where it lies: a storm
/// puts ten thousand rows of about 300 bytes per payload, and the benchmark times this
/// store; moving each row into a map (and copying its id for the key) was a twentieth of
/// the handler's time.
#[derive(Debug, Default)]
struct Rows {
    puts: Vec<Vec<Incident>>,
    /// (put, row) of the latest row of each id; a row put again replaces the older one
    /// here, which then is never read.
    index: HashTable<(u32, u32)>,
    hasher: foldhash::fast::FixedState,
}

impl Rows {
    fn hash(&self, id: &str) -> u64 {
        self.hasher.hash_one(id)
    }

    fn row(&self, at: (u32, u32)) -> &Incident {
        row_in(&self.puts, at)
    }

    fn get(&self, id: &str) -> Option<&Incident> {
        self.index
            .find(self.hash(id), |at| self.row(*at).incident_id == id)
            .map(|at| self.row(*at))
    }

    fn len(&self) -> usize {
        self.index.len()
    }

    fn iter(&self) -> impl Iterator<Item = &Incident> {
        self.index.iter().map(|at| self.row(*at))
    }

    fn put(&mut self, rows: Vec<Incident>) {
        let put = u32::try_from(self.puts.len()).expect("fewer than 2^32 puts in a test");
        let count = rows.len();
        self.puts.push(rows);
        let Rows {
            puts,
            index,
            hasher,
        } = self;
        let row_of = |at: (u32, u32)| row_in(puts, at);
        let id_hash = |at: &(u32, u32)| hasher.hash_one(&*row_of(*at).incident_id);
        index.reserve(count, id_hash);
        for row in 0..count {
            let at = (
                put,
                u32::try_from(row).expect("fewer than 2^32 rows in a put"),
            );
            let id = &*row_of(at).incident_id;
            match index.entry(
                hasher.hash_one(id),
                |old| row_of(*old).incident_id == id,
                id_hash,
            ) {
                Entry::Occupied(mut old) => *old.get_mut() = at,
                Entry::Vacant(slot) => {
                    slot.insert(at);
                }
            }
        }
    }
}

/// The row at (put, row); a free function so that [`Rows::put`] can read rows while it
/// updates the index.
fn row_in(puts: &[Vec<Incident>], (put, row): (u32, u32)) -> &Incident {
    &puts[put as usize][row as usize]
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
            .iter()
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
            .filter(|id| incidents.get(id).is_some())
            .map(|id| id.to_string())
            .collect())
    }

    async fn put_incidents(&self, incidents: Vec<Incident>) -> Result<(), StoreError> {
        self.incidents.lock().expect("not poisoned").put(incidents);
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
        for incident in incidents.iter() {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::Severity;
    use crate::severity::Level;

    fn row(id: &str, message: &str) -> Incident {
        Incident {
            incident_id: id.into(),
            service: "s".into(),
            message: message.into(),
            level: Level::Error,
            timestamp_ms: 0,
            severity: Severity::Medium,
            fingerprint: "f".into(),
            pattern: "p".into(),
            error_type: None,
            trace_id: None,
            log_group: "g".into(),
            log_stream: "st".into(),
            event_id: id.into(),
            ttl: 1,
            outcome: false,
            attached_to: None,
        }
    }

    #[test]
    fn a_row_put_again_replaces_the_older_one_as_a_map_would() {
        let mut rows = Rows::default();
        // Repeated within one put, then across puts.
        rows.put(vec![row("a", "a1"), row("b", "b1"), row("a", "a2")]);
        rows.put(vec![row("b", "b2"), row("c", "c1")]);
        rows.put(Vec::new());
        assert_eq!(rows.len(), 3);
        assert_eq!(rows.get("a").map(|r| r.message.as_str()), Some("a2"));
        assert_eq!(rows.get("b").map(|r| r.message.as_str()), Some("b2"));
        assert_eq!(rows.get("c").map(|r| r.message.as_str()), Some("c1"));
        assert!(rows.get("d").is_none());
        let mut seen: Vec<&str> = rows.iter().map(|r| r.message.as_str()).collect();
        seen.sort_unstable();
        assert_eq!(seen, ["a2", "b2", "c1"]);
    }

    #[test]
    fn many_rows_are_all_found() {
        let mut rows = Rows::default();
        for put in 0..3 {
            rows.put(
                (0..5_000)
                    .map(|i| row(&format!("id{}", put * 2_500 + i), &put.to_string()))
                    .collect(),
            );
        }
        // Ids 0..10,000, each put overlapping the one before by half: the latest wins.
        assert_eq!(rows.len(), 10_000);
        assert_eq!(rows.get("id0").unwrap().message, "0");
        assert_eq!(rows.get("id2500").unwrap().message, "1");
        assert_eq!(rows.get("id5000").unwrap().message, "2");
        assert_eq!(rows.get("id9999").unwrap().message, "2");
        assert!(rows.get("id10000").is_none());
    }
}

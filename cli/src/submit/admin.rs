//! iNumbering admin orders, placed one at a time so that each is linked to
//! its status record, and the link written to the results file.
//!
//! `portInOrder` answers an integer `orderId`, but the status summary (the
//! only way to follow an order) names orders by `pid` and never mentions
//! the `orderId`; the document says nothing of how the two relate. The
//! crate links them by time, which cannot tell apart orders placed at the
//! same moment (a batch in flight, or two processes). So the command line
//! places admin orders one at a time, and reads the summary just before
//! and just after each: the order's record is the one record that appeared
//! in between. Processes sharing a store (the state file, or Redis) take a
//! lock around that, so that their orders do not interleave either. When
//! the difference is not exactly one record (another client of the account
//! placed an order meanwhile, or a read failed), the crate's own link is
//! used if it made one; otherwise the row keeps the `orderId`, `submitted`,
//! with a note that it is not linked (and `watch` says it cannot follow it).

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use numport::carrier::inumbering::INumberingClient;
use numport::store::{LockToken, Store};
use numport::{Carrier, PortProvider, Submission};

use super::records;
use crate::journal::{Record, UNLINKED};
use crate::rows::Row;
use numport::Redactor;

/// How long the admin-order lock lives at most: longer than one order
/// takes (two status reads, the order and the crate's link read, each
/// bounded by the client's call deadline), so that a holder is never
/// overtaken; a holder that dies frees it sooner (the state file sees the
/// process gone, Redis lets it expire).
const LOCK_TTL: Duration = Duration::from_secs(300);

/// How often a process waiting for another's order looks again.
const LOCK_POLL: Duration = Duration::from_millis(20);

/// Places admin orders for one client.
pub struct Admin<'a> {
    client: &'a INumberingClient,
    store: Option<Arc<dyn Store>>,
    lock_key: String,
}

impl<'a> Admin<'a> {
    /// Orders through `client`, serialised with other processes through
    /// `store` when there is one.
    pub fn new(client: &'a INumberingClient, store: Option<Arc<dyn Store>>) -> Self {
        let base = std::env::var("INUMBERING_BASE_URL")
            .ok()
            .filter(|u| !u.is_empty())
            .unwrap_or_else(|| numport::carrier::inumbering::DEFAULT_BASE_URL.to_owned());
        let namespace = crate::state::namespace(
            "inumbering",
            &[base.trim_end_matches('/'), &client.username().to_string()],
        );
        Self {
            client,
            store,
            lock_key: format!("{namespace}:lock:admin-order"),
        }
    }

    /// Checks the portability of every row at once (the orders then find
    /// their checks fresh and make no call of their own).
    pub async fn check(&self, rows: &[&Row]) {
        let numbers: Vec<numport::PhoneNumber> = rows.iter().map(|r| r.number.clone()).collect();
        if let Err(e) = self.client.check_portability(&numbers).await {
            // Each order checks again what is missing, and reports it.
            tracing::info!(error = %e, "portability check of the batch failed");
        }
    }

    /// Places `row`'s order and returns its record: `submitted` with the
    /// status record's `pid` (the `orderId` in the note), or with the
    /// `orderId` and a note that it is not linked.
    pub async fn place(&self, row: &Row, attempted_at: DateTime<Utc>, masker: &Redactor) -> Record {
        let token = self.lock().await;
        let before = self.record_keys().await;
        let result = self.client.submit(&row.request).await;
        let after = match &result {
            Ok(_) => self.record_keys().await,
            Err(_) => None,
        };
        self.unlock(token).await;
        let mut record = records::outcome(row, Carrier::INumbering, attempted_at, &result, masker);
        if let Ok(submission) = &result {
            link(&mut record, submission, before.as_ref(), after.as_ref());
        }
        record
    }

    /// The keys (`pid`, else `id`) of every status record; `None` when the
    /// summary could not be read.
    async fn record_keys(&self) -> Option<HashSet<String>> {
        match self.client.port_status().await {
            Ok(entries) => Some(
                entries
                    .iter()
                    .filter_map(|e| e.pid.clone().or_else(|| e.id.clone()))
                    .collect(),
            ),
            Err(e) => {
                tracing::warn!(error = %e, "could not read the status summary to link an admin order");
                None
            }
        }
    }

    /// Takes the admin-order lock of the account, waiting for another
    /// process's order; after twice the lock's lifetime it goes on without
    /// (the link may then be missed, never wrong: see [`link`]).
    async fn lock(&self) -> Option<LockToken> {
        let store = self.store.as_ref()?;
        let give_up = tokio::time::Instant::now() + LOCK_TTL * 2;
        loop {
            match store.try_lock(&self.lock_key, LOCK_TTL).await {
                Ok(Some(token)) => return Some(token),
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "the store's admin-order lock failed; ordering without it");
                    return None;
                }
            }
            if tokio::time::Instant::now() >= give_up {
                tracing::warn!("another process held the admin-order lock too long; ordering");
                return None;
            }
            tokio::time::sleep(LOCK_POLL).await;
        }
    }

    async fn unlock(&self, token: Option<LockToken>) {
        if let (Some(store), Some(token)) = (&self.store, token) {
            if let Err(e) = store.unlock(&self.lock_key, &token).await {
                tracing::warn!(error = %e, "could not release the admin-order lock (it expires)");
            }
        }
    }
}

/// Sets `record`'s order to the status record the order created: the one
/// record in `after` that was not in `before`; else the crate's own link;
/// else the `orderId`, noted as not linked.
fn link(
    record: &mut Record,
    submission: &Submission,
    before: Option<&HashSet<String>>,
    after: Option<&HashSet<String>>,
) {
    let Some(order) = submission.orders.first() else {
        return;
    };
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    let order_id = text(&order.raw["orderId"]).unwrap_or_else(|| order.id.to_string());
    let appeared: Vec<&String> = match (before, after) {
        (Some(before), Some(after)) => after.difference(before).collect(),
        _ => Vec::new(),
    };
    let pid = match appeared.as_slice() {
        [one] => Some((*one).clone()),
        _ => text(&order.raw["pid"]),
    };
    match pid {
        Some(pid) => {
            record.order_id = Some(pid.clone());
            record.note = Some(format!(
                "iNumbering orderId {order_id} is status record {pid}"
            ));
        }
        None => {
            record.order_id = Some(order_id.clone());
            record.note = Some(format!(
                "{UNLINKED} {order_id}: {} status records appeared while it was placed, so its \
                 own cannot be told (the status summary never names an orderId); ask iNumbering \
                 which pid it is, then follow that with `numport watch`",
                appeared.len()
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use numport::{PortId, SubmittedOrder};

    fn record() -> Record {
        super::records::plain(
            2,
            "+13125550142".into(),
            Carrier::INumbering,
            crate::journal::Outcome::Submitted,
            None,
        )
    }

    fn submission(id: &str, pid: Option<&str>) -> Submission {
        let raw = serde_json::json!({"orderId": "102644", "pid": pid});
        Submission::new(
            Carrier::INumbering,
            vec![SubmittedOrder::new(PortId::new(id).unwrap(), vec![], raw)],
        )
    }

    fn keys(items: &[&str]) -> HashSet<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn the_one_record_that_appeared_is_the_order_and_two_are_not_guessed() {
        let mut r = record();
        let before = keys(&["P0001"]);
        link(
            &mut r,
            &submission("102644", None),
            Some(&before),
            Some(&keys(&["P0001", "P0002"])),
        );
        assert_eq!(r.order_id.as_deref(), Some("P0002"));
        assert_eq!(
            r.note.as_deref(),
            Some("iNumbering orderId 102644 is status record P0002")
        );

        let mut r = record();
        link(
            &mut r,
            &submission("102644", None),
            Some(&before),
            Some(&keys(&["P0001", "P0002", "P0003"])),
        );
        assert_eq!(r.order_id.as_deref(), Some("102644"));
        assert!(r.note.as_deref().unwrap().starts_with(UNLINKED), "{r:?}");

        // A read failed: the crate's own link, when it made one.
        let mut r = record();
        link(&mut r, &submission("P0007", Some("P0007")), None, None);
        assert_eq!(r.order_id.as_deref(), Some("P0007"));
    }
}

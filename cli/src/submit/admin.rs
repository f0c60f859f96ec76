//! iNumbering admin orders, each linked to its status record, and the link
//! written to the results file.
//!
//! `portInOrder` answers an integer `orderId`, but the status summary (the
//! only way to follow an order) names orders by `pid` and never mentions
//! the `orderId`; the document says nothing of how the two relate. The
//! crate links them by time, which cannot tell apart orders placed at the
//! same moment (a batch in flight, or two processes). So the command line
//! places each admin order alone on the account, and reads the summary just
//! before and just after it: the order's record is the one record that
//! appeared in between.
//!
//! - With `NUMPORT_REDIS_URL`, admin rows go through `OnceSubmitter` under
//!   their idempotency keys, like every other row, with [`Linked`] as the
//!   provider: `OnceSubmitter` serialises the account's creates through
//!   its account lock in Redis, and [`Linked`] reads the summary before
//!   and after each order under it. The link is part of the submission
//!   recorded under the key, so a machine answered from the key records
//!   the same status record as the one that placed the order.
//! - Otherwise (the state file, or no store), [`Admin::place`] takes a lock
//!   of its own in the store around the same reads, so that processes
//!   sharing it do not interleave.
//!
//! When the difference is not exactly one record (another client of the
//! account placed an order meanwhile, or a read failed), the crate's own
//! link is used if it made one; otherwise the row keeps the `orderId`,
//! `submitted`, with a note that it is not linked (and `watch` says it
//! cannot follow it).

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures::stream::BoxStream;
use numport::carrier::inumbering::INumberingClient;
use numport::store::{LockToken, Store};
use numport::{
    Amendment, Baseline, Capabilities, Carrier, IdempotencyKey, OnceSubmitter, PhoneNumber, PortId,
    PortOrder, PortProvider, PortRequest, PortSummary, Portability, Reconciliation, Submission,
    Tracking,
};

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

/// Places admin orders for one client, one at a time.
pub struct Admin<'a> {
    client: &'a INumberingClient,
    store: Option<Arc<dyn Store>>,
    lock_key: String,
    once: Option<&'a OnceSubmitter>,
}

impl<'a> Admin<'a> {
    /// Orders through `once` (with a [`Linked`] client) when the store is
    /// shared by every machine; else through `client`, serialised with
    /// other processes through `store` when there is one.
    pub fn new(
        client: &'a INumberingClient,
        store: Option<Arc<dyn Store>>,
        once: Option<&'a OnceSubmitter>,
    ) -> Self {
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
            once,
        }
    }

    /// Checks the portability of every row at once (the orders then find
    /// their checks fresh and make no call of their own).
    pub async fn check(&self, rows: &[&Row]) {
        let numbers: Vec<PhoneNumber> = rows.iter().map(|r| r.number.clone()).collect();
        if let Err(e) = self.client.check_portability(&numbers).await {
            // Each order checks again what is missing, and reports it.
            tracing::info!(error = %e, "portability check of the batch failed");
        }
    }

    /// Places `row`'s order (under its idempotency key with `once`) and
    /// returns its record: `submitted` with the status record's `pid` (the
    /// `orderId` in the note), or with the `orderId` and a note that it is
    /// not linked.
    pub async fn place(&self, row: &Row, attempted_at: DateTime<Utc>, masker: &Redactor) -> Record {
        let result = match self.once {
            Some(once) => match IdempotencyKey::new(row.key.clone()) {
                Ok(key) => once.submit(&key, &row.request).await,
                Err(e) => Err(e),
            },
            None => {
                let token = self.lock().await;
                let result = linked_submit(self.client, &row.request).await;
                self.unlock(token).await;
                result
            }
        };
        let mut record = records::outcome(row, Carrier::INumbering, attempted_at, &result, masker);
        if let Ok(submission) = &result {
            note(&mut record, submission);
        }
        record
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

/// The summary read, the order placed through `client`, and the summary
/// read again: the submission linked to the one status record that
/// appeared (see [`link`]). Alone on the account only when the caller
/// holds a lock that every other numport process takes too.
async fn linked_submit(
    client: &INumberingClient,
    request: &PortRequest,
) -> numport::Result<Submission> {
    let before = record_keys(client).await;
    let mut submission = client.submit(request).await?;
    let after = record_keys(client).await;
    link(&mut submission, before.as_ref(), after.as_ref());
    Ok(submission)
}

/// The keys (`pid`, else `id`) of every status record; `None` when the
/// summary could not be read.
async fn record_keys(client: &INumberingClient) -> Option<HashSet<String>> {
    match client.port_status().await {
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

/// An admin client as `OnceSubmitter`'s provider: every call is the
/// client's, except that [`PortProvider::submit`] links the order to its
/// status record (see [`link`]). `OnceSubmitter` calls it under the
/// account lock (iNumbering has baselines), which every numport process
/// sharing the Redis takes before a create on the account: the reads
/// around the order see no other order of theirs.
#[derive(Debug, Clone)]
pub struct Linked {
    client: INumberingClient,
}

impl Linked {
    /// Links the admin orders of `client`.
    pub fn new(client: INumberingClient) -> Self {
        Self { client }
    }
}

#[async_trait]
impl PortProvider for Linked {
    fn carrier(&self) -> Carrier {
        self.client.carrier()
    }

    fn capabilities(&self) -> Capabilities {
        self.client.capabilities()
    }

    fn account_reference(&self) -> Option<String> {
        self.client.account_reference()
    }

    async fn check_portability(
        &self,
        numbers: &[PhoneNumber],
    ) -> numport::Result<Vec<Portability>> {
        self.client.check_portability(numbers).await
    }

    async fn submit(&self, request: &PortRequest) -> numport::Result<Submission> {
        linked_submit(&self.client, request).await
    }

    async fn reconcile(
        &self,
        request: &PortRequest,
        attempted_at: DateTime<Utc>,
    ) -> numport::Result<Reconciliation> {
        self.client.reconcile(request, attempted_at).await
    }

    async fn baseline(&self) -> numport::Result<Option<Baseline>> {
        self.client.baseline().await
    }

    async fn reconcile_from(
        &self,
        attempted_at: DateTime<Utc>,
        baseline: &Baseline,
    ) -> numport::Result<Reconciliation> {
        self.client.reconcile_from(attempted_at, baseline).await
    }

    async fn order(&self, id: &PortId) -> numport::Result<PortOrder> {
        self.client.order(id).await
    }

    fn orders(&self) -> BoxStream<'_, numport::Result<PortSummary>> {
        self.client.orders()
    }

    async fn amend(&self, id: &PortId, amendment: &Amendment) -> numport::Result<()> {
        self.client.amend(id, amendment).await
    }

    async fn cancel(&self, id: &PortId) -> numport::Result<()> {
        self.client.cancel(id).await
    }

    fn tracking(&self) -> Tracking {
        self.client.tracking()
    }
}

/// A text or number field of an order's answer, as text.
fn text(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Links `submission`'s order to the status record it created: the one
/// record in `after` that was not in `before`; else the crate's own link.
/// Linked, the order's id is the record's `pid` (kept in its answer as
/// `pid`, next to the `orderId`); not linked, it stays the `orderId`, and
/// its answer counts the records that appeared (`appeared`).
fn link(
    submission: &mut Submission,
    before: Option<&HashSet<String>>,
    after: Option<&HashSet<String>>,
) {
    let Some(order) = submission.orders.first_mut() else {
        return;
    };
    let appeared: Vec<&String> = match (before, after) {
        (Some(before), Some(after)) => after.difference(before).collect(),
        _ => Vec::new(),
    };
    let pid = match appeared.as_slice() {
        [one] => Some((*one).clone()),
        _ => text(&order.raw["pid"]),
    };
    let Some(raw) = order.raw.as_object_mut() else {
        return;
    };
    match pid.and_then(|pid| PortId::new(pid).ok()) {
        Some(pid) => {
            raw.insert("pid".into(), pid.as_str().into());
            order.id = pid;
        }
        None => {
            raw.insert("appeared".into(), appeared.len().into());
        }
    }
}

/// Sets `record`'s order and note from an admin order's `submission` (as
/// [`link`] left it): the status record's `pid`, the `orderId` in the
/// note; or the `orderId`, noted as not linked. An order found by
/// reconciling (its id is its status record's, its `orderId` unknown) is
/// left as it is.
fn note(record: &mut Record, submission: &Submission) {
    let Some(order) = submission.orders.first() else {
        return;
    };
    let Some(order_id) = text(&order.raw["orderId"]) else {
        return;
    };
    match text(&order.raw["pid"]) {
        Some(pid) => {
            record.order_id = Some(pid.clone());
            record.note = Some(format!(
                "iNumbering orderId {order_id} is status record {pid}"
            ));
        }
        None => {
            let appeared = order.raw["appeared"].as_u64().unwrap_or(0);
            record.order_id = Some(order_id.clone());
            record.note = Some(format!(
                "{UNLINKED} {order_id}: {appeared} status records appeared while it was placed, \
                 so its own cannot be told (the status summary never names an orderId); ask \
                 iNumbering which pid it is, then follow that with `numport watch`"
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use numport::SubmittedOrder;

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

    /// The record of `submission` once linked from `before` and `after`.
    fn linked(
        mut submission: Submission,
        before: Option<&HashSet<String>>,
        after: Option<&HashSet<String>>,
    ) -> (Submission, Record) {
        link(&mut submission, before, after);
        let mut r = record();
        note(&mut r, &submission);
        (submission, r)
    }

    #[test]
    fn the_one_record_that_appeared_is_the_order_and_two_are_not_guessed() {
        let before = keys(&["P0001"]);
        let (s, r) = linked(
            submission("102644", None),
            Some(&before),
            Some(&keys(&["P0001", "P0002"])),
        );
        assert_eq!(s.orders[0].id.as_str(), "P0002");
        assert_eq!(
            s.orders[0].raw,
            serde_json::json!({"orderId": "102644", "pid": "P0002"})
        );
        assert_eq!(r.order_id.as_deref(), Some("P0002"));
        assert_eq!(
            r.note.as_deref(),
            Some("iNumbering orderId 102644 is status record P0002")
        );

        let (s, r) = linked(
            submission("102644", None),
            Some(&before),
            Some(&keys(&["P0001", "P0002", "P0003"])),
        );
        assert_eq!(s.orders[0].id.as_str(), "102644");
        assert_eq!(r.order_id.as_deref(), Some("102644"));
        assert_eq!(
            r.note.as_deref(),
            Some(
                "iNumbering orderId not linked to a status record: 102644: 2 status records \
                 appeared while it was placed, so its own cannot be told (the status summary \
                 never names an orderId); ask iNumbering which pid it is, then follow that \
                 with `numport watch`"
            )
        );
        assert!(r.is_unlinked(), "{r:?}");

        // A read failed: the crate's own link, when it made one.
        let (s, r) = linked(submission("P0007", Some("P0007")), None, None);
        assert_eq!(s.orders[0].id.as_str(), "P0007");
        assert_eq!(r.order_id.as_deref(), Some("P0007"));
        assert_eq!(
            r.note.as_deref(),
            Some("iNumbering orderId 102644 is status record P0007")
        );
    }

    #[test]
    fn an_order_found_by_reconciling_keeps_its_record_and_no_note() {
        let order = serde_json::json!({"id": "P0009", "lines": []});
        let found = Submission::new(
            Carrier::INumbering,
            vec![SubmittedOrder::new(
                PortId::new("P0009").unwrap(),
                vec![],
                order,
            )],
        );
        let mut r = record();
        r.order_id = Some("P0009".into());
        note(&mut r, &found);
        assert_eq!(r.order_id.as_deref(), Some("P0009"));
        assert_eq!(r.note, None);
    }
}

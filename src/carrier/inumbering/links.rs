//! Linking an admin order's `orderId` to its status record.
//!
//! `portInOrder` answers an integer `orderId`, but the portStatus summary
//! names orders by a 5-character `pid` (and a record `id`) and never
//! mentions the `orderId`. The document is silent on how the two relate, so
//! the client links them by time: the record of the order is the one
//! recorded (its `key` holds `[username, unix timestamp]`) at or after the
//! moment the order was sent, less [`CLOCK_SKEW`], that no other order of
//! this client has claimed. When exactly one record fits, the link is made;
//! otherwise the `orderId` stays pending and is tried again on the next
//! status read.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, TimeDelta, Utc};

use super::types::PortStatusEntry;

/// How far before the attempt a record may be stamped: the carrier's clock
/// and this machine's may disagree.
pub(super) const CLOCK_SKEW: TimeDelta = TimeDelta::minutes(5);

/// The links this client made, and the `orderId`s still to link.
#[derive(Debug, Default)]
pub(super) struct AdminLinks {
    /// `orderId` → the record's `pid` (or `id`).
    linked: HashMap<String, String>,
    /// Record keys already claimed by an order.
    claimed: HashSet<String>,
    /// `orderId` → when it was sent.
    pending: HashMap<String, DateTime<Utc>>,
}

impl AdminLinks {
    /// The record key `order_id` was linked to.
    #[cfg(test)]
    pub fn linked(&self, order_id: &str) -> Option<&str> {
        self.linked.get(order_id).map(String::as_str)
    }

    /// When the still unlinked `order_id` was sent.
    pub fn pending_since(&self, order_id: &str) -> Option<DateTime<Utc>> {
        self.pending.get(order_id).copied()
    }

    /// True when the record `key` is linked to an order already.
    pub fn is_claimed(&self, key: &str) -> bool {
        self.claimed.contains(key)
    }

    /// Remembers `order_id`, sent at `sent_at`, until it can be linked.
    pub fn remember(&mut self, order_id: &str, sent_at: DateTime<Utc>) {
        self.pending.insert(order_id.to_owned(), sent_at);
    }

    /// Links `order_id` to the one unclaimed record stamped at or after its
    /// sending (less the skew), when exactly one fits; returns its key.
    pub fn link(&mut self, order_id: &str, entries: &[PortStatusEntry]) -> Option<String> {
        if let Some(key) = self.linked.get(order_id) {
            return Some(key.clone());
        }
        let sent_at = *self.pending.get(order_id)?;
        let since = (sent_at - CLOCK_SKEW).timestamp();
        let mut fitting = entries.iter().filter_map(|e| {
            let key = e.pid.as_deref().or(e.id.as_deref())?;
            let recent = e.timestamp.is_some_and(|t| t >= since);
            (recent && !self.claimed.contains(key)).then_some(key)
        });
        let key = fitting.next()?;
        if fitting.next().is_some() {
            tracing::debug!(
                order_id,
                "several status records could be this order; not linked yet"
            );
            return None;
        }
        let key = key.to_owned();
        self.pending.remove(order_id);
        self.claimed.insert(key.clone());
        self.linked.insert(order_id.to_owned(), key.clone());
        Some(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(pid: &str, at: i64) -> PortStatusEntry {
        PortStatusEntry {
            id: Some(format!("rec-{pid}")),
            pid: Some(pid.to_owned()),
            status: "submitted".into(),
            message: None,
            foc: None,
            notify: false,
            url: None,
            pin: None,
            timestamp: Some(at),
        }
    }

    #[test]
    fn links_the_one_record_after_the_attempt_and_not_twice() {
        let sent = DateTime::from_timestamp(1_746_000_000, 0).unwrap();
        let mut links = AdminLinks::default();
        links.remember("102644", sent);
        links.remember("102645", sent);
        let entries = [entry("old01", 1_745_000_000), entry("new01", 1_746_000_010)];
        assert_eq!(links.link("102644", &entries).as_deref(), Some("new01"));
        // The record is claimed: the second order stays pending.
        assert_eq!(links.link("102645", &entries), None);
        let more = [
            entries[0].clone(),
            entries[1].clone(),
            entry("new02", 1_746_000_020),
        ];
        assert_eq!(links.link("102645", &more).as_deref(), Some("new02"));
        assert_eq!(links.linked("102644"), Some("new01"));
    }

    #[test]
    fn two_candidates_wait() {
        let sent = DateTime::from_timestamp(1_746_000_000, 0).unwrap();
        let mut links = AdminLinks::default();
        links.remember("1", sent);
        let entries = [entry("a", 1_746_000_001), entry("b", 1_746_000_002)];
        assert_eq!(links.link("1", &entries), None);
        assert_eq!(links.link("unknown", &entries), None);
    }
}

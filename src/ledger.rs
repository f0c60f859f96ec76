//! The order ledger: every order numport created, kept in the [`Store`]
//! every replica shares, with its last known status, until some time after
//! it ended.
//!
//! [`Recorded`] wraps a provider so that what it creates and reads keeps
//! the ledger up to date; [`Ledger::open_orders`] lists what has not ended,
//! across replicas and accounts.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures::StreamExt;
use futures::stream::BoxStream;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::events::PortEvent;
use crate::model::{
    Amendment, Baseline, PhoneNumber, PortId, PortOrder, PortRequest, PortSummary, Portability,
    Reconciliation, Submission, SubmittedOrder,
};
use crate::operation::Carrier;
use crate::provider::{BulkOptions, Capabilities, PortProvider, Tracking, account_of};
use crate::status::{CarrierStatus, PortStatus};
use crate::store::{MAX_INDEX_MEMBERS, Store, StoreError};

/// How long an ended order stays in the ledger by default: 7 days.
pub const DEFAULT_KEEP_AFTER_END: Duration = Duration::from_secs(7 * 86_400);

/// The longest [`Ledger::keep_after_end`] accepted: 400 days.
pub const MAX_KEEP_AFTER_END: Duration = Duration::from_secs(400 * 86_400);

/// How long an order that has not ended stays in the ledger after its last
/// update: 400 days (renewed by every update). An order nobody followed
/// for that long leaves the ledger.
pub const OPEN_LIFETIME: Duration = Duration::from_secs(400 * 86_400);

/// The most entries [`Ledger::open_orders`] reads by default: 100,000.
pub const DEFAULT_MAX_LISTED: usize = 100_000;

/// The longest carrier message kept in an entry, in characters.
const MAX_MESSAGE_CHARS: usize = 1_000;

/// One order in the ledger.
///
/// It holds no PIN, PAC, account number or credential: the account is the
/// provider's [`PortProvider::account_reference`] (a hash), and the
/// carrier's message is the one its client already cleared of the secrets
/// it knows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LedgerEntry {
    /// The carrier.
    pub carrier: Carrier,
    /// The account's reference ([`PortProvider::account_reference`]),
    /// `numport:<carrier>:<hash>`.
    pub account: String,
    /// The carrier's id for the order.
    pub order_id: PortId,
    /// The numbers the submission ordered.
    pub numbers: Vec<PhoneNumber>,
    /// When the submission was made.
    pub submitted_at: DateTime<Utc>,
    /// The last status the carrier gave; `None` until the order was first
    /// read (a submission's answer gives none).
    pub status: Option<PortStatus>,
    /// The carrier's own status name for it, when read.
    pub carrier_status: Option<CarrierStatus>,
    /// The carrier's last message about the order, when it gave one.
    pub message: Option<String>,
    /// The idempotency key it was submitted under
    /// ([`crate::OnceSubmitter`]), if any.
    pub idempotency_key: Option<String>,
    /// When the entry last changed.
    pub updated_at: DateTime<Utc>,
    /// How many status changes of the order the follower
    /// ([`crate::Follower`]) has put on the event stream: the
    /// [`PortEvent::sequence`] of the last one, 0 before the first.
    #[serde(default)]
    pub changes: u64,
    /// The status the last of those changes went to (its
    /// [`PortEvent::to`]): the `from` of the next one. `None` before the
    /// first. It may lag [`LedgerEntry::status`] when something else read
    /// the order (an [`PortProvider::order`] through [`Recorded`]); the
    /// follower then publishes the change it has not published yet.
    #[serde(default)]
    pub published: Option<PortStatus>,
    /// The changes written here before they were published, until the
    /// stream holds them (one, or two when the follower also publishes a
    /// status read elsewhere): a follower that stopped between the two
    /// leaves them, and the next one publishes them again as they are
    /// (same ids, same content), so a change is never lost and never told
    /// two ways. Empty the rest of the time.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub outbox: Vec<PortEvent>,
}

impl LedgerEntry {
    /// True when the order has not ended: no status read yet, or one that
    /// is not terminal ([`PortStatus::is_terminal`]).
    pub fn is_open(&self) -> bool {
        !self.status.is_some_and(PortStatus::is_terminal)
    }
}

/// How many times [`Ledger`] reads an entry again and retries its change
/// when another writer changed the entry between its read and its write.
const MAX_SWAPS: usize = 16;

/// What a change of an entry does with what it read.
enum Edit<T> {
    /// Write this entry back (when nobody wrote in between) and answer `T`.
    Write(Box<LedgerEntry>, T),
    /// Write nothing; answer `T`.
    Keep(T),
}

/// What [`Ledger::stage_changes`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Staged {
    /// The change is written, in the entry's outbox: publish it.
    Written,
    /// The entry is gone, or has moved on since it was read (another
    /// change or one still in its outbox): nothing was written.
    Skipped,
}

/// The order ledger in a [`Store`].
///
/// Entries are kept per carrier (one index, `numport:ledger:<carrier>`,
/// for every account of that carrier), each under the account's hash and
/// the order id: [`Ledger::open_orders`] lists every account's orders of
/// the carrier, so one process can follow a whole fleet's orders. An
/// order that has not ended lives [`OPEN_LIFETIME`] from its last update;
/// one that ended lives [`Ledger::keep_after_end`] more.
///
/// The ledger is sealed with the store's [`SealingKey`] when it has one
/// (`RedisStore`), as every value it writes.
///
/// Each update reads the entry and writes it back with a compare-and-set
/// ([`Store::index_swap`], a Lua script in Redis): when another replica
/// wrote the entry in between, the update reads it again and applies
/// itself to what is there now, so no write is lost (a follower's change
/// counter and unpublished changes included). An ended order is never
/// reopened by a read of an open status.
///
/// [`SealingKey`]: crate::store
#[derive(Clone)]
pub struct Ledger {
    store: Arc<dyn Store>,
    keep_after_end: Duration,
    max_listed: usize,
}

impl fmt::Debug for Ledger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ledger")
            .field("store", &self.store.name())
            .field("keep_after_end", &self.keep_after_end)
            .field("max_listed", &self.max_listed)
            .finish()
    }
}

/// The index of `carrier`'s orders.
fn index(carrier: Carrier) -> String {
    let name = match carrier {
        Carrier::Cellhire => "cellhire",
        Carrier::Apeiron => "apeiron",
        Carrier::INumbering => "inumbering",
    };
    format!("numport:ledger:{name}")
}

/// The member naming `id` of the account `account`: the account's hash
/// (the last part of its reference) and the id.
fn member(account: &str, id: &PortId) -> String {
    let hash = account.rsplit(':').next().unwrap_or(account);
    format!("{hash}:{}", id.as_str())
}

/// `message` cut to the longest kept in an entry (1,000 characters).
pub(crate) fn cut(message: Option<String>) -> Option<String> {
    message.map(|m| match m.char_indices().nth(MAX_MESSAGE_CHARS) {
        Some((at, _)) => format!("{}…", &m[..at]),
        None => m,
    })
}

impl Ledger {
    /// A ledger in `store` (a `RedisStore` shared by every replica, or a
    /// [`crate::store::MemoryStore`] within one process).
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self {
            store,
            keep_after_end: DEFAULT_KEEP_AFTER_END,
            max_listed: DEFAULT_MAX_LISTED,
        }
    }

    setters! {
        /// How long an order stays after it ended (default 7 days, a minute to
        /// [`MAX_KEEP_AFTER_END`]; a setting out of range is an
        /// [`Error::Config`] on first use).
        keep_after_end(keep: Duration) => keep_after_end = keep;

        /// The most entries of a carrier [`Ledger::open_orders`] reads (default
        /// [`DEFAULT_MAX_LISTED`], 1 to [`MAX_INDEX_MEMBERS`]): a carrier with
        /// more (open or recently ended) makes it an error rather than a
        /// listing with some left out.
        max_listed(max: usize) => max_listed = max;
    }

    /// The store the ledger is in.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    fn check_settings(&self) -> Result<()> {
        if self.keep_after_end < Duration::from_secs(60) || self.keep_after_end > MAX_KEEP_AFTER_END
        {
            return Err(Error::Config(format!(
                "the ledger's keep_after_end must be between 1 minute and {MAX_KEEP_AFTER_END:?}, \
                 not {:?}",
                self.keep_after_end
            )));
        }
        if self.max_listed == 0 || self.max_listed > MAX_INDEX_MEMBERS {
            return Err(Error::Config(format!(
                "the ledger's max_listed must be between 1 and {MAX_INDEX_MEMBERS}, not {}",
                self.max_listed
            )));
        }
        Ok(())
    }

    fn error(message: impl fmt::Display) -> Error {
        Error::Ledger {
            message: message.to_string(),
        }
    }

    /// One store call, bounded by the store's timeout.
    async fn bounded<T>(
        &self,
        call: impl Future<Output = std::result::Result<T, StoreError>>,
    ) -> Result<T> {
        crate::store::within(&*self.store, self.store.timeout(), call)
            .await
            .map_err(Self::error)
    }

    fn decode(bytes: &[u8]) -> Result<LedgerEntry> {
        serde_json::from_slice(bytes)
            .map_err(|e| Self::error(format!("an entry could not be read ({e})")))
    }

    /// Reads the entry of order `id` of `carrier`'s account `account`,
    /// hands it to `edit`, and writes back what `edit` answers, only when
    /// nobody wrote the entry in between ([`Store::index_swap`]); when
    /// someone did, reads it again and asks `edit` again, at most
    /// [`MAX_SWAPS`] times. The written entry lives as its status calls
    /// for.
    async fn change<T>(
        &self,
        carrier: Carrier,
        account: &str,
        id: &PortId,
        mut edit: impl FnMut(Option<LedgerEntry>) -> Edit<T>,
    ) -> Result<T> {
        self.check_settings()?;
        let index = index(carrier);
        let member = member(account, id);
        for _ in 0..MAX_SWAPS {
            let read = self.bounded(self.store.index_get(&index, &member)).await?;
            let entry = read.as_deref().map(Self::decode).transpose()?;
            let (entry, answer) = match edit(entry) {
                Edit::Keep(answer) => return Ok(answer),
                Edit::Write(entry, answer) => (entry, answer),
            };
            let value = serde_json::to_vec(&entry).map_err(Self::error)?;
            let ttl = if entry.is_open() {
                OPEN_LIFETIME
            } else {
                self.keep_after_end
            };
            let swapped = self
                .bounded(
                    self.store
                        .index_swap(&index, &member, read.as_deref(), &value, ttl),
                )
                .await?;
            if swapped {
                return Ok(answer);
            }
        }
        Err(Self::error(format!(
            "the entry of order {id} changed under {MAX_SWAPS} updates in a row; nothing was \
             written, try again"
        )))
    }

    /// The entry of order `id` of `carrier`'s account `account` (its
    /// [`PortProvider::account_reference`]), if the ledger holds it.
    ///
    /// An entry that cannot be read is an [`Error::Ledger`], never an
    /// absence.
    pub async fn entry(
        &self,
        carrier: Carrier,
        account: &str,
        id: &PortId,
    ) -> Result<Option<LedgerEntry>> {
        let bytes = self
            .bounded(self.store.index_get(&index(carrier), &member(account, id)))
            .await?;
        bytes.as_deref().map(Self::decode).transpose()
    }

    /// Records the orders `submission` created for the account `account`,
    /// with the idempotency key they were submitted under, if any. An
    /// order already recorded keeps its status and gains the key.
    pub async fn record(
        &self,
        account: &str,
        submission: &Submission,
        idempotency_key: Option<&str>,
    ) -> Result<()> {
        self.check_settings()?;
        for order in &submission.orders {
            let account = account.to_owned();
            self.change(submission.carrier, &account, &order.id, |entry| {
                let now = Utc::now();
                match entry {
                    Some(mut entry) => {
                        if idempotency_key.is_none() || entry.idempotency_key.is_some() {
                            return Edit::Keep(());
                        }
                        entry.idempotency_key = idempotency_key.map(str::to_owned);
                        entry.updated_at = now;
                        Edit::Write(Box::new(entry), ())
                    }
                    None => Edit::Write(
                        Box::new(LedgerEntry {
                            carrier: submission.carrier,
                            account: account.clone(),
                            order_id: order.id.clone(),
                            numbers: order.numbers.clone(),
                            submitted_at: submission.submitted_at,
                            status: None,
                            carrier_status: None,
                            message: None,
                            idempotency_key: idempotency_key.map(str::to_owned),
                            updated_at: now,
                            changes: 0,
                            published: None,
                            outbox: Vec::new(),
                        }),
                        (),
                    ),
                }
            })
            .await?;
        }
        Ok(())
    }

    /// Updates the entry of `id` with what the carrier said; true when the
    /// ledger holds the order (orders numport did not create are not
    /// added). A terminal status already recorded is not replaced by an
    /// older, open one another replica read earlier.
    async fn update(
        &self,
        carrier: Carrier,
        account: &str,
        id: &PortId,
        status: PortStatus,
        carrier_status: &CarrierStatus,
        message: Option<&String>,
    ) -> Result<bool> {
        let message = cut(message.cloned());
        self.change(carrier, account, id, |entry| {
            let Some(mut entry) = entry else {
                return Edit::Keep(false);
            };
            if !entry.is_open() && !status.is_terminal() {
                return Edit::Keep(true);
            }
            if entry.status == Some(status)
                && entry.carrier_status.as_ref() == Some(carrier_status)
                && entry.message == message
            {
                return Edit::Keep(true);
            }
            entry.status = Some(status);
            entry.carrier_status = Some(carrier_status.clone());
            entry.message.clone_from(&message);
            entry.updated_at = Utc::now();
            Edit::Write(Box::new(entry), true)
        })
        .await
    }

    /// Updates the entry of `order` (read from the account `account`);
    /// true when the ledger holds it.
    pub async fn observe(&self, account: &str, order: &PortOrder) -> Result<bool> {
        self.update(
            order.carrier,
            account,
            &order.id,
            order.status,
            &order.carrier_status,
            order.message.as_ref(),
        )
        .await
    }

    /// Updates the entry of `summary` (read from the account `account`'s
    /// listing); true when the ledger holds it.
    pub async fn observe_summary(&self, account: &str, summary: &PortSummary) -> Result<bool> {
        self.update(
            summary.carrier,
            account,
            &summary.id,
            summary.status,
            &summary.carrier_status,
            summary.message.as_ref(),
        )
        .await
    }

    /// Records what the carrier said of `id` when the follower publishes no
    /// event for it (the carrier's status name or message changed, not the
    /// status); true when the ledger holds the order. As
    /// [`Ledger::observe`].
    pub(crate) async fn observe_words(
        &self,
        carrier: Carrier,
        account: &str,
        id: &PortId,
        status: PortStatus,
        carrier_status: &CarrierStatus,
        message: Option<&String>,
    ) -> Result<bool> {
        self.update(carrier, account, id, status, carrier_status, message)
            .await
    }

    /// Writes `events`, consecutive changes of one order the follower
    /// saw, into the order's entry before they are published: the change
    /// counter becomes the last one's sequence, [`LedgerEntry::published`]
    /// its status, the entry's status, carrier status and message what it
    /// says (an ended order keeps its end: a terminal status is not
    /// replaced by an open one), and the events wait in
    /// [`LedgerEntry::outbox`] until [`Ledger::commit_changes`].
    ///
    /// Written only when the entry still stands where the follower read
    /// it: its counter one less than the first event's sequence, its
    /// outbox empty; otherwise [`Staged::Skipped`] and nothing is written.
    pub(crate) async fn stage_changes(&self, events: &[PortEvent]) -> Result<Staged> {
        self.check_settings()?;
        let (Some(first), Some(last)) = (events.first(), events.last()) else {
            return Ok(Staged::Skipped);
        };
        self.change(first.carrier, &first.account, &first.order_id, |entry| {
            let Some(mut entry) = entry else {
                return Edit::Keep(Staged::Skipped);
            };
            if !entry.outbox.is_empty() || entry.changes.checked_add(1) != Some(first.sequence) {
                return Edit::Keep(Staged::Skipped);
            }
            entry.changes = last.sequence;
            entry.published = Some(last.to);
            if entry.is_open() || last.to.is_terminal() {
                entry.status = Some(last.to);
                if let Some(words) = &last.carrier_status {
                    entry.carrier_status = Some(words.clone());
                }
                entry.message = cut(last.message.clone());
            }
            entry.outbox = events.to_vec();
            entry.updated_at = Utc::now();
            Edit::Write(Box::new(entry), Staged::Written)
        })
        .await
    }

    /// Empties the outbox of the order `events` are changes of, once the
    /// stream holds them; true when it held exactly those (false: the
    /// entry is gone or holds others).
    pub(crate) async fn commit_changes(&self, events: &[PortEvent]) -> Result<bool> {
        self.check_settings()?;
        let Some(first) = events.first() else {
            return Ok(false);
        };
        self.change(first.carrier, &first.account, &first.order_id, |entry| {
            let Some(mut entry) = entry else {
                return Edit::Keep(false);
            };
            let held = entry.outbox.iter().map(|e| &e.id);
            if !held.eq(events.iter().map(|e| &e.id)) {
                return Edit::Keep(false);
            }
            entry.outbox.clear();
            Edit::Write(Box::new(entry), true)
        })
        .await
    }

    /// Every entry of `carrier` (every account), open or recently ended,
    /// oldest submission first.
    ///
    /// Reads at most [`Ledger::max_listed`] entries: when the carrier has
    /// more, it is an [`Error::Ledger`] (never a listing with some left
    /// out); so is an entry that cannot be read.
    pub async fn entries(&self, carrier: Carrier) -> Result<Vec<LedgerEntry>> {
        self.check_settings()?;
        let index = index(carrier);
        let limit = self.max_listed.saturating_add(1);
        let listed = self.bounded(self.store.index_list(&index, limit)).await?;
        if listed.len() > self.max_listed {
            return Err(Self::error(format!(
                "the {carrier} ledger holds more than {} entries (max_listed)",
                self.max_listed
            )));
        }
        let mut entries = Vec::with_capacity(listed.len());
        for (name, bytes) in listed {
            let entry = Self::decode(&bytes)?;
            if entry.carrier != carrier || member(&entry.account, &entry.order_id) != name {
                return Err(Self::error(format!(
                    "the {carrier} ledger holds an entry that is not where it belongs"
                )));
            }
            entries.push(entry);
        }
        entries.sort_by(|a, b| {
            (a.submitted_at, a.order_id.as_str()).cmp(&(b.submitted_at, b.order_id.as_str()))
        });
        Ok(entries)
    }

    /// The orders of `carrier` (every account) that have not ended
    /// ([`LedgerEntry::is_open`]), oldest submission first. Bounded as
    /// [`Ledger::entries`].
    pub async fn open_orders(&self, carrier: Carrier) -> Result<Vec<LedgerEntry>> {
        let mut entries = self.entries(carrier).await?;
        entries.retain(LedgerEntry::is_open);
        Ok(entries)
    }
}

/// A provider whose orders are kept in a [`Ledger`].
///
/// Every call goes to the wrapped provider and answers what it answers;
/// on the way, the orders [`submit`](PortProvider::submit) and
/// [`submit_many`](PortProvider::submit_many) created are recorded, and
/// what [`order`](PortProvider::order) and
/// [`orders`](PortProvider::orders) read updates their entries, so
/// [`crate::PortProviderExt::watch`] and
/// [`crate::PortProviderExt::watch_many`] on a `Recorded` keep the ledger
/// up to date (each order read costs one store read, and one write when
/// something changed); orders a [`reconcile`](PortProvider::reconcile)
/// found are recorded as submitted at the attempt. After a successful [`amend`](PortProvider::amend) or
/// [`cancel`](PortProvider::cancel), the order is read again (when the
/// carrier can) and that answer recorded: the ledger holds only what the
/// carrier said.
///
/// A ledger that fails never fails a carrier call (an order created is
/// answered as created): it is logged as a `tracing` warning.
#[derive(Debug, Clone)]
pub struct Recorded {
    inner: Arc<dyn PortProvider>,
    ledger: Ledger,
    account: String,
}

impl Recorded {
    /// `provider` with its orders kept in `ledger`.
    ///
    /// Errors with [`Error::Config`] when the provider names no account
    /// ([`PortProvider::account_reference`]).
    pub fn new(provider: Arc<dyn PortProvider>, ledger: Ledger) -> Result<Self> {
        let account = account_of(&*provider, "its orders")?;
        ledger.check_settings()?;
        Ok(Self {
            inner: provider,
            ledger,
            account,
        })
    }

    /// The ledger.
    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// The wrapped provider.
    pub fn provider(&self) -> &Arc<dyn PortProvider> {
        &self.inner
    }

    fn warn(&self, what: &str, result: Result<impl Sized>) {
        if let Err(error) = result {
            tracing::warn!(
                carrier = %self.inner.carrier(),
                %error,
                "the order ledger could not {what}"
            );
        }
    }

    /// Reads `id` again after a change and records the answer.
    async fn reread(&self, id: &PortId) {
        if !self.inner.capabilities().order {
            return;
        }
        match self.inner.order(id).await {
            Ok(order) => {
                let result = self.ledger.observe(&self.account, &order).await;
                self.warn("record an order read", result);
            }
            Err(error) => tracing::warn!(
                carrier = %self.inner.carrier(),
                %error,
                "the order could not be read again for the ledger"
            ),
        }
    }
}

/// Records the orders a reconciliation found (submitted when the attempt
/// was made) with what the carrier said of them.
async fn record_found(recorded: &Recorded, answer: &Reconciliation, attempted_at: DateTime<Utc>) {
    let Reconciliation::Found(orders) = answer else {
        return;
    };
    // The carrier holds orders this request created: record them
    // (submitted when the attempt was made) with what it said.
    let mut submission = Submission::new(
        recorded.inner.carrier(),
        orders
            .iter()
            .map(|order| {
                let numbers = order.lines.iter().filter_map(|l| l.number.clone());
                SubmittedOrder::new(order.id.clone(), numbers.collect(), serde_json::Value::Null)
            })
            .collect(),
    );
    submission.submitted_at = attempted_at;
    let result = recorded
        .ledger
        .record(&recorded.account, &submission, None)
        .await;
    recorded.warn("record a reconciled order", result);
    for order in orders {
        let result = recorded.ledger.observe(&recorded.account, order).await;
        recorded.warn("record a reconciled order", result);
    }
}

#[async_trait]
impl PortProvider for Recorded {
    fn carrier(&self) -> Carrier {
        self.inner.carrier()
    }

    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }

    fn account_reference(&self) -> Option<String> {
        Some(self.account.clone())
    }

    async fn check_portability(&self, numbers: &[PhoneNumber]) -> Result<Vec<Portability>> {
        self.inner.check_portability(numbers).await
    }

    async fn submit(&self, request: &PortRequest) -> Result<Submission> {
        let submission = self.inner.submit(request).await?;
        let result = self.ledger.record(&self.account, &submission, None).await;
        self.warn("record a submission", result);
        Ok(submission)
    }

    async fn reconcile(
        &self,
        request: &PortRequest,
        attempted_at: DateTime<Utc>,
    ) -> Result<Reconciliation> {
        let answer = self.inner.reconcile(request, attempted_at).await?;
        record_found(self, &answer, attempted_at).await;
        Ok(answer)
    }

    async fn baseline(&self) -> Result<Option<Baseline>> {
        self.inner.baseline().await
    }

    async fn reconcile_from(
        &self,
        attempted_at: DateTime<Utc>,
        baseline: &Baseline,
    ) -> Result<Reconciliation> {
        let answer = self.inner.reconcile_from(attempted_at, baseline).await?;
        record_found(self, &answer, attempted_at).await;
        Ok(answer)
    }

    async fn order(&self, id: &PortId) -> Result<PortOrder> {
        let order = self.inner.order(id).await?;
        let result = self.ledger.observe(&self.account, &order).await;
        self.warn("record an order read", result);
        Ok(order)
    }

    fn orders(&self) -> BoxStream<'_, Result<PortSummary>> {
        self.inner
            .orders()
            .then(move |item| async move {
                if let Ok(summary) = &item {
                    let result = self.ledger.observe_summary(&self.account, summary).await;
                    self.warn("record a listed order", result);
                }
                item
            })
            .boxed()
    }

    async fn amend(&self, id: &PortId, amendment: &Amendment) -> Result<()> {
        self.inner.amend(id, amendment).await?;
        self.reread(id).await;
        Ok(())
    }

    async fn cancel(&self, id: &PortId) -> Result<()> {
        self.inner.cancel(id).await?;
        self.reread(id).await;
        Ok(())
    }

    fn tracking(&self) -> Tracking {
        self.inner.tracking()
    }

    async fn submit_many(
        &self,
        requests: &[PortRequest],
        options: &BulkOptions,
    ) -> Vec<Result<Submission>> {
        let results = self.inner.submit_many(requests, options).await;
        for submission in results.iter().flatten() {
            let result = self.ledger.record(&self.account, submission, None).await;
            self.warn("record a submission", result);
        }
        results
    }
}

//! [`INumberingClient`] as a [`PortProvider`].

use std::future::Future;
use std::pin::Pin;

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use futures::stream::{BoxStream, StreamExt};

use super::check;
use super::client::INumberingClient;
use super::links::CLOCK_SKEW;
use super::request::{account_port, port_in_order};
use super::status_map::order_status;
use super::summary::Step;
use super::to_wire::digits;
use super::types::{AccountPort, PortInOrder, PortStatusEntry};
use crate::bulk;
use crate::error::{Error, FieldError, RejectReason, Result};
use crate::model::{
    Baseline, MAX_BASELINE_ORDERS, PhoneNumber, PortId, PortOrder, PortRequest, PortSummary,
    Portability, Reconciliation, Submission, SubmittedOrder,
};
use crate::operation::{Carrier, Operation};
use crate::provider::BulkOptions;
use crate::provider::{Capabilities, PortProvider};
use crate::status::CarrierStatus;

const CARRIER: Carrier = Carrier::INumbering;

const CAPABILITIES: Capabilities = Capabilities {
    check_portability: true,
    submit: true,
    order: true,
    orders: true,
    reconcile: true,
    baseline: true,
    multi_line_orders: true,
    ..Capabilities::NONE
};

/// How far before `attempted_at` [`PortProvider::reconcile`] still looks:
/// the carrier's clock and this machine's may disagree.
const RECONCILE_CLOCK_SKEW: TimeDelta = TimeDelta::minutes(5);

/// The most candidates an inconclusive [`PortProvider::reconcile`] names:
/// those recorded closest to the attempt.
const MAX_CANDIDATES: usize = 100;

/// `at` less `skew`; the earliest time there is when that is out of
/// range.
fn before(at: DateTime<Utc>, skew: TimeDelta) -> DateTime<Utc> {
    at.checked_sub_signed(skew)
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// `at` less `skew` ([`before`]) as a Unix timestamp.
fn since(at: DateTime<Utc>, skew: TimeDelta) -> i64 {
    before(at, skew).timestamp()
}

/// The order an entry describes, under `id`.
fn order_of(id: PortId, entry: &PortStatusEntry) -> PortOrder {
    let mut order = PortOrder::new(
        id,
        CARRIER,
        entry.unified(),
        CarrierStatus::new(&entry.status, None),
    );
    order.port_date = entry.foc;
    order.message = entry.message.clone();
    order
}

/// `n` and `one` or `many`.
fn counted(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `n` entries, in words.
fn entries(n: u64) -> String {
    counted(n, "entry", "entries")
}

/// One candidate of an inconclusive reconciliation, ranked by when it was
/// recorded (an entry without a time first), then by where it came.
struct Candidate {
    rank: i64,
    seq: u64,
    order: PortOrder,
}

impl PartialEq for Candidate {
    fn eq(&self, other: &Self) -> bool {
        (self.rank, self.seq) == (other.rank, other.seq)
    }
}

impl Eq for Candidate {}

impl PartialOrd for Candidate {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Candidate {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.rank, self.seq).cmp(&(other.rank, other.seq))
    }
}

impl PortStatusEntry {
    fn key(&self) -> Option<&str> {
        self.pid.as_deref().or(self.id.as_deref())
    }

    /// True when its `pid` or its `id` is `key`.
    fn is(&self, key: &str) -> bool {
        self.pid.as_deref() == Some(key) || self.id.as_deref() == Some(key)
    }

    /// The unified state. The document lists no "rejected" status: the
    /// losing carrier's rejection comes in `message` ("any rejection reason
    /// from the losing carrier"), so an open order whose message says it was
    /// rejected needs the caller's action.
    fn unified(&self) -> crate::status::PortStatus {
        let status = order_status(&self.status, self.foc);
        let rejected = self
            .message
            .as_deref()
            .is_some_and(|m| m.to_ascii_lowercase().contains("reject"));
        if rejected && !status.is_terminal() {
            crate::status::PortStatus::ActionRequired
        } else {
            status
        }
    }
}

/// A summary of an entry [`INumberingClient::port_status`] returned: its
/// texts are already cleared of the client's credentials.
fn summary(entry: &PortStatusEntry) -> Result<PortSummary> {
    let id = PortId::new(entry.key().unwrap_or_default()).map_err(|e| Error::Decode {
        carrier: CARRIER,
        operation: Operation::ListOrders,
        message: format!("a port status entry has no pid nor id ({e})"),
    })?;
    let mut s = PortSummary::new(
        id,
        CARRIER,
        entry.unified(),
        CarrierStatus::new(&entry.status, None),
    );
    s.port_date = entry.foc;
    s.message = entry.message.clone();
    Ok(s)
}

enum Order {
    /// A customer order, and whether the caller asked for the check first.
    Customer(Box<AccountPort>, bool),
    Admin(PortInOrder),
}

impl Order {
    /// The request's own secrets (account numbers and PINs), for
    /// redaction of the carrier's texts about it.
    fn secrets(&self) -> Vec<&str> {
        match self {
            Order::Customer(port, _) => port.secrets(),
            Order::Admin(order) => order.secrets(),
        }
    }
}

/// Checks every number not checked within the hour, in one call, and
/// refuses the submission when any is not portable. The carrier's
/// reasons are given without the client's credentials nor `secrets`
/// (the request's own).
async fn ensure_portable(
    client: &INumberingClient,
    numbers: &[PhoneNumber],
    secrets: &[&str],
) -> Result<()> {
    let unchecked: Vec<PhoneNumber> = numbers
        .iter()
        .filter(|n| client.fresh_check(n).is_none())
        .cloned()
        .collect();
    if !unchecked.is_empty() {
        client
            .check_once(&unchecked, secrets)
            .await
            .map_err(|e| e.redacting(secrets))?;
    }
    let mut reasons = Vec::new();
    for (i, number) in numbers.iter().enumerate() {
        let reason = match client.fresh_check(number) {
            Some(a) if a.portable => continue,
            Some(a) => a
                .not_portable_reason
                .unwrap_or_else(|| "no reason given".to_owned()),
            None => "portInAvailability did not report it".to_owned(),
        };
        reasons.push((i, number, reason));
    }
    if reasons.is_empty() {
        return Ok(());
    }
    // A check remembered here was made for another request, perhaps:
    // this one's secrets are removed too.
    client
        .inner
        .keys
        .scrub(secrets, reasons.iter_mut().map(|(_, _, r)| r))
        .await;
    let refused: Vec<FieldError> = reasons
        .into_iter()
        .map(|(i, number, reason)| {
            FieldError::new(
                format!("lines[{i}].number"),
                format!("{number} is not portable: {reason}"),
            )
        })
        .collect();
    Err(Error::Rejected {
        carrier: CARRIER,
        status: None,
        reason: RejectReason::NotPortable,
        message: refused
            .iter()
            .map(|f| f.problem.clone())
            .collect::<Vec<_>>()
            .join("; "),
        field_errors: refused,
    })
}

/// The check a customer asked for: a number found not portable stops the
/// order; a check the carrier does not offer this account (414
/// "Wireless not allowed for Customer") does not.
async fn customer_check(
    client: &INumberingClient,
    numbers: &[PhoneNumber],
    secrets: &[&str],
) -> Result<()> {
    match ensure_portable(client, numbers, secrets).await {
        Err(e) if e.reject_reason() == Some(RejectReason::CheckUnavailable) => {
            tracing::info!("portability check not offered to this account; ordering without it");
            Ok(())
        }
        other => other,
    }
}

/// Places a checked order. An admin order refused with a 412 (a number
/// not checked within the hour, by the carrier's account) is checked
/// again and sent once more.
async fn place(
    client: &INumberingClient,
    order: &Order,
    numbers: &[PhoneNumber],
) -> Result<SubmittedOrder> {
    let (id, raw) = match order {
        Order::Customer(port, _) => {
            let created = client.send_account_port(port).await?;
            (created.pid, created.raw)
        }
        Order::Admin(order) => {
            // When the order that was taken was sent: after a recovery, the
            // second sending.
            let sent_at = std::sync::Mutex::new(client.now());
            let secrets = order.secrets();
            let check_again = || -> Pin<Box<dyn Future<Output = Result<()>> + Send + '_>> {
                Box::pin(async {
                    client.forget_checks(numbers).await;
                    ensure_portable(client, numbers, &secrets).await?;
                    *sent_at
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner) = client.now();
                    Ok(())
                })
            };
            let order_id = client.send_port_in_order(order, Some(&check_again)).await?;
            let sent_at = *sent_at
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let pid = link_admin_order(client, &order_id, sent_at).await;
            let raw = serde_json::json!({ "orderId": order_id, "pid": pid });
            // The id the status call knows, when the record was found;
            // else the orderId, linked on a later status read.
            (pid.unwrap_or(order_id), raw)
        }
    };
    // iNumbering answered 2xx: the order exists. An id the crate cannot
    // use leaves the caller not knowing which: an unknown outcome, never
    // a validation error (which would say nothing was sent).
    let id = PortId::new(id).map_err(|e| Error::OutcomeUnknown {
        carrier: CARRIER,
        operation: Operation::Submit,
        cause: Box::new(Error::Decode {
            carrier: CARRIER,
            operation: Operation::Submit,
            message: format!(
                "iNumbering accepted the order but returned an unusable id ({}); \
                 do not submit again: reconcile to find it",
                e.problem
            ),
        }),
    })?;
    Ok(SubmittedOrder::new(id, numbers.to_vec(), raw))
}

#[async_trait]
impl PortProvider for INumberingClient {
    fn carrier(&self) -> Carrier {
        CARRIER
    }

    fn capabilities(&self) -> Capabilities {
        CAPABILITIES
    }

    /// The namespace of the account's shared store entries: base URL and
    /// user name, hashed (an admin client's differs from a customer's).
    fn account_reference(&self) -> Option<String> {
        Some(self.inner.shared.namespace().as_str().to_owned())
    }

    /// portStatus answers every order of the account, with its status and
    /// message, in one call.
    fn tracking(&self) -> crate::provider::Tracking {
        crate::provider::Tracking::Listing {
            page_size: None,
            complete_summaries: true,
        }
    }

    /// portInAvailability for every number in one call (`isPortable` is a
    /// string; the reason comes only when it is `"false"`). The carrier
    /// answers a re-check within the hour from its own cache, so a set
    /// checked within the hour by this client, or by another sharing its
    /// store, is answered from that check without a call.
    async fn check_portability(&self, numbers: &[PhoneNumber]) -> Result<Vec<Portability>> {
        check::availability(numbers)?;
        let results = self.check_once(numbers, &[]).await?;
        Ok(numbers
            .iter()
            .map(|n| {
                let found = results
                    .iter()
                    .find(|r| r.number.as_ref().is_some_and(|m| digits(m) == digits(n)));
                match found {
                    Some(r) => {
                        Portability::new(n.clone(), r.portable, r.not_portable_reason.clone())
                    }
                    None => Portability::new(
                        n.clone(),
                        false,
                        Some("portInAvailability did not report it".into()),
                    ),
                }
            })
            .collect())
    }

    /// One order holding every number: `/v2.2/account/port` for a customer,
    /// or `portInOrder` for an admin client.
    ///
    /// An admin order is checked first, as the document requires (one
    /// portInAvailability call for every number not checked within the
    /// hour); a number that is not portable stops it before anything is
    /// ordered, and a 412 (stale check) triggers one fresh check and one more
    /// order attempt. A customer order goes straight to iNumbering's review
    /// unless [`super::INumberingOptions::check_portability`] asks for the
    /// check; a check the carrier does not offer the account (414 "Wireless
    /// not allowed for Customer") never stops a customer order.
    async fn submit(&self, request: &PortRequest) -> Result<Submission> {
        let order = build_order(self, request)?;
        let numbers: Vec<PhoneNumber> = request.lines.iter().map(|l| l.number.clone()).collect();
        submit_order(self, &order, &numbers, true).await
    }

    /// Validates every request, checks every number not checked within the
    /// hour in one portInAvailability call, then orders each request (one
    /// order per request, at most `max_in_flight` at a time). A request that
    /// fails validation or holds a number that is not portable fails alone.
    async fn submit_many(
        &self,
        requests: &[PortRequest],
        options: &BulkOptions,
    ) -> Vec<Result<Submission>> {
        let (mut orders, mut early) = bulk::prepare_each(requests, |r| build_order(self, r));
        let unchecked: Vec<PhoneNumber> = requests
            .iter()
            .zip(&orders)
            .filter(|(_, o)| o.as_ref().is_some_and(needs_check))
            .flat_map(|(r, _)| r.lines.iter().map(|l| l.number.clone()))
            .filter(|n| self.fresh_check(n).is_none())
            .collect();
        // Whether the customers' checks can still run (not after a 414).
        let mut customers_check = true;
        if !unchecked.is_empty() {
            let secrets: Vec<&str> = orders
                .iter()
                .flatten()
                .filter(|o| needs_check(o))
                .flat_map(Order::secrets)
                .collect();
            if let Err(e) = self
                .check_once(&unchecked, &secrets)
                .await
                .map_err(|e| e.redacting(&secrets))
            {
                let unavailable = e.reject_reason() == Some(RejectReason::CheckUnavailable);
                customers_check = !unavailable;
                for (i, order) in orders.iter_mut().enumerate() {
                    let fails = match order {
                        Some(Order::Admin(_)) => true,
                        Some(Order::Customer(_, true)) => !unavailable,
                        _ => false,
                    };
                    if fails {
                        order.take();
                        early.push((i, Err(e.clone())));
                    }
                }
            }
        }
        let batches: Vec<Vec<usize>> = (0..requests.len())
            .filter(|i| orders[*i].is_some())
            .map(|i| vec![i])
            .collect();
        let orders = &orders;
        bulk::run(
            requests.len(),
            early,
            batches,
            options.max_in_flight,
            |batch| async move {
                let i = batch[0];
                let numbers: Vec<PhoneNumber> =
                    requests[i].lines.iter().map(|l| l.number.clone()).collect();
                match &orders[i] {
                    Some(order) => vec![submit_order(self, order, &numbers, customers_check).await],
                    None => Vec::new(),
                }
            },
        )
        .await
    }

    /// The order where `pid` (or record id) is `id`, from portStatus. The
    /// summary carries no numbers, so the order has no lines.
    async fn order(&self, id: &PortId) -> Result<PortOrder> {
        find_order(self, id).await
    }

    /// The portStatus summary read as it arrives
    /// ([`INumberingClient::port_status_entries`]): each order as soon as
    /// its entry is decoded, in constant memory whatever the account's
    /// size. An entry that cannot be read (or that has neither `pid` nor
    /// `id`) is [`Error::Decode`] in its place and the listing goes on. The
    /// stream ends without an error only after the complete, well-formed
    /// answer was read; otherwise its last item is the error
    /// ([`Error::Incomplete`] for an answer without the listing, cut,
    /// malformed or over [`crate::http::HttpConfig::max_listing_bytes`]).
    fn orders(&self) -> BoxStream<'_, Result<PortSummary>> {
        self.port_status_entries()
            .map(|entry| entry.and_then(|e| summary(&e)))
            .boxed()
    }

    /// Reads the port status summary once, as it arrives (every order of
    /// the account), and looks for the orders recorded at or after
    /// `attempted_at` less five minutes (the carrier's clock and this
    /// machine's may disagree).
    ///
    /// [`Reconciliation::NotFound`] (resubmitting is safe) only when the
    /// complete, well-formed summary was read, every entry in it could be
    /// read and named (a `pid` or an `id`) and carries its time, and every
    /// one was recorded before that moment.
    ///
    /// **Never [`Reconciliation::Found`]**: the summary holds nothing of the
    /// request (no numbers, no name; only `pid`, status, FOC, message and
    /// the record's time), so an order recorded after the attempt cannot be
    /// told apart from one another submission of the account placed. Such
    /// orders make the answer [`Reconciliation::Inconclusive`], naming the
    /// 100 recorded closest to the attempt as
    /// candidates and saying how many there were; so do entries that could
    /// not be read, have no id or no time, and an incomplete summary
    /// ([`Error::Incomplete`]: no listing in the answer, cut, malformed, over
    /// the listing bound). Do not resubmit: check the candidates (their
    /// `loa_url` e-mail, support ticket) with iNumbering. The carrier's
    /// failure, a body that is not JSON, or a transport error is returned
    /// as the error. The orders have no lines.
    ///
    /// With a [`Baseline`] read just before the create
    /// ([`PortProvider::baseline`]), [`PortProvider::reconcile_from`] can
    /// answer `Found` by elimination.
    async fn reconcile(
        &self,
        request: &PortRequest,
        attempted_at: DateTime<Utc>,
    ) -> Result<Reconciliation> {
        check::request(request, self.is_admin())?;
        let scan = Scan::read(self, attempted_at, None).await?;
        if scan.is_clean() && scan.recent == 0 {
            return Ok(Reconciliation::NotFound);
        }
        let lead = (scan.recent > 0).then(|| {
            format!(
                "the account has {} recorded at or after {} (the attempt less \
                 {} minutes for clock differences), and iNumbering's status summary holds \
                 nothing of a request (no numbers, no name) to tell the submitted order from \
                 another submission's",
                counted(scan.recent, "order", "orders"),
                scan.since_at.format("%Y-%m-%dT%H:%M:%SZ"),
                RECONCILE_CLOCK_SKEW.num_minutes()
            )
        });
        Ok(scan.inconclusive(lead))
    }

    /// Reads the port status summary once, as it arrives, and keeps the ids
    /// of the orders recorded at or after now (this client's clock) less
    /// five minutes, the window [`PortProvider::reconcile_from`] looks in
    /// (the carrier's clock and this machine's may disagree).
    ///
    /// `Ok(None)`, no baseline, when the summary is incomplete (no listing
    /// in the answer, cut, malformed, over the listing bound), holds an
    /// entry that could not be read, has neither `pid` nor `id`, or carries
    /// no time, or holds more than [`crate::MAX_BASELINE_ORDERS`] orders in
    /// the window. The carrier's failure, a body that is not JSON, or a
    /// transport error is the error.
    async fn baseline(&self) -> Result<Option<Baseline>> {
        let since_at = before(self.now(), RECONCILE_CLOCK_SKEW);
        let since = since_at.timestamp();
        let mut reader = self.summary();
        let mut orders = Vec::new();
        loop {
            match reader.next().await {
                Step::Entry(entry) => {
                    let id = entry.key().and_then(|k| PortId::new(k).ok());
                    let (Some(id), Some(at)) = (id, entry.timestamp) else {
                        return Ok(None);
                    };
                    if at >= since {
                        if orders.len() >= MAX_BASELINE_ORDERS {
                            return Ok(None);
                        }
                        orders.push(id);
                    }
                }
                Step::Unreadable(_) => return Ok(None),
                Step::Failed(e) if e.is_incomplete() => return Ok(None),
                Step::Failed(e) => return Err(e),
                Step::Complete => return Ok(Baseline::new(since_at, orders)),
            }
        }
    }

    /// Reads the port status summary once, as it arrives, and looks for
    /// the orders recorded at or after `attempted_at` less five minutes
    /// (for clock differences) whose `pid` and `id` are not in `baseline`:
    /// the orders created after the baseline was read.
    ///
    /// - [`Reconciliation::Found`], the one such order (without lines: the
    ///   summary has no numbers), when there is exactly one and the
    ///   complete, well-formed summary was read with every entry readable,
    ///   named and timed. This is **by elimination**: the summary holds
    ///   nothing of the request, so it holds only when nothing else created
    ///   an order on the account between the baseline's read and this call.
    ///   [`crate::OnceSubmitter`] serialises its own submissions on the
    ///   account for that; an order placed on the account another way in
    ///   that window (in iNumbering's portal, by another program) makes the
    ///   answer [`Reconciliation::Inconclusive`] when this submission also
    ///   created one, and **could be taken for this submission's** when it
    ///   did not.
    /// - [`Reconciliation::NotFound`] when, on such a summary, there is none.
    /// - [`Reconciliation::Inconclusive`] otherwise: more than one (the
    ///   100 recorded closest to the attempt are the candidates), an entry
    ///   that could not be read, has no id or no time, an incomplete
    ///   summary ([`Error::Incomplete`]), or a baseline that does not cover
    ///   the window (read later than `attempted_at`, its window starting
    ///   after the attempt's less five minutes), checked before anything is
    ///   sent.
    ///
    /// The carrier's failure, a body that is not JSON, or a transport error
    /// is returned as the error.
    async fn reconcile_from(
        &self,
        attempted_at: DateTime<Utc>,
        baseline: &Baseline,
    ) -> Result<Reconciliation> {
        let since_at = before(attempted_at, RECONCILE_CLOCK_SKEW);
        if baseline.since() > since_at {
            return Ok(Reconciliation::Inconclusive {
                reason: format!(
                    "the baseline's window starts at {}, after {} (the attempt less {} minutes \
                     for clock differences): it was not read before the attempt, so orders \
                     that existed then may be taken for new ones; do not resubmit; check with \
                     iNumbering",
                    baseline.since().format("%Y-%m-%dT%H:%M:%SZ"),
                    since_at.format("%Y-%m-%dT%H:%M:%SZ"),
                    RECONCILE_CLOCK_SKEW.num_minutes()
                ),
                candidates: Vec::new(),
            });
        }
        let mut scan = Scan::read(self, attempted_at, Some(baseline)).await?;
        if scan.is_clean() {
            match scan.recent {
                0 => return Ok(Reconciliation::NotFound),
                1 => {
                    if let Some(found) = scan.candidates.pop() {
                        return Ok(Reconciliation::Found(vec![found.order]));
                    }
                }
                _ => {}
            }
        }
        let lead = (scan.recent > 0).then(|| {
            format!(
                "the account has {} recorded at or after {} (the attempt less {} minutes for \
                 clock differences) that the baseline read before the create does not hold, \
                 and iNumbering's status summary holds nothing of a request (no numbers, no \
                 name) to tell which is this submission's (was an order placed on the account \
                 outside numport, such as in iNumbering's portal?)",
                counted(scan.recent, "new order", "new orders"),
                scan.since_at.format("%Y-%m-%dT%H:%M:%SZ"),
                RECONCILE_CLOCK_SKEW.num_minutes()
            )
        });
        Ok(scan.inconclusive(lead))
    }
}

/// One reading of the status summary for a reconciliation: the entries
/// recorded at or after an attempt less [`RECONCILE_CLOCK_SKEW`] (less
/// those a baseline holds), and those that cannot be placed.
struct Scan {
    /// The attempt less the skew.
    since_at: DateTime<Utc>,
    /// Entries recorded in the window (and not in the baseline).
    recent: u64,
    /// Named entries without a time.
    timeless: u64,
    /// Entries with neither `pid` nor `id`.
    unnamed: u64,
    /// Entries that could not be read.
    unreadable: u64,
    /// Why the summary is not complete, if it is not.
    incomplete: Option<Error>,
    /// The [`MAX_CANDIDATES`] recent or timeless entries recorded closest
    /// to the attempt (the timeless first).
    candidates: std::collections::BinaryHeap<Candidate>,
}

impl Scan {
    /// Reads the summary once. An entry whose `pid` or `id` `baseline`
    /// holds existed before the create: it is left out.
    async fn read(
        client: &INumberingClient,
        attempted_at: DateTime<Utc>,
        baseline: Option<&Baseline>,
    ) -> Result<Self> {
        let since_at = before(attempted_at, RECONCILE_CLOCK_SKEW);
        let since = since_at.timestamp();
        let mut scan = Self {
            since_at,
            recent: 0,
            timeless: 0,
            unnamed: 0,
            unreadable: 0,
            incomplete: None,
            candidates: std::collections::BinaryHeap::new(),
        };
        let known = |entry: &PortStatusEntry| {
            baseline.is_some_and(|b| {
                [entry.pid.as_deref(), entry.id.as_deref()]
                    .into_iter()
                    .flatten()
                    .any(|k| b.contains(k))
            })
        };
        let mut reader = client.summary();
        let mut seq = 0u64;
        loop {
            match reader.next().await {
                Step::Entry(entry) => {
                    let Some(id) = entry.key().and_then(|k| PortId::new(k).ok()) else {
                        scan.unnamed = scan.unnamed.saturating_add(1);
                        continue;
                    };
                    let rank = match entry.timestamp {
                        None => {
                            scan.timeless = scan.timeless.saturating_add(1);
                            i64::MIN
                        }
                        Some(t) if t >= since && !known(&entry) => {
                            scan.recent = scan.recent.saturating_add(1);
                            t
                        }
                        Some(_) => continue,
                    };
                    seq = seq.saturating_add(1);
                    scan.candidates.push(Candidate {
                        rank,
                        seq,
                        order: order_of(id, &entry),
                    });
                    if scan.candidates.len() > MAX_CANDIDATES {
                        // The one recorded last goes.
                        scan.candidates.pop();
                    }
                }
                Step::Unreadable(_) => scan.unreadable = scan.unreadable.saturating_add(1),
                Step::Failed(e) if e.is_incomplete() => {
                    scan.incomplete = Some(e);
                    return Ok(scan);
                }
                Step::Failed(e) => return Err(e),
                Step::Complete => return Ok(scan),
            }
        }
    }

    /// True when the complete summary was read, every entry in it read,
    /// named and timed.
    fn is_clean(&self) -> bool {
        self.incomplete.is_none() && self.timeless == 0 && self.unnamed == 0 && self.unreadable == 0
    }

    /// "Cannot tell", led by `lead` (what the recent orders say), naming
    /// the candidates.
    fn inconclusive(self, lead: Option<String>) -> Reconciliation {
        let mut why: Vec<String> = lead.into_iter().collect();
        if self.timeless > 0 {
            why.push(format!(
                "{} without a time may be the order",
                entries(self.timeless)
            ));
        }
        if self.unnamed > 0 {
            why.push(format!(
                "{} with neither pid nor id may be the order",
                entries(self.unnamed)
            ));
        }
        if self.unreadable > 0 {
            why.push(format!(
                "{} that could not be read may be the order",
                entries(self.unreadable)
            ));
        }
        if let Some(e) = &self.incomplete {
            why.push(e.to_string());
        }
        if self.recent.saturating_add(self.timeless) > MAX_CANDIDATES as u64 {
            why.push(format!(
                "the {MAX_CANDIDATES} recorded closest to the attempt are the candidates"
            ));
        }
        Reconciliation::Inconclusive {
            reason: format!(
                "{}: do not resubmit; check the candidates with iNumbering (their support \
                 ticket, the LoA e-mail)",
                why.join("; ")
            ),
            candidates: self
                .candidates
                .into_sorted_vec()
                .into_iter()
                .map(|c| c.order)
                .collect(),
        }
    }
}

/// The order `request` makes for `client`, checked once (nothing is
/// checked again on the way).
fn build_order(client: &INumberingClient, request: &PortRequest) -> Result<Order> {
    check::request(request, client.is_admin())?;
    Ok(if client.is_admin() {
        Order::Admin(port_in_order(request)?)
    } else {
        let check = request
            .inumbering
            .as_ref()
            .is_some_and(|o| o.check_portability);
        Order::Customer(Box::new(account_port(request)?), check)
    })
}

/// The pre-check where it applies, and the order (with one recovery from
/// a 412, admin orders).
async fn submit_order(
    client: &INumberingClient,
    order: &Order,
    numbers: &[PhoneNumber],
    customers_check: bool,
) -> Result<Submission> {
    match order {
        Order::Admin(_) => ensure_portable(client, numbers, &order.secrets()).await?,
        Order::Customer(_, true) if customers_check => {
            customer_check(client, numbers, &order.secrets()).await?;
        }
        Order::Customer(..) => {}
    }
    let placed = place(client, order, numbers).await?;
    Ok(Submission::new(CARRIER, vec![placed]))
}

/// Reads the status summary once, as it arrives, to find the record of
/// the admin order `order_id` sent at `sent_at`; `None` (and a pending
/// link, tried again on later reads) when it cannot tell: when two
/// unclaimed records could be it, or the summary was not read complete
/// and well-formed. Never fails: the order exists.
async fn link_admin_order(
    client: &INumberingClient,
    order_id: &str,
    sent_at: DateTime<Utc>,
) -> Option<String> {
    client.links().remember(order_id, sent_at);
    let fitting = match fitting_records(client, Some(sent_at), None).await {
        Ok((fitting, _)) => fitting,
        Err(e) => {
            tracing::warn!(error = %e, "could not read the status summary to link an admin order");
            return None;
        }
    };
    client.links().link(order_id, &fitting)
}

/// Reads the summary for the records that could be an admin order sent
/// at `sent_at`, when given (stamped at or after it, less the skew, and
/// claimed by no other order): at most two are kept, since a link needs
/// exactly one (without `wanted`, reading stops at the second). With
/// `wanted`, stops at the entry whose `pid` or `id` is one of them and
/// returns it too. Fails unless the complete, well-formed summary was
/// read with every entry readable (or reading stopped early).
async fn fitting_records(
    client: &INumberingClient,
    sent_at: Option<DateTime<Utc>>,
    wanted: Option<&[&str]>,
) -> Result<(Vec<PortStatusEntry>, Option<PortStatusEntry>)> {
    let since = sent_at.map(|at| since(at, CLOCK_SKEW));
    let mut reader = client.summary();
    let mut fitting: Vec<PortStatusEntry> = Vec::new();
    let mut unreadable = 0u64;
    loop {
        match reader.next().await {
            Step::Entry(entry) => {
                if wanted.is_some_and(|keys| keys.iter().any(|k| entry.is(k))) {
                    return Ok((fitting, Some(entry)));
                }
                let Some(key) = entry.key() else { continue };
                if fitting.len() < 2
                    && since.is_some_and(|s| entry.timestamp.is_some_and(|t| t >= s))
                    && !client.links().is_claimed(key)
                {
                    fitting.push(entry);
                    if fitting.len() == 2 && wanted.is_none() {
                        // Two records could be the order: no link is
                        // made, whatever the rest holds.
                        return Ok((fitting, None));
                    }
                }
            }
            Step::Unreadable(_) => unreadable += 1,
            Step::Failed(e) => return Err(e),
            Step::Complete if unreadable > 0 => {
                return Err(Error::Incomplete {
                    carrier: CARRIER,
                    operation: Operation::ListOrders,
                    message: format!(
                        "{} of the status summary could not be read and may be the order",
                        entries(unreadable)
                    ),
                });
            }
            Step::Complete => return Ok((fitting, None)),
        }
    }
}

/// The order `id`: a record's `pid` or `id`, or an admin `orderId` this
/// client linked (or links now) to its record. The summary is read as
/// it arrives and reading stops at the match; [`Error::NotFound`] only
/// after the complete, well-formed summary was read with every entry
/// readable (else the error that ended it, or [`Error::Incomplete`]).
async fn find_order(client: &INumberingClient, id: &PortId) -> Result<PortOrder> {
    let linked = client.links().link(id.as_str(), &[]);
    let pending = match linked {
        Some(_) => None,
        None => client.links().pending_since(id.as_str()),
    };
    let mut wanted = vec![id.as_str()];
    if let Some(key) = linked.as_deref() {
        wanted.push(key);
    }
    // An admin order not linked yet: the one unclaimed record stamped
    // after it was sent is its record.
    let (fitting, found) = fitting_records(client, pending, Some(&wanted)).await?;
    if let Some(entry) = found {
        return Ok(order_of(id.clone(), &entry));
    }
    if pending.is_some() {
        let key = client.links().link(id.as_str(), &fitting);
        if let Some(entry) = key.and_then(|key| fitting.into_iter().find(|e| e.is(&key))) {
            return Ok(order_of(id.clone(), &entry));
        }
    }
    Err(Error::NotFound {
        carrier: CARRIER,
        message: format!("no port order {id} in the account's port status summary"),
    })
}

/// True when a customer order asked for the portability check.
fn needs_check(order: &Order) -> bool {
    match order {
        Order::Admin(_) => true,
        Order::Customer(_, check) => *check,
    }
}

//! portStatus read as it arrives: every order of the account comes in one
//! answer (`{"statusCode", "status", "portStatusSummary": [...]}`), which
//! for a large account is far larger than any body the crate reads whole.
//! The summary is split entry by entry with [`crate::http::json_stream`]
//! and each entry decoded alone, in constant memory.
//!
//! What a reader reports, in order: each entry ([`Step::Entry`]), or in its
//! place [`Step::Unreadable`] when it is over [`MAX_ENTRY_BYTES`] or not of
//! the documented shape; then [`Step::Complete`] only after the complete,
//! well-formed answer was read with its listing, or [`Step::Failed`]:
//! - the carrier's failure, in the HTTP status or inside a 200 body
//!   (`status` "Error"/"Failed", `statusCode`, `exception`...), wherever the
//!   fields come, classified as a whole-body read classifies it (a 409
//!   storage error is [`Error::CarrierUnavailable`]); a failure seen before
//!   any entry is retried as that read retries it (a 401 once after a new
//!   key exchange, a transient failure up to the retry policy's attempts):
//!   the request goes through [`Sender::send_opening`], which reads each
//!   2xx answer up to its first entry (or its end) before it is taken;
//! - [`Error::Incomplete`] for an answer without the listing (`{}`,
//!   `{"status":"Success"}`, `{"message":"maintenance"}`, a listing that is
//!   not an array or that comes twice), a body cut, malformed (an entry that
//!   is not well-formed JSON is reported in its place, then this at the
//!   end) or followed by anything but white space, or longer than
//!   [`crate::http::HttpConfig::max_listing_bytes`];
//! - [`Error::Decode`] for a body that is not a JSON object at all (empty,
//!   an HTML page);
//! - the transport's error (timeout, connection lost) as it is.
//!
//! Every error has the password and the API key removed.

use std::collections::VecDeque;
use std::sync::Mutex;

use bytes::Bytes;
use reqwest::Method;
use serde_json::Value;
use url::Url;

use super::auth::KeySource;
use super::to_wire::{JSON, json};
use super::types::PortStatusEntry;
use super::{from_wire, wire};
use crate::error::Error;
use crate::http::json_stream::{Event, Fields, Listing, SplitError, Splitter, validate};
use crate::http::{Body, BodyStream, Call, HttpConfig, Idempotency, Reply, Sender, Verdict};
use crate::model::Credential;
use crate::operation::{Carrier, Operation};

/// `portStatus` (v2.1).
pub const PORT_STATUS_PATH: &str = "/v2.1/iNumbering/portStatus/";

/// Every carrier text of a status entry (status, message, URL), for
/// redaction. The ids are left alone: they name the order.
pub(super) fn status_texts(entry: &mut PortStatusEntry) -> impl Iterator<Item = &mut String> {
    [
        Some(&mut entry.status),
        entry.message.as_mut(),
        entry.url.as_mut(),
    ]
    .into_iter()
    .flatten()
}

const CARRIER: Carrier = Carrier::INumbering;
const OPERATION: Operation = Operation::ListOrders;

/// The largest `portStatusSummary` entry read, in bytes (64 KiB; a
/// documented entry is about 300 bytes). A longer entry is not decoded: it
/// is reported as [`Error::Decode`] in its place and the listing goes on.
pub const MAX_ENTRY_BYTES: usize = 64 * 1024;

/// The largest top-level status or error field kept (64 KiB); a longer one
/// reads as absent.
const MAX_FIELD_BYTES: usize = 64 * 1024;

/// The envelope fields, in [`wire::Envelope`]'s order.
const ENVELOPE: &[&str] = &[
    "status",
    "statusCode",
    "error",
    "message",
    "exception",
    "detail",
];

const FIELDS: Fields = Fields {
    listing: "portStatusSummary",
    captured: ENVELOPE,
    max_element: MAX_ENTRY_BYTES,
    max_capture: MAX_FIELD_BYTES,
};

/// One step of a reading.
#[derive(Debug)]
pub(super) enum Step {
    /// The next entry.
    Entry(PortStatusEntry),
    /// An entry that could not be read ([`Error::Decode`]); the listing
    /// goes on.
    Unreadable(Error),
    /// The reading ended on this error: nothing may be concluded from what
    /// is missing.
    Failed(Error),
    /// The complete, well-formed summary was read.
    Complete,
}

/// Reads one portStatus answer as it arrives.
pub(super) struct SummaryReader<'a> {
    sender: &'a Sender,
    keys: &'a KeySource,
    url: &'a Url,
    /// The answer being read, once one was taken.
    answer: Option<Answer>,
    /// The key the request carried (for redaction).
    key: Option<Credential>,
    /// The search for the password and `key` in the carrier's texts, made
    /// at the first entry (the key is known by then).
    runs: Option<crate::redact::Runs<'static>>,
    /// How the reading ended, once it has.
    ended: Option<Result<(), Error>>,
}

impl<'a> SummaryReader<'a> {
    /// A reader of the summary at `url`, sent through `sender` (whose
    /// authority is `keys`); nothing is sent before the first
    /// [`SummaryReader::next`].
    pub(super) fn new(sender: &'a Sender, keys: &'a KeySource, url: &'a Url) -> Self {
        Self {
            sender,
            keys,
            url,
            answer: None,
            key: None,
            runs: None,
            ended: None,
        }
    }

    /// The next step. After [`Step::Complete`] or [`Step::Failed`] the same
    /// end is reported again.
    pub(super) async fn next(&mut self) -> Step {
        if let Some(end) = &self.ended {
            return match end {
                Ok(()) => Step::Complete,
                Err(e) => Step::Failed(e.clone()),
            };
        }
        let step = match self.step().await {
            Step::Entry(mut entry) => {
                // The carrier's texts leave without the password or the API
                // key, should the carrier echo them.
                self.scrub(&mut entry);
                Step::Entry(entry)
            }
            Step::Unreadable(e) => Step::Unreadable(self.redact(e)),
            Step::Failed(e) => Step::Failed(self.redact(e)),
            other => other,
        };
        match &step {
            Step::Complete => {
                self.ended = Some(Ok(()));
                self.answer = None;
            }
            Step::Failed(e) => {
                self.ended = Some(Err(e.clone()));
                self.answer = None;
            }
            _ => {}
        }
        step
    }

    /// Removes the password and the key the request carried from the
    /// entry's texts; the search for them is made once per reading.
    fn scrub(&mut self, entry: &mut PortStatusEntry) {
        let password = self.keys.password();
        let key = self.key.as_ref().map_or("", Credential::expose);
        let credentials = [password, key];
        let runs = self.runs.get_or_insert_with(|| {
            crate::redact::Runs::new(credentials.iter().copied()).into_owned()
        });
        crate::redact::scrub_texts_with(runs, &credentials, status_texts(entry));
    }

    fn redact(&self, e: Error) -> Error {
        let mut secrets = vec![self.keys.password()];
        if let Some(key) = &self.key {
            secrets.push(key.expose());
        }
        e.redacting(&secrets)
    }

    async fn step(&mut self) -> Step {
        if self.answer.is_none() {
            if let Err(e) = self.start().await {
                return Step::Failed(e);
            }
        }
        let config = self.sender.transport().config();
        match self.answer.as_mut() {
            Some(answer) => answer.step(config).await,
            None => Step::Failed(Error::Config("the status summary was not read".into())),
        }
    }

    /// Sends the request through the one send path until an answer can be
    /// read: a non-2xx answer, or a failure a 2xx body reports before its
    /// first entry, is classified (and retried) as a whole-body read would
    /// be.
    async fn start(&mut self) -> Result<(), Error> {
        // The key the request carried, for the entries' texts.
        let sent: Mutex<Option<Credential>> = Mutex::new(None);
        let make = |apikey: &str| {
            if let Ok(key) = Credential::new("apikey", apikey) {
                *sent
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(key);
            }
            json(&wire::ApikeyOnly { apikey })
        };
        let mut call = Call::new(OPERATION, Idempotency::Idempotent, Method::POST, self.url);
        call.body = Body::Keyed(&make, JSON);
        let config = self.sender.transport().config();
        let answer = self
            .sender
            .send_opening(
                call,
                |reply: Reply| {
                    let retry_after = reply.retry_after(config);
                    from_wire::verdict(from_wire::http_failure(
                        OPERATION,
                        reply.status,
                        &reply.body,
                        retry_after,
                    ))
                },
                |body| Answer::new(body).open(config),
            )
            .await?;
        self.key = sent
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        self.runs = None;
        self.answer = Some(answer);
        Ok(())
    }
}

/// One answer, its body read as it arrives, split entry by entry.
struct Answer {
    body: BodyStream,
    splitter: Splitter,
    events: VecDeque<Event>,
    /// Scratch for [`Splitter::feed`].
    found: Vec<Event>,
    /// The splitter's refusal, reported once the events before it are.
    refused: Option<SplitError>,
    /// The envelope fields that came before the listing (read then).
    before_listing: Option<Vec<Option<Bytes>>>,
    /// Entries reported, readable or not.
    entries: u64,
    /// The first entry that was not well-formed JSON: the answer is not.
    malformed: Option<u64>,
}

impl Answer {
    fn new(body: BodyStream) -> Self {
        Self {
            body,
            splitter: Splitter::new(FIELDS),
            events: VecDeque::new(),
            found: Vec::new(),
            refused: None,
            before_listing: None,
            entries: 0,
            malformed: None,
        }
    }

    /// Reads the answer up to its first entry (or its end, or a refusal),
    /// and what a failure it reports before then calls for
    /// ([`from_wire::verdict`]: the send path sends again after a 401 or
    /// transient words); else the answer, to be read on.
    async fn open(mut self, config: &HttpConfig) -> Verdict<Self> {
        loop {
            while let Some(event) = self.events.pop_front() {
                if let Event::ListingOpened(before) = event {
                    let failure = self.failure(&before, config);
                    self.before_listing = Some(before);
                    if let Some(error) = failure {
                        return from_wire::verdict(error);
                    }
                } else {
                    self.events.push_front(event);
                    return Verdict::Done(self);
                }
            }
            if self.refused.is_some() {
                return Verdict::Done(self);
            }
            match self.body.chunk().await {
                Ok(Some(chunk)) => self.feed(&chunk),
                Ok(None) => {
                    // Read again at the end of the reading: the splitter
                    // answers the same.
                    if let Ok(done) = self.splitter.finish() {
                        if let Some(error) = self.failure_after(&done.captured, config) {
                            return from_wire::verdict(error);
                        }
                    }
                    return Verdict::Done(self);
                }
                Err(e) => return Verdict::Failed(self.read_error(e)),
            }
        }
    }

    async fn step(&mut self, config: &HttpConfig) -> Step {
        loop {
            if let Some(event) = self.events.pop_front() {
                match event {
                    Event::ListingOpened(before) => {
                        // A failure reported before a listing that comes
                        // after entries ends the reading.
                        let failure = self.failure(&before, config);
                        self.before_listing = Some(before);
                        if let Some(error) = failure {
                            return Step::Failed(error);
                        }
                    }
                    Event::Element(bytes) => {
                        self.entries = self.entries.saturating_add(1);
                        return self.decode(&bytes);
                    }
                    Event::Oversized(len) => {
                        self.entries = self.entries.saturating_add(1);
                        return Step::Unreadable(Error::Decode {
                            carrier: CARRIER,
                            operation: OPERATION,
                            message: format!(
                                "entry {} of portStatusSummary is {len} bytes, over the \
                                 {MAX_ENTRY_BYTES}-byte bound of one entry; it was not read",
                                self.entries
                            ),
                        });
                    }
                }
                continue;
            }
            if let Some(refused) = self.refused.take() {
                return Step::Failed(self.refusal(&refused));
            }
            match self.body.chunk().await {
                Ok(Some(chunk)) => self.feed(&chunk),
                Ok(None) => return self.end(config),
                Err(e) => return Step::Failed(self.read_error(e)),
            }
        }
    }

    /// The end of the body: complete, or why not.
    fn end(&mut self, config: &HttpConfig) -> Step {
        let done = match self.splitter.finish() {
            Ok(done) => done,
            Err(refused) => return Step::Failed(self.refusal(&refused)),
        };
        if let Some(error) = self.failure_after(&done.captured, config) {
            return Step::Failed(error);
        }
        let missing = match (done.listing, done.listing_fields) {
            (Listing::Array, 1) => match self.malformed {
                None => return Step::Complete,
                Some(n) => format!("entry {n} of portStatusSummary is not well-formed JSON"),
            },
            (Listing::Absent, _) => "the answer holds no portStatusSummary".into(),
            (_, n) if n > 1 => {
                format!("the answer names portStatusSummary {n} times")
            }
            _ => "the answer's portStatusSummary is not a list".into(),
        };
        Step::Failed(self.incomplete(&missing))
    }

    fn feed(&mut self, chunk: &Bytes) {
        let result = self.splitter.feed(chunk, &mut self.found);
        self.events.extend(self.found.drain(..));
        if let Err(refused) = result {
            self.refused = Some(refused);
        }
    }

    /// A failure to read the body as an error: a body over the listing
    /// bound is [`Error::Incomplete`].
    fn read_error(&self, e: Error) -> Error {
        match e {
            Error::ResponseTooLarge { limit, .. } => self.incomplete(&format!(
                "the answer is larger than the {limit}-byte listing bound \
                 (HttpConfig::max_listing_bytes); reading stopped there"
            )),
            other => other,
        }
    }

    /// Decodes one entry. Its reading also completes the check of its
    /// syntax the splitter leaves to it (see [`crate::http::json_stream`]):
    /// an entry that is not well-formed JSON makes the answer malformed.
    fn decode(&mut self, bytes: &[u8]) -> Step {
        let e = match serde_json::from_slice::<wire::StatusItem>(bytes) {
            Ok(item) => return Step::Entry(from_wire::status_entry(item)),
            Err(e) => e,
        };
        let well_formed = match e.classify() {
            serde_json::error::Category::Data => validate(bytes).is_ok(),
            _ => false,
        };
        if !well_formed && self.malformed.is_none() {
            self.malformed = Some(self.entries);
        }
        Step::Unreadable(Error::Decode {
            carrier: CARRIER,
            operation: OPERATION,
            message: format!(
                "entry {} of portStatusSummary is not an entry of the documented shape \
                 ({} at column {} of its {} bytes); the listing goes on",
                self.entries,
                if well_formed {
                    "JSON of an unexpected shape"
                } else {
                    "not well-formed JSON"
                },
                e.column(),
                bytes.len()
            ),
        })
    }

    /// The failure the envelope fields at the end of the body report, when
    /// fields came after the listing (those before it were read then).
    fn failure_after(&self, captured: &[Option<Bytes>], config: &HttpConfig) -> Option<Error> {
        if self.before_listing.as_deref() == Some(captured) {
            return None;
        }
        self.failure(captured, config)
    }

    /// The failure the envelope fields `captured` (in [`ENVELOPE`]'s
    /// order) report, if any.
    fn failure(&self, captured: &[Option<Bytes>], config: &HttpConfig) -> Option<Error> {
        // The documented success, `"status": "Success"` and `"statusCode":
        // "200"` alone (or neither), reports nothing: known without parsing.
        let plain = |i: usize, ok: &[&[u8]]| {
            captured
                .get(i)
                .is_none_or(|f| f.as_ref().is_none_or(|b| ok.contains(&b.as_ref())))
        };
        let success = (200..300).contains(&self.body.status);
        if success
            && plain(0, &[b"\"Success\"", b"\"success\""])
            && plain(1, &[b"\"200\""])
            && captured.iter().skip(2).all(Option::is_none)
        {
            return None;
        }
        let field =
            |i: usize| -> Option<Value> { serde_json::from_slice(captured.get(i)?.as_ref()?).ok() };
        let envelope = wire::Envelope {
            status: field(0),
            status_code: field(1),
            error: field(2),
            message: field(3),
            exception: field(4),
            detail: field(5),
        };
        let retry_after = self.body.retry_after(config);
        from_wire::failure_in(self.body.status, Some(&envelope), &[], retry_after)
            .map(|e| from_wire::in_context(OPERATION, e))
    }

    fn incomplete(&self, what: &str) -> Error {
        Error::Incomplete {
            carrier: CARRIER,
            operation: OPERATION,
            message: format!(
                "{what}, after {} {}: nothing may be concluded from orders missing from it",
                self.entries,
                if self.entries == 1 {
                    "entry"
                } else {
                    "entries"
                }
            ),
        }
    }

    /// The splitter's refusal as an error: [`Error::Decode`] when the body
    /// is not a JSON object at all, else [`Error::Incomplete`] (entries may
    /// have been reported).
    fn refusal(&self, refused: &SplitError) -> Error {
        if refused.object_begun() {
            self.incomplete(&refused.describe())
        } else {
            Error::Decode {
                carrier: CARRIER,
                operation: OPERATION,
                message: refused.describe(),
            }
        }
    }
}

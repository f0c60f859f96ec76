//! The columns of a port-request file, and their documentation.

/// Which carriers read a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Every carrier.
    All,
    /// Cellhire only.
    Cellhire,
    /// Apeiron and iNumbering (US carriers).
    Us,
    /// Apeiron only.
    Apeiron,
    /// iNumbering only.
    INumbering,
}

impl Scope {
    fn heading(self) -> &'static str {
        match self {
            Self::All => "Every carrier",
            Self::Cellhire => "Cellhire",
            Self::Us => "Apeiron and iNumbering",
            Self::Apeiron => "Apeiron",
            Self::INumbering => "iNumbering",
        }
    }

    /// True when `carrier` reads columns of this scope.
    pub fn covers(self, carrier: numport::Carrier) -> bool {
        use numport::Carrier::{Apeiron, Cellhire, INumbering};
        match self {
            Self::All => true,
            Self::Cellhire => carrier == Cellhire,
            Self::Us => matches!(carrier, Apeiron | INumbering),
            Self::Apeiron => carrier == Apeiron,
            Self::INumbering => carrier == INumbering,
        }
    }
}

/// Every column: name, who reads it, what it holds.
pub const COLUMNS: &[(&str, Scope, &str)] = &[
    (
        "carrier",
        Scope::All,
        "cellhire, apeiron or inumbering; only the rows of --carrier are used (optional)",
    ),
    (
        "number",
        Scope::All,
        "required: +447700900123, or a 10-digit NANP number (US carriers)",
    ),
    (
        "sim",
        Scope::All,
        "the new SIM's ICCID: 18-22 digits, starting 89, Luhn-checked (Cellhire, Apeiron: required)",
    ),
    (
        "desired_date",
        Scope::All,
        "YYYY-MM-DD (Cellhire plans the earliest valid date when empty; iNumbering admin orders need one)",
    ),
    ("reference", Scope::All, "your own reference for the order"),
    (
        "esim",
        Scope::Cellhire,
        "true when the SIM is an eSIM (default false)",
    ),
    (
        "pac",
        Scope::Cellhire,
        "required: the PAC, such as ABC123456 (never printed)",
    ),
    (
        "port_name",
        Scope::Cellhire,
        "required: the port's name; rows with the same name, networks and date become one port",
    ),
    (
        "target_network_id",
        Scope::Cellhire,
        "required: the network to port to (1 = Vodafone)",
    ),
    (
        "source_network_id",
        Scope::Cellhire,
        "required: the network to port from (5 = O2)",
    ),
    ("tariff_id", Scope::Cellhire, "required: the tariff"),
    (
        "provisioning_order",
        Scope::Cellhire,
        "an existing provisioning order's id (this or provisioning_order_name is required)",
    ),
    (
        "provisioning_order_name",
        Scope::Cellhire,
        "a new provisioning order's name",
    ),
    ("bolt_ons", Scope::Cellhire, "bolt-on ids separated by ';'"),
    (
        "services",
        Scope::Cellhire,
        "services as name=value separated by ';' (voice=true;data=true)",
    ),
    (
        "group_name",
        Scope::Cellhire,
        "the row group (derived from tariff, bolt-ons and services)",
    ),
    (
        "port_type",
        Scope::Cellhire,
        "PortIn (default), MigrateIn or MigrateInKeep",
    ),
    (
        "first_name",
        Scope::Us,
        "required (iNumbering: for residential numbers)",
    ),
    (
        "last_name",
        Scope::Us,
        "required (iNumbering: for residential numbers)",
    ),
    (
        "business_name",
        Scope::Us,
        "the business (iNumbering: required with name_type business)",
    ),
    (
        "address1",
        Scope::Us,
        "required: service address, such as 350 5th Ave",
    ),
    ("address2", Scope::Us, "suite or unit"),
    ("city", Scope::Us, "required"),
    (
        "state",
        Scope::Us,
        "required: two-letter USPS code, such as NY",
    ),
    ("postal_code", Scope::Us, "required: ZIP or ZIP+4"),
    ("country", Scope::Us, "ISO code (default US)"),
    (
        "authorization_name",
        Scope::Us,
        "required: who signs the Letter of Authorization",
    ),
    (
        "account_number",
        Scope::Us,
        "required: the losing carrier's account number (never printed)",
    ),
    (
        "pin",
        Scope::Us,
        "the losing carrier's account PIN (Apeiron: required; never printed)",
    ),
    (
        "service_plan",
        Scope::Apeiron,
        "a plan code such as UTT5GB (this or service_plan_id)",
    ),
    (
        "service_plan_id",
        Scope::Apeiron,
        "a subscriber plan id, instead of service_plan",
    ),
    ("ticket_id", Scope::Apeiron, "an external ticket id"),
    (
        "create_subscriber",
        Scope::Apeiron,
        "true to create a subscriber entry",
    ),
    (
        "e911_subscriber_address",
        Scope::Apeiron,
        "true to use the subscriber's address for E911 (not with e911_*)",
    ),
    (
        "e911_address1",
        Scope::Apeiron,
        "E911 address: e911_address1, e911_address2, e911_city, e911_state, e911_postal_code (all or none)",
    ),
    ("e911_address2", Scope::Apeiron, ""),
    ("e911_city", Scope::Apeiron, ""),
    ("e911_state", Scope::Apeiron, ""),
    ("e911_postal_code", Scope::Apeiron, ""),
    (
        "loa",
        Scope::Apeiron,
        "a signed Letter of Authorization: PDF or image, path relative to the input file",
    ),
    (
        "bill",
        Scope::Apeiron,
        "a recent bill: PDF or image, path relative to the input file",
    ),
    (
        "name_type",
        Scope::INumbering,
        "residential (default) or business",
    ),
    (
        "billing_number",
        Scope::INumbering,
        "the billing number on the losing carrier's bill",
    ),
    (
        "lidb_name",
        Scope::INumbering,
        "caller-ID name, at most 15 characters",
    ),
    (
        "gateway_id",
        Scope::INumbering,
        "gateway to route the number to after the port",
    ),
    (
        "sms_campaign_id",
        Scope::INumbering,
        "10DLC campaign id, such as C123456",
    ),
    (
        "check_portability",
        Scope::INumbering,
        "true to check portability before a customer order",
    ),
];

/// The scope of `name`, when it is a known column.
pub fn scope(name: &str) -> Option<Scope> {
    COLUMNS
        .iter()
        .find(|(n, ..)| *n == name)
        .map(|(_, s, _)| *s)
}

/// The `submit --help` text on input and results files.
pub fn help() -> String {
    let mut text = String::from(
        "Input: one row per number, as CSV with a header row (lines starting with # are \
         comments) or as JSON lines with the same keys. Empty cells are absent values. \
         Columns:\n",
    );
    let mut last = None;
    for (name, scope, doc) in COLUMNS {
        if last != Some(*scope) {
            text.push_str(&format!("\n  {}:\n", scope.heading()));
            last = Some(*scope);
        }
        if doc.is_empty() {
            continue;
        }
        text.push_str(&format!("    {name:<24} {doc}\n"));
    }
    text.push_str(
        "\nSee examples/port_requests.csv in numport's repository. The whole file is \
         checked before anything is sent; every bad row is reported by line and column, \
         and nothing is sent unless --skip-invalid.\n\n\
         Results: an append-only journal (CSV, or JSON lines for .jsonl/.ndjson) with the \
         columns row (the input line the row starts on), number, outcome, order_id, \
         carrier_status, error, note, carrier, attempted_at, recorded_at. A `pending` \
         record is written and flushed for every row of a batch before the batch is sent, \
         and its final record after; the last record of a row wins. Outcomes: submitted \
         (order_id holds the order, several joined by ';'), failed (refused or never sent: \
         nothing was created), unknown (the carrier may have created the order), \
         manual_check (numport cannot tell whether the carrier holds it: never resent), \
         invalid, pending.\n\n\
         --resume FILE skips the rows FILE shows as submitted, asks the carrier about the \
         pending and unknown ones (found on an order naming the row's number: recorded as \
         submitted; not found: sent again; anything weaker, such as iNumbering orders that \
         name no numbers, or Apeiron, which cannot be asked: manual_check with the candidate \
         orders named, never resent) and sends the rest. \
         Ctrl-C (or SIGTERM) finishes the batch in flight and stops; a second Ctrl-C \
         aborts at once.",
    );
    text
}

//! Property tests: no public parser, constructor or response decoder panics,
//! whatever it is given, constructors normalise idempotently, and
//! iNumbering's status summary, read as it arrives, never ends silently on
//! less than a complete answer.
//!
//! Decoders are driven through `numport::fuzzing` (the same entry points as
//! the `fuzz/` cargo-fuzz crate) with arbitrary bytes, arbitrary JSON values,
//! and mutated versions of the carriers' documented example bodies: keys
//! dropped or duplicated, types changed, huge numbers, nesting hundreds of
//! levels deep, unusual Unicode, truncation.

mod support;

use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use numport::fuzzing;
use numport::http::{Backoff, BaseUrl, parse_retry_after};
use numport::{
    AccountNumber, Address, Credential, Document, DocumentKind, Iccid, Pac, PhoneNumber, Pin,
    PortId,
};
use proptest::prelude::*;
use proptest::test_runner::Config;
use serde_json::{Map, Value, json};

fn config(cases: u32) -> Config {
    Config {
        cases,
        // Never write regression files into the source tree.
        failure_persistence: None,
        max_shrink_iters: 2_000,
        ..Config::default()
    }
}

/// Cases for the properties that go through a carrier client over
/// loopback HTTP (slower: one to three requests each).
const HTTP_CASES: u32 = 96;
/// Cases for the direct, in-memory properties.
const CASES: u32 = 384;

// ---------------------------------------------------------------------------
// Strategies.

/// Text with the characters parsers trip on: digits, separators, letters,
/// white space, control characters and non-ASCII.
fn tricky_text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => any::<String>(),
        3 => "[0-9 +().\\-]{0,24}",
        2 => "[A-Za-z0-9 \t\n/?#%]{0,40}",
        1 => "[\u{0}-\u{7f}]{0,16}",
        1 => prop::collection::vec(
            prop::sample::select(vec![
                "0", "1", "+", "00", " ", "é", "١", "𝟙", "\u{200b}", "\u{feff}", "ß", "İ", "\u{0}",
                "\r\n", "ǅ", "👍🏽", "\u{301}", "ꙮ",
            ]),
            0..12,
        )
        .prop_map(|parts| parts.concat()),
    ]
}

fn url_text() -> impl Strategy<Value = String> {
    (
        prop::sample::select(vec![
            "https://",
            "http://",
            "http://127.0.0.1",
            "http://localhost",
            "http://[::1]",
            "HTTPS://Example.COM",
            "ftp://",
            "https://user:pw@",
            "",
        ]),
        tricky_text(),
    )
        .prop_map(|(a, b)| format!("{a}{b}"))
}

/// Any JSON value, nested up to a few levels, with the keys the carriers'
/// documents use so that objects often look like real answers.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        tricky_text().prop_map(Value::String),
        key().prop_map(Value::String),
    ];
    leaf.prop_recursive(6, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..8)
                .prop_map(|entries| Value::Object(entries.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// Keys from the carriers' answers, and some others.
fn key() -> impl Strategy<Value = String> {
    const KEYS: &[&str] = &[
        "id",
        "status",
        "statusName",
        "statusCode",
        "message",
        "error",
        "errors",
        "title",
        "detail",
        "error_description",
        "code",
        "data",
        "total",
        "totalPages",
        "name",
        "rows",
        "msisdn",
        "pac",
        "serialNo",
        "connectionDate",
        "portTypeName",
        "portType",
        "targetNetworks",
        "sourceNetworks",
        "upcomingHolidays",
        "maxPortDays",
        "minPortDays",
        "access_token",
        "expires_in",
        "token_type",
        "portId",
        "port_order_id",
        "order_id",
        "orderId",
        "serviceAvailable",
        "telephoneNumber",
        "isPortable",
        "notPortableReason",
        "portStatusSummary",
        "key",
        "value",
        "pid",
        "foc",
        "notify",
        "pin",
        "ticket",
        "apikey",
        "portOutPin",
        "tnList",
        "tnItem",
        "tn",
        "exception",
        "iccid",
        "service_plan",
        "rowCount",
    ];
    prop_oneof![
        4 => prop::sample::select(KEYS).prop_map(str::to_owned),
        1 => tricky_text(),
    ]
}

/// The documented example bodies, per decoder group.
fn examples(group: Group) -> Vec<Value> {
    let fixture = |name: &str| -> Value {
        let file = format!(
            "{}/tests/fixtures/cellhire/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap()
    };
    let error_bodies = vec![
        json!({"title": "One or more validation errors occurred.", "status": 400,
               "errors": {"Rows[0].Pac": ["The PAC is invalid."]}}),
        json!({"iccid": ["ICCID is already in use."], "pin": ["Incorrect PIN"]}),
        json!({"detail": "Authentication credentials were not provided."}),
        json!({"status": "error", "error": {"code": 402, "message": "Insufficient balance"}}),
        json!({"error": "invalid_client", "error_description": "bad secret"}),
        json!({"status": "Error", "statusCode": "412",
               "message": "Please verify portability with portInAvailability API on all submitted tnItem(s)"}),
        json!({"status": "Error", "statusCode": "409", "exception": "<storage error message>"}),
        json!("The following MSISDN's already have an open port: 07700900123"),
    ];
    match group {
        Group::ErrorBody => error_bodies,
        Group::Cellhire(op) => match op {
            0 => vec![fixture("networks.json")],
            1 => vec![
                fixture("port_details.json"),
                fixture("port_details_pac_failed.json"),
            ],
            2 => vec![
                fixture("list_page1.json"),
                fixture("list_page2.json"),
                fixture("list_page3.json"),
            ],
            3 => vec![fixture("token.json")],
            _ => vec![
                json!("550e8400-e29b-41d4-a716-446655440000"),
                json!({"portId": "550e8400-e29b-41d4-a716-446655440000"}),
                json!({"id": "550e8400-e29b-41d4-a716-446655440000"}),
            ],
        }
        .into_iter()
        .chain(error_bodies)
        .collect(),
        Group::Apeiron => vec![
            json!({"id": 41, "status": "submitted"}),
            json!({"port_order_id": "PO-9", "mdn": "4246346488"}),
            json!({"data": {"order_id": 7, "pin": "1234"}}),
            json!({"detail": "Address mismatch: must match losing carrier records"}),
            json!({"non_field_errors": ["MDN inactive: must be active and not pending port"]}),
        ]
        .into_iter()
        .chain(error_bodies)
        .collect(),
        Group::INumbering(op) => match op {
            0 => vec![json!({"status": "Success", "statusCode": "200", "serviceAvailable": [
                {"serviceProviderName": "Verizon", "telephoneNumber": "3125550150", "isPortable": "true"},
                {"serviceProviderName": "AT&T", "telephoneNumber": 4246346488_u64,
                 "isPortable": "false", "notPortableReason": "Not in rate center"}]})],
            1 => vec![json!({"statusCode": "200", "status": "Success", "portStatusSummary": [
                {"id": "4ab6986446d30b866abf91ecb4e7f5ac633587ad", "key": ["3569689953", "1746000000"],
                 "value": {"pid": "a3a2a", "status": "Complete",
                           "message": "Your numbers will be porting on May/06/2026 at 10:00 AM Central.",
                           "foc": "20260506", "notify": "1",
                           "url": "https://desk.support.voicetel.com/conversation/2114", "pin": "2722"}},
                {"id": "x", "key": [1, 2], "value": {"pid": "b1", "status": "Pending", "foc": "19750715"}}]}),
                json!({"portStatusSummary": [{"id": "y", "key": [], "value": {"pid": 7, "foc": 20260506, "notify": 1}}]})],
            2 => vec![json!({"status": "Success", "orderId": 102644, "statusCode": "200"})],
            3 => vec![json!({"status": "success", "data": {"pid": "a3a2a", "ticket": 2114,
                "loa_url": "https://api.voicetel.com/a/loa/a3a2a/",
                "port_url": "https://api.voicetel.com/a/port/a3a2a/",
                "message": "Port request a3a2a submitted. Please complete the LOA to proceed."}})],
            4 => vec![json!({"status": "success", "data": {"apikey": "dec759ed81963fd9a4b8a9c8f3e22b1a"}})],
            _ => vec![json!({"statusCode": "200", "status": "Success", "portOutPin": {"tnList": {"tnItem": [
                {"tn": 3125550150_u64, "portOutPin": "4287"}, {"tn": "4246346488", "portOutPin": 1234}]}}})],
        }
        .into_iter()
        .chain(error_bodies)
        .collect(),
    }
}

#[derive(Debug, Clone, Copy)]
enum Group {
    ErrorBody,
    Cellhire(u8),
    Apeiron,
    INumbering(u8),
}

/// One change to a JSON body.
#[derive(Debug, Clone)]
enum Mutation {
    /// Replace the picked node with another value.
    Replace(usize, Value),
    /// Remove the picked node from its parent (a key or an element).
    Drop(usize),
    /// Change the picked node's type (to a string, number, array, ...).
    Retype(usize, u8),
    /// Put a huge or odd number where the picked node was (as raw text).
    HugeNumber(usize, u8),
    /// Wrap the picked node in this many arrays or objects.
    Nest(usize, u16, bool),
    /// Replace the picked node with an odd Unicode string (as raw text, lone
    /// surrogates included).
    Unicode(usize, u8),
}

const MARK: &str = "\u{1}MARK\u{1}";

const RAW_NUMBERS: &[&str] = &[
    "18446744073709551616",
    "-9223372036854775809",
    "1e400",
    "-1e400",
    "1.7976931348623157e308",
    "5e-324",
    "1e-400",
    "-0",
    "0.0000000000000000000000000000001",
    "123456789012345678901234567890123456789012345678901234567890",
    "4294967296",
    "-1",
];

const RAW_STRINGS: &[&str] = &[
    r#""\ud800""#,
    r#""\udfff\ud800""#,
    r#""\u0000""#,
    r#""👍🏽 ١٢٣ 𝟙𝟚𝟛""#,
    r#""\u202e1234""#,
    r#""İ ß ǅ ﬁ""#,
    r#""e\u0301""#,
    r#""""#,
    r#""   ""#,
    r#""20260506""#,
    r#""2024-07-18T00:00:00""#,
    r#""+262143-12-31T23:59:59Z""#,
    r#""-262144-01-01""#,
    r#""Complete""#,
    r#""PacCheckFailed""#,
    r#""true""#,
];

fn mutation() -> impl Strategy<Value = Mutation> {
    let at = any::<usize>();
    prop_oneof![
        (at, json_value()).prop_map(|(i, v)| Mutation::Replace(i, v)),
        at.prop_map(Mutation::Drop),
        (at, any::<u8>()).prop_map(|(i, k)| Mutation::Retype(i, k)),
        (at, any::<u8>()).prop_map(|(i, k)| Mutation::HugeNumber(i, k)),
        (at, 1u16..400, any::<bool>()).prop_map(|(i, n, o)| Mutation::Nest(i, n, o)),
        (at, any::<u8>()).prop_map(|(i, k)| Mutation::Unicode(i, k)),
    ]
}

/// Text-level damage after the value is written.
#[derive(Debug, Clone)]
enum Damage {
    None,
    /// Write the first key of every object twice.
    DuplicateKeys,
    /// Cut the text at this point.
    Truncate(usize),
    /// Flip bytes at these points.
    Flip(Vec<(usize, u8)>),
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        3 => Just(Damage::None),
        2 => Just(Damage::DuplicateKeys),
        2 => any::<usize>().prop_map(Damage::Truncate),
        1 => prop::collection::vec((any::<usize>(), any::<u8>()), 1..4).prop_map(Damage::Flip),
    ]
}

fn count(v: &Value) -> usize {
    1 + match v {
        Value::Array(a) => a.iter().map(count).sum(),
        Value::Object(m) => m.values().map(count).sum(),
        _ => 0,
    }
}

/// Applies `f` to the `n`-th node (pre-order) of `v`, or to the child `n`
/// of its parent for [`Mutation::Drop`].
fn with_node(v: &mut Value, n: &mut usize, f: &mut dyn FnMut(&mut Value)) -> bool {
    if *n == 0 {
        f(v);
        return true;
    }
    *n -= 1;
    match v {
        Value::Array(a) => a.iter_mut().any(|c| with_node(c, n, f)),
        Value::Object(m) => m.values_mut().any(|c| with_node(c, n, f)),
        _ => false,
    }
}

fn drop_node(v: &mut Value, n: &mut usize) -> bool {
    match v {
        Value::Array(a) => {
            for i in 0..a.len() {
                if *n == 0 {
                    a.remove(i);
                    return true;
                }
                *n -= 1;
                if drop_node(&mut a[i], n) {
                    return true;
                }
            }
            false
        }
        Value::Object(m) => {
            let keys: Vec<String> = m.keys().cloned().collect();
            for k in keys {
                if *n == 0 {
                    m.remove(&k);
                    return true;
                }
                *n -= 1;
                if let Some(child) = m.get_mut(&k) {
                    if drop_node(child, n) {
                        return true;
                    }
                }
            }
            false
        }
        _ => false,
    }
}

/// Applies every mutation and returns the raw replacements to make in the
/// written text (the marker string stands for each, in order).
fn mutate(v: &mut Value, mutations: &[Mutation]) -> Vec<String> {
    let mut raw = Vec::new();
    for m in mutations {
        let total = count(v);
        match m {
            Mutation::Drop(i) => {
                let mut n = i % total;
                drop_node(v, &mut n);
            }
            Mutation::Replace(i, new) => {
                let mut n = i % total;
                with_node(v, &mut n, &mut |node| *node = new.clone());
            }
            Mutation::Retype(i, k) => {
                let mut n = i % total;
                with_node(v, &mut n, &mut |node| {
                    *node = match k % 6 {
                        0 => Value::String(node.to_string()),
                        1 => match node {
                            Value::String(s) => s.parse::<f64>().ok().map_or(json!(7), Value::from),
                            _ => json!(0),
                        },
                        2 => Value::Array(vec![node.take()]),
                        3 => json!({"value": node.take()}),
                        4 => Value::Null,
                        _ => Value::Bool(true),
                    }
                });
            }
            Mutation::HugeNumber(i, k) => {
                let mut n = i % total;
                with_node(v, &mut n, &mut |node| *node = Value::String(MARK.into()));
                raw.push(RAW_NUMBERS[usize::from(*k) % RAW_NUMBERS.len()].to_owned());
            }
            Mutation::Unicode(i, k) => {
                let mut n = i % total;
                with_node(v, &mut n, &mut |node| *node = Value::String(MARK.into()));
                raw.push(RAW_STRINGS[usize::from(*k) % RAW_STRINGS.len()].to_owned());
            }
            Mutation::Nest(i, depth, objects) => {
                let mut n = i % total;
                with_node(v, &mut n, &mut |node| *node = Value::String(MARK.into()));
                let (open, close) = if *objects {
                    (r#"{"data":"#, "}")
                } else {
                    ("[", "]")
                };
                let d = usize::from(*depth);
                raw.push(format!("{}1{}", open.repeat(d), close.repeat(d)));
            }
        }
    }
    raw
}

/// Writes `v`, with the first key of every object twice when `dup`.
fn write(v: &Value, dup: bool, out: &mut String) {
    match v {
        Value::Object(m) => {
            out.push('{');
            let mut first = true;
            let entries: Vec<_> = m.iter().collect();
            let extra = if dup { entries.first().copied() } else { None };
            for (k, val) in entries.into_iter().chain(extra) {
                if !first {
                    out.push(',');
                }
                first = false;
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                write(val, dup, out);
            }
            out.push('}');
        }
        Value::Array(a) => {
            out.push('[');
            for (i, val) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(val, dup, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// A documented example of `group`, mutated and damaged, as bytes.
fn mutated_body(group: Group) -> impl Strategy<Value = Vec<u8>> {
    let bodies = examples(group);
    (
        prop::sample::select(bodies),
        prop::collection::vec(mutation(), 0..4),
        damage(),
    )
        .prop_map(|(mut body, mutations, damage)| {
            let raw = mutate(&mut body, &mutations);
            let mut text = String::new();
            write(&body, matches!(damage, Damage::DuplicateKeys), &mut text);
            let marker = Value::String(MARK.into()).to_string();
            for r in raw {
                if let Some(at) = text.find(&marker) {
                    text.replace_range(at..at + marker.len(), &r);
                }
            }
            let mut bytes = text.into_bytes();
            match damage {
                Damage::Truncate(at) if !bytes.is_empty() => bytes.truncate(at % bytes.len()),
                Damage::Flip(flips) if !bytes.is_empty() => {
                    let len = bytes.len();
                    for (at, b) in flips {
                        bytes[at % len] = b;
                    }
                }
                _ => {}
            }
            bytes
        })
}

fn json_bytes() -> impl Strategy<Value = Vec<u8>> {
    json_value().prop_map(|v| v.to_string().into_bytes())
}

fn any_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..256)
}

/// A status byte for `numport::fuzzing::pick_status`: mostly 200.
fn status_byte() -> impl Strategy<Value = u8> {
    prop_oneof![2 => Just(255u8), 1 => any::<u8>()]
}

fn framed(op: u8, status: u8, body: &[u8]) -> Vec<u8> {
    let mut data = vec![op, status];
    data.extend_from_slice(body);
    data
}

// ---------------------------------------------------------------------------
// (a) Public constructors and parsers.

proptest! {
    #![proptest_config(config(CASES))]

    #[test]
    fn phone_numbers_normalise_idempotently(text in tricky_text()) {
        for n in [PhoneNumber::parse(&text), PhoneNumber::nanp(&text)].into_iter().flatten() {
            {
                prop_assert_eq!(PhoneNumber::parse(&n.e164()).ok(), Some(n.clone()));
                prop_assert_eq!(PhoneNumber::parse(&n.to_string()).ok(), Some(n.clone()));
                prop_assert_eq!(PhoneNumber::parse(&format!("00{}", n.msisdn())).ok(), Some(n.clone()));
                prop_assert!(n.msisdn().bytes().all(|b| b.is_ascii_digit()));
                prop_assert!((8..=15).contains(&n.msisdn().len()));
                if let Some(ten) = n.nanp_digits() {
                    prop_assert_eq!(PhoneNumber::nanp(ten).ok(), Some(n.clone()));
                }
                let json = serde_json::to_value(&n).unwrap();
                prop_assert_eq!(serde_json::from_value::<PhoneNumber>(json).ok(), Some(n.clone()));
            }
        }
        let _ = serde_json::from_value::<PhoneNumber>(Value::String(text.clone()));
    }

    #[test]
    fn national_numbers_round_trip(national in tricky_text(), cc in "[0-9]{0,4}|[^0-9]{1,2}") {
        if let Ok(n) = PhoneNumber::from_national(&national, &cc) {
            prop_assert_eq!(PhoneNumber::parse(&n.e164()).ok(), Some(n.clone()));
            let back = n.national(&cc);
            prop_assert!(back.is_some(), "{n:?} is not national in {cc}");
            let back = back.unwrap();
            prop_assert_eq!(PhoneNumber::from_national(&back, &cc).ok(), Some(n.clone()));
        }
    }

    #[test]
    fn iccids_normalise_idempotently(
        text in prop_oneof![tricky_text(), "89[0-9 -]{14,24}", "[0-9]{1,25}"],
    ) {
        if let Ok(i) = Iccid::parse(&text) {
            prop_assert!(i.is_checked());
            prop_assert_eq!(Iccid::parse(i.as_str()).ok(), Some(i.clone()));
            prop_assert!((18..=22).contains(&i.as_str().len()));
            let json = serde_json::to_value(&i).unwrap();
            let _ = serde_json::from_value::<Iccid>(json);
        }
        if let Ok(i) = Iccid::unchecked(&text) {
            prop_assert!(!i.is_checked());
            prop_assert_eq!(Iccid::unchecked(i.as_str()).ok(), Some(i.clone()));
            prop_assert!((1..=22).contains(&i.as_str().len()));
        }
        if let Ok(i) = Iccid::with_check_digit(&text) {
            prop_assert!(Iccid::parse(i.as_str()).is_ok());
        }
        let _ = serde_json::from_value::<Iccid>(Value::String(text));
    }

    #[test]
    fn secrets_normalise_idempotently(text in prop_oneof![tricky_text(), "[A-Za-z0-9 ]{0,40}"]) {
        if let Ok(p) = Pac::new(text.as_str()) {
            prop_assert_eq!(Pac::new(p.expose()).ok(), Some(p.clone()));
            prop_assert!(p.expose().bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()));
            prop_assert!((1..=32).contains(&p.expose().len()));
            let _ = (p.is_uk_format(), p.is_rio_format());
            let shown = format!("{p:?}");
            prop_assert_eq!(shown.as_str(), "Pac([REDACTED])");
        }
        if let Ok(p) = Pin::new(text.as_str()) {
            prop_assert_eq!(Pin::new(p.expose()).ok(), Some(p.clone()));
        }
        if let Ok(a) = AccountNumber::new(text.as_str()) {
            prop_assert_eq!(AccountNumber::new(a.expose()).ok(), Some(a.clone()));
        }
        if let Ok(c) = Credential::new("field", text.as_str()) {
            prop_assert_eq!(Credential::new("field", c.expose()).ok(), Some(c.clone()));
        }
        for t in ["pac", "pin", "account"] {
            let v = Value::String(text.clone());
            let _ = match t {
                "pac" => serde_json::from_value::<Pac>(v).is_ok(),
                "pin" => serde_json::from_value::<Pin>(v).is_ok(),
                _ => serde_json::from_value::<AccountNumber>(v).is_ok(),
            };
        }
    }

    #[test]
    fn port_ids_round_trip(text in tricky_text()) {
        if let Ok(id) = PortId::new(text.as_str()) {
            prop_assert_eq!(PortId::new(id.as_str()).ok(), Some(id.clone()));
            prop_assert_eq!(id.to_string(), id.as_str());
            let json = serde_json::to_string(&id).unwrap();
            prop_assert_eq!(serde_json::from_str::<PortId>(&json).ok(), Some(id.clone()));
        }
        let _ = serde_json::from_value::<PortId>(Value::String(text));
    }

    #[test]
    fn base_urls_round_trip(text in url_text(), path in tricky_text()) {
        if let Ok(url) = BaseUrl::parse("base_url", &text) {
            let again = BaseUrl::parse("base_url", url.as_url().as_str());
            prop_assert_eq!(again.as_ref().map(BaseUrl::as_url), Ok(url.as_url()));
            let joined = url.join(&format!("/{path}"));
            prop_assert_eq!(joined.origin(), url.as_url().origin());
            let _ = url.join(&path);
        }
    }

    #[test]
    fn documents_and_addresses_never_panic(
        name in tricky_text(),
        media in prop_oneof![tricky_text(), Just("application/pdf".to_owned())],
        bytes in prop::collection::vec(any::<u8>(), 0..32),
    ) {
        for kind in [DocumentKind::LetterOfAuthorization, DocumentKind::Bill] {
            let d = Document::new(kind, name.as_str(), media.as_str(), bytes.clone());
            let _ = d.validate();
            let shown = format!("{d:?}");
            prop_assert!(!shown.is_empty());
        }
        let a = Address::new(name.as_str(), name.as_str(), media.as_str(), name.as_str(), "US")
            .with_line2(media.as_str());
        prop_assert_eq!(a.line2.as_deref(), Some(media.as_str()));
    }

    #[test]
    fn every_constructor_and_text_parser_never_panics(text in tricky_text()) {
        fuzzing::constructors(&text);
        fuzzing::status_text(&text);
    }
}

// Retry-After.
proptest! {
    #![proptest_config(config(CASES))]

    #[test]
    fn retry_after_is_clamped(
        value in prop_oneof![
            tricky_text(),
            any::<u64>().prop_map(|s| s.to_string()),
            "[A-Z][a-z]{2}, [0-9]{1,2} [A-Z][a-z]{2} -?[0-9]{1,6} [0-9]{2}:[0-9]{2}:[0-9]{2} (GMT|[+-][0-9]{4})",
        ],
        now_secs in any::<i64>(),
        max_secs in any::<u64>(),
        max_nanos in 0u32..1_000_000_000,
    ) {
        let now = Utc.timestamp_opt(now_secs % 8_000_000_000_000, 0).single()
            .unwrap_or(DateTime::<Utc>::UNIX_EPOCH);
        let max = Duration::new(max_secs, max_nanos);
        if let Some(wait) = parse_retry_after(&value, now, max) {
            prop_assert!(wait <= max);
        }
        if let Ok(secs) = value.trim().parse::<u64>() {
            prop_assert_eq!(parse_retry_after(&value, now, max), Some(Duration::from_secs(secs).min(max)));
        }
        let _ = fuzzing::retry_after(&value);
    }
}

// ---------------------------------------------------------------------------
// (b) Decoders: arbitrary bytes, arbitrary JSON, mutated documented bodies.

proptest! {
    #![proptest_config(config(CASES))]

    #[test]
    fn error_bodies_never_panic(body in prop_oneof![any_bytes(), json_bytes(), mutated_body(Group::ErrorBody)]) {
        fuzzing::error_body(&body);
        let _ = fuzzing::json_value(&body);
        let secret = String::from_utf8_lossy(&body[..body.len().min(6)]).into_owned();
        fuzzing::redact(&secret, &body);
    }

    #[test]
    fn html_and_text_error_bodies_never_panic(
        head in prop::sample::select(vec!["<!DOCTYPE html>", "<html>", "<title>", "</title>", "<body", ""]),
        text in tricky_text(),
        tail in prop::sample::select(vec!["</title>", "<title>", "", "</html>"]),
    ) {
        fuzzing::error_body(format!("{head}{text}{tail}{text}").as_bytes());
    }

}

proptest! {
    #![proptest_config(config(32))]

    #[test]
    fn huge_error_bodies_never_panic(c in any::<char>(), n in 16_000usize..17_000) {
        let body: String = std::iter::repeat_n(c, n).collect();
        fuzzing::error_body(body.as_bytes());
        fuzzing::error_body(format!("\"{body}\"").as_bytes());
    }

    #[test]
    fn deep_json_never_panics(depth in 1usize..600, objects in any::<bool>()) {
        let (open, close) = if objects { (r#"{"error":"#, "}") } else { ("[", "]") };
        let body = format!("{}\"x\"{}", open.repeat(depth), close.repeat(depth));
        fuzzing::error_body(body.as_bytes());
        let _ = fuzzing::json_value(body.as_bytes());
        fuzzing::redact("abc", body.as_bytes());
    }
}

fn cellhire_body(op: u8) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        1 => any_bytes(),
        2 => json_bytes(),
        4 => mutated_body(Group::Cellhire(op)),
    ]
}

fn inumbering_body(op: u8) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        1 => any_bytes(),
        2 => json_bytes(),
        4 => mutated_body(Group::INumbering(op)),
    ]
}

proptest! {
    #![proptest_config(config(HTTP_CASES))]

    #[test]
    fn cellhire_networks_never_panic(status in status_byte(), body in cellhire_body(0)) {
        let _ = fuzzing::cellhire(&framed(0, status, &body));
    }

    #[test]
    fn cellhire_port_details_never_panic(status in status_byte(), body in cellhire_body(1)) {
        let _ = fuzzing::cellhire(&framed(1, status, &body));
    }

    #[test]
    fn cellhire_list_pages_never_panic(status in status_byte(), body in cellhire_body(2)) {
        let _ = fuzzing::cellhire(&framed(2, status, &body));
    }

    #[test]
    fn cellhire_token_answers_never_panic(status in status_byte(), body in cellhire_body(3)) {
        let _ = fuzzing::cellhire(&framed(3, status, &body));
    }

    #[test]
    fn cellhire_created_answers_never_panic(status in status_byte(), body in cellhire_body(4)) {
        let _ = fuzzing::cellhire(&framed(4, status, &body));
    }

    #[test]
    fn apeiron_answers_never_panic(
        multipart in any::<bool>(),
        status in status_byte(),
        body in prop_oneof![1 => any_bytes(), 2 => json_bytes(), 4 => mutated_body(Group::Apeiron)],
    ) {
        let _ = fuzzing::apeiron(&framed(u8::from(multipart), status, &body));
    }

    #[test]
    fn inumbering_availability_never_panics(status in status_byte(), body in inumbering_body(0)) {
        let _ = fuzzing::inumbering(&framed(0, status, &body));
    }

    #[test]
    fn inumbering_status_never_panics(status in status_byte(), body in inumbering_body(1)) {
        let _ = fuzzing::inumbering(&framed(1, status, &body));
    }

    #[test]
    fn inumbering_order_answers_never_panic(status in status_byte(), body in inumbering_body(2)) {
        let _ = fuzzing::inumbering(&framed(2, status, &body));
    }

    #[test]
    fn inumbering_account_port_answers_never_panic(status in status_byte(), body in inumbering_body(3)) {
        let _ = fuzzing::inumbering(&framed(3, status, &body));
    }

    #[test]
    fn inumbering_key_answers_never_panic(status in status_byte(), body in inumbering_body(4)) {
        let _ = fuzzing::inumbering(&framed(4, status, &body));
    }

    #[test]
    fn inumbering_pin_answers_never_panic(status in status_byte(), body in inumbering_body(5)) {
        let _ = fuzzing::inumbering(&framed(5, status, &body));
    }
}

/// The documented bodies themselves decode (so the mutations start from
/// something the decoders accept).
#[test]
fn documented_bodies_decode() {
    for op in 0..5u8 {
        let body = examples(Group::Cellhire(op))[0].to_string();
        let r = fuzzing::cellhire(&framed(op, 255, body.as_bytes()));
        assert!(r.is_ok(), "cellhire {op}: {r:?}");
    }
    for op in 0..6u8 {
        let body = examples(Group::INumbering(op))[0].to_string();
        let r = fuzzing::inumbering(&framed(op, 255, body.as_bytes()));
        assert!(r.is_ok(), "inumbering {op}: {r:?}");
    }
    let body = examples(Group::Apeiron)[0].to_string();
    assert!(fuzzing::apeiron(&framed(0, 255, body.as_bytes())).is_ok());
    assert!(fuzzing::apeiron(&framed(1, 255, body.as_bytes())).is_ok());
}

// ---------------------------------------------------------------------------
// (c) Backoff.

fn any_multiplier() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<f64>(),
        prop::sample::select(vec![
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            0.0,
            -0.0,
            f64::MIN_POSITIVE,
            f64::MAX,
            f64::MIN,
            1.0,
            2.0,
            1e300,
        ]),
        0.0f64..1000.0,
    ]
}

fn any_duration() -> impl Strategy<Value = Duration> {
    prop_oneof![
        (any::<u64>(), 0u32..1_000_000_000).prop_map(|(s, n)| Duration::new(s, n)),
        Just(Duration::MAX),
        Just(Duration::ZERO),
        Just(Duration::from_secs(u64::MAX)),
        (0u64..100_000).prop_map(Duration::from_millis),
    ]
}

proptest! {
    #![proptest_config(config(CASES))]

    #[test]
    fn backoff_never_panics_and_stays_in_bounds(
        initial in any_duration(),
        max in any_duration(),
        multiplier in any_multiplier(),
        jitter in any::<bool>(),
        retry in prop_oneof![any::<u32>(), 0u32..70],
    ) {
        let b = Backoff::default().with_initial(initial).with_max(max).with_multiplier(multiplier).with_jitter(jitter);
        let base = b.base_delay(retry);
        let delay = b.delay(retry);
        prop_assert!(delay <= base, "{delay:?} > base {base:?}");
        prop_assert!(delay >= base / 2, "{delay:?} < half of {base:?}");
        // `base_delay` caps in f64 seconds, so for caps beyond 2^53 ns it can
        // land a rounding step (relative 2^-53) above `max`: allow that much.
        let slack = max / (1u32 << 30) / (1u32 << 22) + Duration::from_nanos(1);
        prop_assert!(
            base <= max.saturating_add(slack),
            "base {base:?} > max {max:?} for {b:?} retry {retry}"
        );
    }
}

/// iNumbering's portStatus summary read as it arrives (`orders()`), on any
/// 200 body (arbitrary bytes, arbitrary JSON, the documented answer mutated
/// and damaged): no panic, and the listing never ends silently on less than
/// a complete answer. When the stream ends without an error, serde_json
/// reads the body as an object whose `portStatusSummary` is an array of
/// exactly as many entries as were yielded (readable or not).
#[test]
fn inumbering_listings_never_end_silently() {
    use futures::StreamExt;
    use numport::PortProvider;

    use numport::http::{HttpConfig, RetryPolicy};
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let server = rt.block_on(MockServer::start());
    let client = support::clients::inumbering(
        &server.uri(),
        1234567890,
        "pw-1234567",
        false,
        HttpConfig::default().with_retry(
            RetryPolicy::default()
                .with_max_attempts(2)
                .with_backoff(
                    Backoff::default()
                        .with_initial(Duration::from_millis(1))
                        .with_max(Duration::from_millis(1))
                        .with_multiplier(1.0)
                        .with_jitter(false),
                )
                .with_max_retry_after(Duration::from_millis(1)),
        ),
    );
    let mut runner = proptest::test_runner::TestRunner::new(config(HTTP_CASES));
    runner
        .run(&inumbering_body(1), |body| {
            let items: Vec<_> = rt.block_on(async {
                server.reset().await;
                Mock::given(method("POST"))
                    .and(path("/v2.2/account/apikey"))
                    .respond_with(ResponseTemplate::new(200).set_body_json(
                        json!({"status": "success", "data": {"apikey": "k".repeat(32)}}),
                    ))
                    .mount(&server)
                    .await;
                Mock::given(method("POST"))
                    .and(path("/v2.1/iNumbering/portStatus/"))
                    .respond_with(
                        ResponseTemplate::new(200).set_body_raw(body.clone(), "application/json"),
                    )
                    .mount(&server)
                    .await;
                client.orders().collect().await
            });
            let _ = format!("{items:?}");
            if items.last().is_none_or(Result::is_ok) {
                let listing = serde_json::from_slice::<Value>(&body).ok().and_then(|v| {
                    v.get("portStatusSummary")
                        .and_then(Value::as_array)
                        .map(Vec::len)
                });
                prop_assert_eq!(
                    listing,
                    Some(items.len()),
                    "ended without an error on {}",
                    String::from_utf8_lossy(&body)
                );
            }
            Ok(())
        })
        .unwrap();
}

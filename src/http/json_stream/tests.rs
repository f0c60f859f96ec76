//! The splitter against serde_json: every document serde_json refuses is
//! refused (by the splitter, or by the syntax check of an element's
//! decoder), every object it accepts yields the same elements and fields,
//! whatever the chunk boundaries.

use proptest::prelude::*;
use proptest::test_runner::Config;
use serde_json::{Map, Value, json};

use super::*;

const LISTING: &str = "portStatusSummary";
const CAPTURED: &[&str] = &[
    "status",
    "statusCode",
    "message",
    "exception",
    "error",
    "detail",
];

fn fields(max_element: usize) -> Fields {
    Fields {
        listing: LISTING,
        captured: CAPTURED,
        max_element,
        max_capture: 1 << 20,
    }
}

/// Runs the splitter over `doc` cut at `cuts` (offsets, any order).
fn split(
    doc: &[u8],
    cuts: &[usize],
    max_element: usize,
) -> (Vec<Event>, Result<Finished, SplitError>) {
    let mut points: Vec<usize> = cuts.iter().map(|c| c % (doc.len() + 1)).collect();
    points.push(0);
    points.push(doc.len());
    points.sort_unstable();
    points.dedup();
    let body = Bytes::copy_from_slice(doc);
    let mut s = Splitter::new(fields(max_element));
    let mut events = Vec::new();
    for w in points.windows(2) {
        if let Err(e) = s.feed(&body.slice(w[0]..w[1]), &mut events) {
            return (events, Err(e));
        }
    }
    let done = s.finish();
    (events, done)
}

fn elements(events: &[Event]) -> Vec<Value> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Element(b) => Some(serde_json::from_slice(b).expect("an element is JSON")),
            _ => None,
        })
        .collect()
}

/// The syntax check an element's decoder makes (serde_json reading it,
/// here into `IgnoredAny`).
fn decodes(bytes: &[u8]) -> bool {
    serde_json::from_slice::<serde::de::IgnoredAny>(bytes).is_ok()
}

/// The property: the splitter, with its elements' decoders, agrees with
/// `serde_json::from_slice::<Value>`.
fn agrees(doc: &[u8], cuts: &[usize]) -> Result<(), String> {
    let (events, mut done) = split(doc, cuts, usize::MAX);
    let refused_element = events.iter().any(|e| match e {
        Event::Element(b) => !decodes(b),
        _ => false,
    });
    if refused_element && done.is_ok() {
        done = Err(SplitError::Syntax { offset: 0 });
    }
    let expected = serde_json::from_slice::<Value>(doc);
    let map = match expected {
        Ok(Value::Object(map)) => map,
        Ok(_) | Err(_) => {
            return match done {
                Err(_) => Ok(()),
                Ok(f) => Err(format!(
                    "accepted what serde_json refuses or is not an object ({:?}): {f:?}",
                    serde_json::from_slice::<Value>(doc).err()
                )),
            };
        }
    };
    let done = done.map_err(|e| format!("refused a document serde_json accepts: {e:?}"))?;
    let opened = events
        .iter()
        .filter(|e| matches!(e, Event::ListingOpened(_)))
        .count();
    if events.iter().any(|e| matches!(e, Event::Oversized(_))) {
        return Err("an element reported oversized without a bound".into());
    }
    match (map.get(LISTING), done.listing_fields) {
        (None, 0) => {
            if done.listing != Listing::Absent || opened != 0 || !elements(&events).is_empty() {
                return Err(format!("no listing, but {:?}", done.listing));
            }
        }
        (Some(Value::Array(items)), 1) => {
            let got = elements(&events);
            if done.listing != Listing::Array || opened != 1 || &got != items {
                return Err(format!("elements {got:?}, want {items:?}"));
            }
        }
        (Some(_), 1) => {
            if done.listing != Listing::NotArray || opened != 0 {
                return Err(format!("not an array, but {:?}", done.listing));
            }
        }
        (Some(_), n) if n > 1 => {}
        (listing, n) => return Err(format!("{n} listing fields for {listing:?}")),
    }
    for (i, name) in CAPTURED.iter().enumerate() {
        let got: Option<Value> = done.captured[i]
            .as_ref()
            .map(|b| serde_json::from_slice(b).expect("a captured field is JSON"));
        if got.as_ref() != map.get(*name) {
            return Err(format!("{name}: {got:?}, want {:?}", map.get(*name)));
        }
    }
    Ok(())
}

#[test]
fn a_documented_answer_splits_into_its_entries() {
    let doc = br#" {"statusCode":"200","status":"Success","portStatusSummary":[
        {"id":"a","key":["1","1746000000"],"value":{"pid":"a3a2a","status":"Complete"}},
        {"id":"b","value":{"pid":"b\"}]","message":"caf\u00e9 \ud83d\ude00"}}
    ],"message":"after"} "#;
    for cut in 0..doc.len() {
        let (events, done) = split(doc, &[cut, cut / 2], usize::MAX);
        let done = done.unwrap();
        assert_eq!(
            events[0],
            Event::ListingOpened(vec![
                Some(Bytes::from_static(b"\"Success\"")),
                Some(Bytes::from_static(b"\"200\"")),
                None,
                None,
                None,
                None
            ])
        );
        let got = elements(&events);
        assert_eq!(got.len(), 2);
        assert_eq!(got[1]["value"]["pid"], "b\"}]");
        assert_eq!(done.captured[0].as_deref(), Some(&b"\"Success\""[..]));
        assert_eq!(done.captured[2].as_deref(), Some(&b"\"after\""[..]));
        assert_eq!(done.listing, Listing::Array);
    }
    assert!(agrees(doc, &[]).is_ok());
}

#[test]
fn failures_are_typed_and_never_a_silent_end() {
    let cases: Vec<(&[u8], SplitError)> = vec![
        (b"", SplitError::Empty),
        (b"  \n", SplitError::Empty),
        (b"<html>", SplitError::NotAnObject { first: b'<' }),
        (b"[]", SplitError::NotAnObject { first: b'[' }),
        (b"{", SplitError::Truncated { offset: 1 }),
        (
            br#"{"portStatusSummary":[{"id":"a"},{"id":"#,
            SplitError::Truncated { offset: 39 },
        ),
        (b"{} x", SplitError::Trailing { offset: 3 }),
        (b"{}{}", SplitError::Trailing { offset: 2 }),
        (b"{\"a\":tru}", SplitError::Syntax { offset: 8 }),
        (b"{\"a\":01}", SplitError::Syntax { offset: 6 }),
        (
            b"{\"a\":1e999}",
            SplitError::NumberOutOfRange { offset: 10 },
        ),
        (b"{\"a\":\"\x01\"}", SplitError::Syntax { offset: 6 }),
        (b"{\"a\":\"\xff\"}", SplitError::Syntax { offset: 6 }),
        (b"{\"a\":\"\\ud800x\"}", SplitError::Syntax { offset: 12 }),
        (b"{\"a\":\"\\udc00\"}", SplitError::Syntax { offset: 11 }),
        (b"{\"a\" 1}", SplitError::Syntax { offset: 5 }),
        (b"{\"a\":1,}", SplitError::Syntax { offset: 7 }),
    ];
    for (doc, want) in cases {
        let (_, done) = split(doc, &[], usize::MAX);
        assert_eq!(done, Err(want), "{}", String::from_utf8_lossy(doc));
        assert!(serde_json::from_slice::<Value>(doc).is_err() || !doc.starts_with(b"{"));
    }
}

#[test]
fn elements_are_validated_where_their_decoder_would_not() {
    // Plain ASCII: followed; the decoder's reading refuses `tru`.
    let doc = br#"{"portStatusSummary":[{"a":tru},{"b":1}]}"#;
    let (events, done) = split(doc, &[], usize::MAX);
    assert!(done.is_ok());
    assert_eq!(elements(&events[2..]), vec![json!({"b": 1})]);
    let Event::Element(bad) = &events[1] else {
        panic!("{events:?}")
    };
    assert!(!decodes(bad) && validate(bad).is_err());
    // What a typed reading lets through in the fields it ignores is
    // checked here: a lone surrogate, a byte that is not UTF-8, a number
    // out of range; and anything in an element over its bound.
    let mut inners: Vec<Vec<u8>> = vec![
        br#"{"x":"\ud800"}"#.to_vec(),
        b"{\"x\":\"\xff\"}".to_vec(),
        br#"{"x":1e999}"#.to_vec(),
    ];
    inners.push(format!(r#"{{"x":"{}","y":tru}}"#, "z".repeat(100)).into_bytes());
    inners.push(format!(r#"{{"x":"{}","y":1e999}}"#, "z".repeat(100)).into_bytes());
    for inner in inners {
        let mut doc = br#"{"portStatusSummary":["#.to_vec();
        doc.extend_from_slice(&inner);
        doc.extend_from_slice(b"]}");
        assert!(serde_json::from_slice::<Value>(&doc).is_err());
        for cut in [0, 10, 30, 60] {
            let (_, done) = split(&doc, &[cut], 64);
            assert!(
                matches!(done, Err(SplitError::Syntax { .. })),
                "{}: {done:?}",
                String::from_utf8_lossy(&doc)
            );
        }
    }
    assert!(validate(br#"[1, {"a": "b"}]"#).is_ok());
    assert!(validate(b"12").is_ok());
    assert!(validate(b"1e999").is_err());
    assert!(validate(b"{} x").is_err());
}

#[test]
fn nesting_stops_where_serde_json_stops() {
    for depth in [126usize, 127, 128, 129] {
        let doc = format!(
            "{{\"portStatusSummary\":{}1{}}}",
            "[".repeat(depth - 1),
            "]".repeat(depth - 1)
        );
        let serde_ok = serde_json::from_str::<Value>(&doc).is_ok();
        let (_, done) = split(doc.as_bytes(), &[], usize::MAX);
        assert_eq!(done.is_ok(), serde_ok, "depth {depth}");
        assert_eq!(serde_ok, depth <= usize::from(MAX_DEPTH), "depth {depth}");
        // The same depth outside the listing.
        let doc = doc.replace("portStatusSummary", "other");
        let (_, done) = split(doc.as_bytes(), &[], usize::MAX);
        assert_eq!(done.is_ok(), serde_ok, "depth {depth} outside the listing");
    }
}

#[test]
fn numbers_fit_where_serde_json_says_they_fit() {
    let big = format!("1{}", "0".repeat(400));
    let small = format!("0.{}1", "0".repeat(400));
    for n in [
        "0",
        "-0",
        "1e308",
        "1e309",
        "1.7976931348623157e308",
        "1.7976931348623159e308",
        "179769313486231570000e288",
        "0.000001e314",
        "0.000001e315",
        "1e-400",
        "-1e400",
        "0e99999999999999999999",
        "1e99999999999999999999",
        "1E+2",
        "123456789012345678901234567890",
        big.as_str(),
        small.as_str(),
    ] {
        let doc = format!("{{\"a\":{n}}}");
        let serde_ok = serde_json::from_str::<Value>(&doc).is_ok();
        let (_, done) = split(doc.as_bytes(), &[], usize::MAX);
        assert_eq!(done.is_ok(), serde_ok, "{n}");
        // In a listing element, where the splitter only follows.
        let doc = format!("{{\"portStatusSummary\":[{{\"a\":{n}}}]}}");
        assert!(agrees(doc.as_bytes(), &[7]).is_ok(), "{n} in an element");
    }
}

#[test]
fn an_element_over_the_bound_is_reported_and_the_listing_goes_on() {
    let doc = format!(
        r#"{{"portStatusSummary":[{{"id":"a"}},{{"id":"{}"}},{{"id":"c"}}]}}"#,
        "x".repeat(100)
    );
    for cut in [0, 5, 30, 60, 100] {
        let (events, done) = split(doc.as_bytes(), &[cut], 64);
        assert!(done.is_ok());
        assert_eq!(
            events,
            vec![
                Event::ListingOpened(vec![None; CAPTURED.len()]),
                Event::Element(Bytes::from_static(br#"{"id":"a"}"#)),
                Event::Oversized(109),
                Event::Element(Bytes::from_static(br#"{"id":"c"}"#)),
            ]
        );
    }
}

#[test]
fn escaped_and_repeated_keys_count_as_serde_json_reads_them() {
    let doc = br#"{"\u0073tatus":"Error","portStatus\u0053ummary":[1],"status":"Success","portStatusSummary":null}"#;
    let (events, done) = split(doc, &[], usize::MAX);
    let done = done.unwrap();
    assert_eq!(done.captured[0].as_deref(), Some(&b"\"Success\""[..]));
    assert_eq!(done.listing_fields, 2);
    assert_eq!(done.listing, Listing::NotArray);
    assert_eq!(elements(&events), vec![json!(1)]);
}

// ---------------------------------------------------------------------------
// Properties.

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        any::<String>().prop_map(Value::String),
        prop::sample::select(vec![
            "Success", "Error", "200", "409", "\"}]", "\\", "é", "𝟙", "\u{0}", "\u{7f}",
        ])
        .prop_map(|s| Value::String(s.to_owned())),
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(vec![
            LISTING, "status", "statusCode", "message", "exception", "error", "detail",
            "id", "key", "value", "pid",
        ])
        .prop_map(str::to_owned),
        1 => any::<String>(),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(5, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn entry() -> impl Strategy<Value = Value> {
    (any::<String>(), any::<u32>(), scalar(), value()).prop_map(|(id, ts, status, extra)| {
        json!({"id": id, "key": ["1234567890", ts.to_string()],
            "value": {"pid": "a3a2a", "status": status, "extra": extra}})
    })
}

/// An answer-like object: its top-level keys in any order, sometimes
/// repeated, the listing usually an array of entries.
fn answer() -> impl Strategy<Value = Vec<(String, Value)>> {
    let listing = prop_oneof![
        4 => prop::collection::vec(entry(), 0..8).prop_map(Value::Array),
        1 => value(),
    ];
    (
        prop::collection::vec((key(), value()), 0..5),
        prop::option::of(listing),
        any::<prop::sample::Index>(),
    )
        .prop_map(|(mut fields, listing, at)| {
            if let Some(l) = listing {
                let i = at.index(fields.len() + 1);
                fields.insert(i, (LISTING.to_owned(), l));
            }
            fields
        })
}

/// JSON text written with optional white space and escapes, keys kept in
/// order and possibly repeated.
fn write(v: &Value, style: u8, out: &mut String) {
    let ws = |out: &mut String| {
        if style & 1 == 1 {
            out.push_str(" \n\t");
        }
    };
    match v {
        Value::String(s) => write_str(s, style, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                ws(out);
                write(item, style, out);
            }
            ws(out);
            out.push(']');
        }
        Value::Object(map) => {
            let pairs: Vec<(String, Value)> =
                map.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
            write_object(&pairs, style, out);
        }
        other => out.push_str(&other.to_string()),
    }
}

fn write_object(pairs: &[(String, Value)], style: u8, out: &mut String) {
    out.push('{');
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        if style & 1 == 1 {
            out.push(' ');
        }
        write_str(k, style, out);
        out.push(':');
        write(v, style, out);
    }
    out.push('}');
}

/// A string, with every character escaped as `\uXXXX` (surrogate pairs
/// beyond the BMP) when `style` asks for it.
fn write_str(s: &str, style: u8, out: &mut String) {
    if style & 2 == 0 {
        out.push_str(&Value::String(s.to_owned()).to_string());
        return;
    }
    out.push('"');
    for c in s.chars() {
        let mut units = [0u16; 2];
        for u in c.encode_utf16(&mut units) {
            out.push_str(&format!("\\u{:04x}", u));
        }
    }
    out.push('"');
}

#[derive(Debug, Clone)]
enum Damage {
    Delete(prop::sample::Index),
    Insert(prop::sample::Index, u8),
    Replace(prop::sample::Index, u8),
    Truncate(prop::sample::Index),
    Append(Vec<u8>),
}

fn damage() -> impl Strategy<Value = Damage> {
    let byte = prop_oneof![
        3 => prop::sample::select(b"\"\\{}[],:0123456789eE+-.tfnu \n\xff\xc3\xed\xa0\x00/".to_vec()),
        1 => any::<u8>(),
    ];
    prop_oneof![
        any::<prop::sample::Index>().prop_map(Damage::Delete),
        (any::<prop::sample::Index>(), byte.clone()).prop_map(|(i, b)| Damage::Insert(i, b)),
        (any::<prop::sample::Index>(), byte.clone()).prop_map(|(i, b)| Damage::Replace(i, b)),
        any::<prop::sample::Index>().prop_map(Damage::Truncate),
        prop::collection::vec(byte, 1..4).prop_map(Damage::Append),
    ]
}

fn apply(doc: &mut Vec<u8>, damage: &[Damage]) {
    for d in damage {
        match d {
            Damage::Delete(i) if !doc.is_empty() => {
                doc.remove(i.index(doc.len()));
            }
            Damage::Insert(i, b) => doc.insert(i.index(doc.len() + 1), *b),
            Damage::Replace(i, b) if !doc.is_empty() => {
                let at = i.index(doc.len());
                doc[at] = *b;
            }
            Damage::Truncate(i) => doc.truncate(i.index(doc.len() + 1)),
            Damage::Append(bytes) => doc.extend_from_slice(bytes),
            _ => {}
        }
    }
}

fn config(cases: u32) -> Config {
    Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 2_000,
        ..Config::default()
    }
}

proptest! {
    #![proptest_config(config(512))]

    /// Well-formed answers, written any way, split anywhere.
    #[test]
    fn answers_split_as_serde_json_reads_them(
        fields in answer(),
        style in 0u8..4,
        cuts in prop::collection::vec(any::<usize>(), 0..8),
    ) {
        let mut text = String::new();
        write_object(&fields, style, &mut text);
        if style & 1 == 1 {
            text = format!(" \r\n{text}\n ");
        }
        let r = agrees(text.as_bytes(), &cuts);
        prop_assert!(r.is_ok(), "{}: {:?}", text, r);
    }

    /// The same answers damaged: whatever serde_json refuses is refused.
    #[test]
    fn damaged_answers_are_refused_as_serde_json_refuses_them(
        fields in answer(),
        style in 0u8..4,
        damage in prop::collection::vec(damage(), 1..4),
        cuts in prop::collection::vec(any::<usize>(), 0..8),
    ) {
        let mut text = String::new();
        write_object(&fields, style, &mut text);
        let mut doc = text.into_bytes();
        apply(&mut doc, &damage);
        let r = agrees(&doc, &cuts);
        prop_assert!(r.is_ok(), "{}: {:?}", String::from_utf8_lossy(&doc), r);
    }

    /// Arbitrary bytes, mostly JSON punctuation, inside a listing or not.
    #[test]
    fn arbitrary_bytes_are_refused_as_serde_json_refuses_them(
        listing in any::<bool>(),
        body in prop::collection::vec(
            prop_oneof![
                3 => prop::sample::select(b"{}[]\":,0123456789.eE+-tfnrulsa \\\xff\xc3\xa9".to_vec()),
                1 => any::<u8>(),
            ],
            0..64,
        ),
        cuts in prop::collection::vec(any::<usize>(), 0..8),
    ) {
        let mut doc = if listing { br#"{"portStatusSummary":[{"#.to_vec() } else { vec![] };
        doc.extend_from_slice(&body);
        let r = agrees(&doc, &cuts);
        prop_assert!(r.is_ok(), "{}: {:?}", String::from_utf8_lossy(&doc), r);
    }

    /// An element bound reports exactly the elements over it.
    #[test]
    fn elements_over_the_bound_are_reported_in_place(
        entries in prop::collection::vec(entry(), 0..8),
        bound in 16usize..400,
        cuts in prop::collection::vec(any::<usize>(), 0..8),
    ) {
        let doc = format!(
            r#"{{"status":"Success","portStatusSummary":{}}}"#,
            Value::Array(entries.clone())
        );
        let (events, done) = split(doc.as_bytes(), &cuts, bound);
        prop_assert!(done.is_ok());
        let mut before = vec![None; CAPTURED.len()];
        before[0] = Some(Bytes::from_static(b"\"Success\""));
        let want: Vec<Event> = std::iter::once(Event::ListingOpened(before))
            .chain(entries.iter().map(|e| {
                let text = e.to_string();
                if text.len() > bound {
                    Event::Oversized(text.len() as u64)
                } else {
                    Event::Element(Bytes::from(text))
                }
            }))
            .collect();
        prop_assert_eq!(events, want);
    }
}

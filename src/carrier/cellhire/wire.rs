//! Cellhire's JSON exactly as its document writes it. Private.
//!
//! Responses are read tolerantly: every field is optional or defaulted and
//! unknown fields are ignored, so an extra or missing field never breaks a
//! client. Requests are written strictly, with the document's field casing.

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

/// `GET /api/porting/{accountId}/networks`: one entry per port type.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct PortTypeNetworks {
    #[serde(default)]
    pub port_type_name: String,
    #[serde(default)]
    pub port_type: i64,
    #[serde(default)]
    pub target_networks: Vec<TargetNetwork>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct TargetNetwork {
    pub id: i64,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub max_port_days: u32,
    #[serde(default)]
    pub min_port_days: u32,
    #[serde(default)]
    pub allow_esim: bool,
    #[serde(default)]
    pub network_number: i64,
    #[serde(default)]
    pub source_networks: Vec<SourceNetwork>,
    #[serde(default)]
    pub upcoming_holidays: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct SourceNetwork {
    pub id: i64,
    #[serde(default)]
    pub name: String,
}

/// `GET /api/porting/{accountId}` with `x-pagenumber` / `x-pagesize`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct PortList {
    #[serde(default)]
    pub total: u64,
    #[serde(default)]
    pub total_pages: u64,
    /// Absent in an answer that holds no listing (`{}`, a message): that is
    /// not an empty listing.
    #[serde(default, deserialize_with = "entries")]
    pub data: Option<Vec<ListEntry>>,
}

/// The most entries a page is asked for (List Ports serves at most 50): room
/// for them is made at once rather than grown to.
const PAGE_ENTRIES: usize = 50;

/// `data`: null or absent is `None`, an array is read with room for a full
/// page made beforehand.
fn entries<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Vec<ListEntry>>, D::Error> {
    struct Entries;

    impl<'de> serde::de::Visitor<'de> for Entries {
        type Value = Option<Vec<ListEntry>>;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a sequence")
        }

        fn visit_none<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_seq(self)
        }

        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> Result<Self::Value, A::Error> {
            let mut out = Vec::with_capacity(PAGE_ENTRIES);
            while let Some(entry) = seq.next_element()? {
                out.push(entry);
            }
            Ok(Some(out))
        }
    }

    d.deserialize_option(Entries)
}

/// One entry of List Ports' `data`: an object is read as a port; anything
/// else (a bare number, a string, null) is kept as what it was, so that one
/// odd entry is reported in its place instead of making the page unreadable.
#[derive(Debug)]
pub(super) enum ListEntry {
    Port(PortListItem),
    /// What the entry was instead of an object.
    Other(&'static str),
}

impl<'de> Deserialize<'de> for ListEntry {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(EntryVisitor)
    }
}

struct EntryVisitor;

impl<'de> serde::de::Visitor<'de> for EntryVisitor {
    type Value = ListEntry;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a List Ports entry")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<ListEntry, A::Error> {
        ItemVisitor.visit_map(map).map(ListEntry::Port)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<ListEntry, A::Error> {
        while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
        Ok(ListEntry::Other("an array"))
    }

    fn visit_bool<E>(self, _: bool) -> Result<ListEntry, E> {
        Ok(ListEntry::Other("true or false"))
    }

    fn visit_i64<E>(self, _: i64) -> Result<ListEntry, E> {
        Ok(ListEntry::Other("a number"))
    }

    fn visit_u64<E>(self, _: u64) -> Result<ListEntry, E> {
        Ok(ListEntry::Other("a number"))
    }

    fn visit_f64<E>(self, _: f64) -> Result<ListEntry, E> {
        Ok(ListEntry::Other("a number"))
    }

    fn visit_str<E>(self, _: &str) -> Result<ListEntry, E> {
        Ok(ListEntry::Other("a string"))
    }

    fn visit_unit<E>(self) -> Result<ListEntry, E> {
        Ok(ListEntry::Other("null"))
    }

    fn visit_none<E>(self) -> Result<ListEntry, E> {
        Ok(ListEntry::Other("null"))
    }
}

/// One port of List Ports, read in one pass straight into what the listing
/// keeps ([`ItemVisitor`]): the date and the port type are read from the
/// text as it lies in the body (no copy of it is kept), and the id is kept
/// as text unless it is something else. Unknown fields are ignored.
#[derive(Debug, Default)]
pub(super) struct PortListItem {
    /// A GUID as documented; read as any JSON value so that one odd entry
    /// does not make the whole page unreadable.
    pub id: ListId,
    pub name: Option<String>,
    /// `connectionDate`: text (or null) as documented, read as a date; text
    /// that is not one reads as `None`; anything but text or null is an
    /// error, as for any text field.
    pub connection_date: Option<chrono::NaiveDate>,
    pub port_type: Option<i64>,
    /// `portTypeName`, read as a [`super::types::PortType`].
    pub port_type_name: Option<super::types::PortType>,
    pub row_count: Option<u32>,
    pub status: Option<i64>,
    pub status_name: Option<String>,
}

impl<'de> Deserialize<'de> for PortListItem {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(ItemVisitor)
    }
}

/// The fields of [`PortListItem`], in the document's casing.
const ITEM_FIELDS: &[&str] = &[
    "id",
    "name",
    "connectionDate",
    "portType",
    "portTypeName",
    "rowCount",
    "status",
    "statusName",
];

/// A key of a List Ports entry: the index of a field of [`ITEM_FIELDS`], or
/// `None` for a key that is not one. Matched on the key's bytes as they lie
/// in the body; a key that matches no field is checked to be text (as a
/// derived reader checks every key) before being ignored.
struct ItemKey(Option<usize>);

impl<'de> Deserialize<'de> for ItemKey {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_bytes(ItemKeyVisitor)
    }
}

struct ItemKeyVisitor;

impl<'de> serde::de::Visitor<'de> for ItemKeyVisitor {
    type Value = ItemKey;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a field name")
    }

    fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<ItemKey, E> {
        let found = ITEM_FIELDS.iter().position(|f| f.as_bytes() == v);
        if found.is_none() && std::str::from_utf8(v).is_err() {
            return Err(E::invalid_value(serde::de::Unexpected::Bytes(v), &self));
        }
        Ok(ItemKey(found))
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<ItemKey, E> {
        Ok(ItemKey(ITEM_FIELDS.iter().position(|f| *f == v)))
    }
}

/// Reads a List Ports entry's fields from a JSON object, as a derived
/// reader would (every field optional, a field given twice an error,
/// unknown ones ignored).
pub(super) struct ItemVisitor;

impl<'de> serde::de::Visitor<'de> for ItemVisitor {
    type Value = PortListItem;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a List Ports entry")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<PortListItem, A::Error> {
        let mut item = PortListItem::default();
        let mut seen = 0u16;
        while let Some(ItemKey(key)) = map.next_key()? {
            let Some(field) = key else {
                map.next_value::<serde::de::IgnoredAny>()?;
                continue;
            };
            if seen & (1 << field) != 0 {
                return Err(serde::de::Error::duplicate_field(ITEM_FIELDS[field]));
            }
            seen |= 1 << field;
            match field {
                0 => item.id = map.next_value::<IdField>()?.0,
                1 => item.name = map.next_value()?,
                2 => item.connection_date = map.next_value::<DateField>()?.0,
                3 => item.port_type = map.next_value()?,
                4 => item.port_type_name = map.next_value::<PortTypeField>()?.0,
                5 => item.row_count = map.next_value()?,
                6 => item.status = map.next_value()?,
                _ => item.status_name = map.next_value()?,
            }
        }
        Ok(item)
    }
}

struct IdField(ListId);

impl<'de> Deserialize<'de> for IdField {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ListIdVisitor).map(IdField)
    }
}

/// A List Ports entry's `id`: text as documented, or what came instead.
#[derive(Debug, Default)]
pub(super) enum ListId {
    /// Text.
    Text(String),
    /// `null`, or no `id` at all.
    #[default]
    Null,
    /// Any other JSON value.
    Other(serde_json::Value),
}

struct ListIdVisitor;

impl<'de> serde::de::Visitor<'de> for ListIdVisitor {
    type Value = ListId;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_str<E>(self, v: &str) -> Result<ListId, E> {
        Ok(ListId::Text(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<ListId, E> {
        Ok(ListId::Text(v))
    }

    fn visit_unit<E>(self) -> Result<ListId, E> {
        Ok(ListId::Null)
    }

    fn visit_none<E>(self) -> Result<ListId, E> {
        Ok(ListId::Null)
    }

    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<ListId, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_bool<E>(self, v: bool) -> Result<ListId, E> {
        Ok(ListId::Other(serde_json::Value::Bool(v)))
    }

    fn visit_i64<E>(self, v: i64) -> Result<ListId, E> {
        Ok(ListId::Other(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<ListId, E> {
        Ok(ListId::Other(v.into()))
    }

    fn visit_f64<E>(self, v: f64) -> Result<ListId, E> {
        Ok(ListId::Other(v.into()))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> Result<ListId, A::Error> {
        serde_json::Value::deserialize(serde::de::value::SeqAccessDeserializer::new(seq))
            .map(ListId::Other)
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<ListId, A::Error> {
        serde_json::Value::deserialize(serde::de::value::MapAccessDeserializer::new(map))
            .map(ListId::Other)
    }
}

/// Text or null, as an `Option<String>` field reads it (anything else is an
/// error, text that is not UTF-8 too), handed to `read` as the bytes that
/// lie in the body: `read` answers `Err(())` when it needs the text checked
/// as UTF-8 and read again as text with `text`.
struct TextWith<R, T> {
    read: R,
    text: T,
}

impl<'de, V, R, T> serde::de::Visitor<'de> for TextWith<R, T>
where
    R: FnOnce(&[u8]) -> Result<Option<V>, ()>,
    T: FnOnce(&str) -> Option<V>,
{
    type Value = Option<V>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a string")
    }

    fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Option<V>, E> {
        match (self.read)(v) {
            Ok(value) => Ok(value),
            Err(()) => match std::str::from_utf8(v) {
                Ok(text) => Ok((self.text)(text)),
                Err(_) => Err(E::invalid_value(
                    serde::de::Unexpected::Bytes(v),
                    &"a string",
                )),
            },
        }
    }

    fn visit_str<E>(self, v: &str) -> Result<Option<V>, E> {
        Ok((self.text)(v))
    }

    fn visit_none<E>(self) -> Result<Option<V>, E> {
        Ok(None)
    }

    fn visit_unit<E>(self) -> Result<Option<V>, E> {
        Ok(None)
    }

    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Option<V>, D::Error> {
        d.deserialize_bytes(self)
    }
}

struct DateField(Option<chrono::NaiveDate>);

impl<'de> Deserialize<'de> for DateField {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_option(TextWith {
            // The document's form is ASCII: read without a UTF-8 check.
            read: |bytes: &[u8]| fast_date_bytes(bytes).map(Some).ok_or(()),
            text: date,
        })
        .map(DateField)
    }
}

struct PortTypeField(Option<super::types::PortType>);

impl<'de> Deserialize<'de> for PortTypeField {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use super::types::PortType;
        d.deserialize_option(TextWith {
            // The documented name as it is; any other through `from_name`.
            read: |bytes: &[u8]| match bytes {
                b"PortIn" => Ok(Some(PortType::PortIn)),
                _ => Err(()),
            },
            text: |name: &str| Some(PortType::from_name(name)),
        })
        .map(PortTypeField)
    }
}

/// `GET /api/porting/{accountId}/port/{portId}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct PortDetails {
    pub id: String,
    pub status: Option<i64>,
    pub status_name: Option<String>,
    pub name: Option<String>,
    pub target_network_id: Option<i64>,
    pub target_network_name: Option<String>,
    pub source_network_id: Option<i64>,
    pub source_network_name: Option<String>,
    pub connection_date: Option<String>,
    pub port_type: Option<i64>,
    pub port_type_name: Option<String>,
    pub row_count: Option<u32>,
    #[serde(default)]
    pub rows: Vec<PortRow>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct PortRow {
    pub id: Option<String>,
    #[serde(default)]
    pub msisdn: String,
    pub serial_no: Option<String>,
    pub pac: Option<String>,
    pub status: Option<i64>,
    pub status_name: Option<String>,
    pub message: Option<String>,
    pub group_name: Option<String>,
    #[serde(default)]
    pub bolt_ons: Option<Vec<i64>>,
    pub tariff_id: Option<i64>,
    pub tariff_name: Option<String>,
    #[serde(default)]
    pub esim: Option<bool>,
    pub provisioning_order_name: Option<String>,
    pub provisioning_order: Option<i64>,
    #[serde(default)]
    pub services: Option<Vec<Service>>,
}

#[derive(Debug, Serialize, Deserialize)]
pub(super) struct Service {
    pub name: String,
    pub value: String,
}

/// A service as sent, borrowed from the request.
#[derive(Debug, Serialize)]
pub(super) struct ServiceOut<'a> {
    pub name: &'a str,
    pub value: &'a str,
}

/// `POST /api/porting/{accountId}` (Create Port) body.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct CreatePort<'a> {
    pub name: &'a str,
    pub target_network_id: i64,
    pub source_network_id: i64,
    pub connection_date: String,
    pub port_type: &'a str,
    pub rows: Vec<CreatePortRow<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct CreatePortRow<'a> {
    pub group_name: &'a str,
    pub esim: bool,
    pub msisdn: std::borrow::Cow<'a, str>,
    pub serial_no: &'a str,
    pub provisioning_order: Option<i64>,
    pub provisioning_order_name: Option<&'a str>,
    pub pac: &'a str,
    pub tariff_id: i64,
    pub bolt_ons: &'a [i64],
    pub services: Option<Vec<ServiceOut<'a>>>,
}

/// The Create Port answer: a bare JSON string holding the GUID, as documented;
/// an object with `portId` (the document's table) or `id` is read too.
/// This is the object form; the bare string is read as a `String`.
#[derive(Debug, Deserialize)]
pub(super) struct CreatedPort {
    #[serde(rename = "portId", alias = "id", alias = "PortId")]
    pub port_id: String,
}

/// `PATCH /api/porting/{accountId}/port/{portId}` (Update Port) body, in the
/// document's PascalCase.
#[derive(Serialize)]
pub(super) struct UpdatePort<'a> {
    #[serde(rename = "Rows")]
    pub rows: Vec<UpdatePortRow<'a>>,
}

#[derive(Serialize)]
pub(super) struct UpdatePortRow<'a> {
    #[serde(rename = "Msisdn")]
    pub msisdn: String,
    #[serde(rename = "Pac", skip_serializing_if = "Option::is_none")]
    pub pac: Option<&'a str>,
    #[serde(rename = "PortRowStatus")]
    pub port_row_status: &'static str,
}

/// The token endpoint's answer.
#[derive(Deserialize)]
pub(super) struct TokenResponse {
    pub access_token: String,
    #[serde(default)]
    pub expires_in: Option<u64>,
    #[serde(default)]
    pub token_type: Option<String>,
}

/// Reads Cellhire's dates: `2024-07-18T00:00:00`, with or without a
/// fraction, a `Z` or an offset, or a bare `2024-07-18`.
pub(super) fn date(text: &str) -> Option<NaiveDate> {
    // The document's form, `2026-05-05T00:00:00`, read without a format
    // parser: it is on every listed port. The date part of every accepted
    // form is its first ten characters, in the text's own frame. Text the
    // fast reading accepts has no white space to trim.
    if let Some(d) = fast_date(text) {
        return Some(d);
    }
    let text = text.trim();
    if let Some(d) = fast_date(text) {
        return Some(d);
    }
    if let Ok(d) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Some(d);
    }
    if let Ok(dt) = chrono::DateTime::parse_from_rfc3339(text) {
        return Some(dt.date_naive());
    }
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
        .ok()
        .map(|dt| dt.date())
}

/// `YYYY-MM-DD`, optionally followed by `T` and a time made only of digits,
/// `:` and `.` (the document's form); `None` for anything else.
fn fast_date(text: &str) -> Option<NaiveDate> {
    fast_date_bytes(text.as_bytes())
}

/// [`fast_date`] on text's bytes (what it accepts is ASCII).
pub(super) fn fast_date_bytes(b: &[u8]) -> Option<NaiveDate> {
    let head: &[u8; 10] = b.get(..10)?.try_into().ok()?;
    if head[4] != b'-' || head[7] != b'-' {
        return None;
    }
    let rest = &b[10..];
    if let Some((&first, time)) = rest.split_first() {
        if first != b'T'
            || !time
                .iter()
                .all(|c| c.is_ascii_digit() || *c == b':' || *c == b'.')
        {
            return None;
        }
    }
    // Each digit's value; a byte that is not a digit is over 9.
    let d = |i: usize| u32::from(head[i].wrapping_sub(b'0'));
    let digits = [d(0), d(1), d(2), d(3), d(5), d(6), d(8), d(9)];
    if digits.iter().any(|&v| v > 9) {
        return None;
    }
    let year = digits[0] * 1000 + digits[1] * 100 + digits[2] * 10 + digits[3];
    NaiveDate::from_ymd_opt(
        i32::try_from(year).ok()?,
        digits[4] * 10 + digits[5],
        digits[6] * 10 + digits[7],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::carrier::cellhire::types::PortType;

    fn item(json: &str) -> Result<PortListItem, serde_json::Error> {
        match serde_json::from_str::<ListEntry>(json)? {
            ListEntry::Port(item) => Ok(item),
            ListEntry::Other(kind) => panic!("read as {kind}"),
        }
    }

    #[test]
    fn a_documented_entry_is_read_field_by_field() {
        let it = item(
            r#"{"id":"93949676-932c-4c43-140f-08dca4c4f4e2","name":"Port 1",
                "connectionDate":"2026-05-05T00:00:00","portType":2,"portTypeName":"PortIn",
                "rowCount":3,"status":4,"statusName":"Submitted","extra":{"a":[1]}}"#,
        )
        .unwrap();
        assert!(matches!(&it.id, ListId::Text(t) if t == "93949676-932c-4c43-140f-08dca4c4f4e2"));
        assert_eq!(it.name.as_deref(), Some("Port 1"));
        assert_eq!(
            it.connection_date,
            chrono::NaiveDate::from_ymd_opt(2026, 5, 5)
        );
        assert_eq!(it.port_type, Some(2));
        assert_eq!(it.port_type_name, Some(PortType::PortIn));
        assert_eq!(it.row_count, Some(3));
        assert_eq!(it.status, Some(4));
        assert_eq!(it.status_name.as_deref(), Some("Submitted"));
    }

    #[test]
    fn every_field_may_be_missing_or_null() {
        let it = item("{}").unwrap();
        assert!(matches!(it.id, ListId::Null));
        assert_eq!(
            (it.name, it.connection_date, it.port_type_name, it.status),
            (None, None, None, None)
        );
        let it = item(
            r#"{"id":null,"name":null,"connectionDate":null,"portTypeName":null,"statusName":null}"#,
        )
        .unwrap();
        assert!(matches!(it.id, ListId::Null));
        assert_eq!((it.connection_date, it.port_type_name), (None, None));
    }

    #[test]
    fn an_id_that_is_not_text_is_kept_as_what_it_was() {
        for (json, want) in [
            (r#"{"id":41}"#, serde_json::json!(41)),
            (r#"{"id":-1.5}"#, serde_json::json!(-1.5)),
            (r#"{"id":true}"#, serde_json::json!(true)),
            (r#"{"id":[1,"a"]}"#, serde_json::json!([1, "a"])),
            (r#"{"id":{"guid":"x"}}"#, serde_json::json!({"guid": "x"})),
        ] {
            assert!(
                matches!(item(json).unwrap().id, ListId::Other(ref v) if *v == want),
                "{json}"
            );
        }
    }

    #[test]
    fn text_is_read_whatever_its_escapes_and_other_forms() {
        // Escaped text goes through the UTF-8 check and the full readers.
        let it = item(
            r#"{"connectionDate":"2026\u002d05-05T00:00:00","portTypeName":"P\u006frt","id":"a\u00e9"}"#,
        )
        .unwrap();
        assert_eq!(
            it.connection_date,
            chrono::NaiveDate::from_ymd_opt(2026, 5, 5)
        );
        assert_eq!(it.port_type_name, Some(PortType::PortIn));
        assert!(matches!(&it.id, ListId::Text(t) if t == "a\u{e9}"));
        let it = item(r#"{"connectionDate":" 2026-05-05 ","portTypeName":"MigrateIn"}"#).unwrap();
        assert_eq!(
            it.connection_date,
            chrono::NaiveDate::from_ymd_opt(2026, 5, 5)
        );
        assert_eq!(it.port_type_name, Some(PortType::MigrateIn));
        let it = item(r#"{"connectionDate":"soon","portTypeName":"Teleport"}"#).unwrap();
        assert_eq!(it.connection_date, None);
        assert_eq!(it.port_type_name, Some(PortType::Other("Teleport".into())));
    }

    #[test]
    fn what_a_text_field_refuses_is_refused() {
        // As an `Option<String>` field would: anything but text or null, a
        // field given twice, text or a key that is not UTF-8.
        for json in [
            r#"{"connectionDate":20260505}"#,
            r#"{"portTypeName":["PortIn"]}"#,
            r#"{"name":1}"#,
            r#"{"statusName":{}}"#,
            r#"{"rowCount":"3"}"#,
            r#"{"id":"a","id":"b"}"#,
            r#"{"statusName":"a","statusName":"a"}"#,
        ] {
            assert!(item(json).is_err(), "{json}");
        }
        for bytes in [
            &b"{\"connectionDate\":\"2026-05-05\xff\"}"[..],
            &b"{\"portTypeName\":\"\xc3\"}"[..],
            &b"{\"k\xff\":1}"[..],
        ] {
            assert!(serde_json::from_slice::<ListEntry>(bytes).is_err());
        }
    }

    #[test]
    fn a_listing_is_absent_only_when_data_is_null_or_missing() {
        let list: PortList = serde_json::from_str(r#"{"total":1,"totalPages":1}"#).unwrap();
        assert!(list.data.is_none());
        let list: PortList = serde_json::from_str(r#"{"data":null}"#).unwrap();
        assert!(list.data.is_none());
        let list: PortList = serde_json::from_str(r#"{"data":[]}"#).unwrap();
        assert_eq!(list.data.map(|d| d.len()), Some(0));
        let list: PortList = serde_json::from_str(r#"{"data":[{"id":"a"},7,null]}"#).unwrap();
        assert_eq!(list.data.map(|d| d.len()), Some(3));
        assert!(serde_json::from_str::<PortList>(r#"{"data":{"id":"a"}}"#).is_err());
    }
}

//! Cellhire's JSON exactly as its document writes it. Private.
//!
//! Responses are read tolerantly: every field is optional or defaulted and
//! unknown fields are ignored, so an extra or missing field never breaks a
//! client. Requests are written strictly, with the document's field casing.

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
    pub data: Option<Vec<ListEntry>>,
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
        PortListItem::deserialize(serde::de::value::MapAccessDeserializer::new(map))
            .map(ListEntry::Port)
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

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct PortListItem {
    /// A GUID as documented; read as any JSON value so that one odd entry
    /// does not make the whole page unreadable.
    #[serde(default)]
    pub id: serde_json::Value,
    pub name: Option<String>,
    pub connection_date: Option<String>,
    pub port_type: Option<i64>,
    pub port_type_name: Option<String>,
    pub row_count: Option<u32>,
    pub status: Option<i64>,
    pub status_name: Option<String>,
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

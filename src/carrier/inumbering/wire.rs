//! iNumbering's JSON exactly as its OpenAPI document writes it. Private.
//!
//! Requests are written strictly (the spec's casing, `tn` an integer in
//! availability and PIN updates, a string in port-in orders, no `authDate`);
//! answers are read tolerantly: every field optional, unknown ones ignored.

use serde::{Deserialize, Serialize};

/// The failure fields any iNumbering answer may carry, read in the same
/// pass as the answer itself.
#[derive(Deserialize, Default, Debug)]
pub(super) struct Envelope {
    #[serde(default)]
    pub status: Option<serde_json::Value>,
    #[serde(rename = "statusCode", default)]
    pub status_code: Option<serde_json::Value>,
    #[serde(default)]
    pub error: Option<serde_json::Value>,
    #[serde(default)]
    pub message: Option<serde_json::Value>,
    #[serde(default)]
    pub exception: Option<serde_json::Value>,
    #[serde(default)]
    pub detail: Option<serde_json::Value>,
}

/// An answer type that carries the [`Envelope`] fields beside its own.
pub(super) trait Answer: serde::de::DeserializeOwned {
    /// The envelope fields (taken out of the answer).
    fn envelope(&mut self) -> Envelope;
}

impl Answer for serde_json::Value {
    fn envelope(&mut self) -> Envelope {
        let get = |k: &str| self.get(k).cloned();
        Envelope {
            status: get("status"),
            status_code: get("statusCode"),
            error: get("error"),
            message: get("message"),
            exception: get("exception"),
            detail: get("detail"),
        }
    }
}

/// Defines an answer struct with the [`Envelope`] fields added.
macro_rules! answer {
    (
        $(#[$meta:meta])*
        pub(super) struct $name:ident {
            $( $(#[$fmeta:meta])* pub $field:ident : $ty:ty, )*
        }
    ) => {
        $(#[$meta])*
        pub(super) struct $name {
            $( $(#[$fmeta])* pub $field: $ty, )*
            #[serde(rename = "status", default)]
            pub envelope_status: Option<serde_json::Value>,
            #[serde(rename = "statusCode", default)]
            pub envelope_status_code: Option<serde_json::Value>,
            #[serde(rename = "error", default)]
            pub envelope_error: Option<serde_json::Value>,
            #[serde(rename = "message", default)]
            pub envelope_message: Option<serde_json::Value>,
            #[serde(rename = "exception", default)]
            pub envelope_exception: Option<serde_json::Value>,
            #[serde(rename = "detail", default)]
            pub envelope_detail: Option<serde_json::Value>,
        }

        impl Answer for $name {
            fn envelope(&mut self) -> Envelope {
                Envelope {
                    status: self.envelope_status.take(),
                    status_code: self.envelope_status_code.take(),
                    error: self.envelope_error.take(),
                    message: self.envelope_message.take(),
                    exception: self.envelope_exception.take(),
                    detail: self.envelope_detail.take(),
                }
            }
        }
    };
}

/// `/v2.2/account/apikey` body.
#[derive(Serialize)]
pub(super) struct KeyRequest<'a> {
    pub username: u64,
    pub password: &'a str,
}

answer! {
#[derive(Deserialize)]
pub(super) struct KeyAnswer {
    pub data: Option<KeyData>,
}
}

#[derive(Deserialize)]
pub(super) struct KeyData {
    pub apikey: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct TnList<T> {
    pub tn_item: Vec<T>,
}

#[derive(Serialize)]
pub(super) struct Tn {
    pub tn: u64,
}

/// `/v2/iNumbering/portInAvailability/` body.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct AvailabilityRequest<'a> {
    pub apikey: &'a str,
    pub tn_list: TnList<Tn>,
}

answer! {
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct AvailabilityAnswer {
    #[serde(default)]
    pub service_available: Vec<ServiceAvailable>,
}
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ServiceAvailable {
    pub service_provider_name: Option<String>,
    pub telephone_number: Option<serde_json::Value>,
    pub is_portable: Option<serde_json::Value>,
    pub not_portable_reason: Option<String>,
}

/// `/v2.1/iNumbering/portStatus/` body.
#[derive(Serialize)]
pub(super) struct ApikeyOnly<'a> {
    pub apikey: &'a str,
}

answer! {
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct StatusAnswer {
    #[serde(default)]
    pub port_status_summary: Vec<StatusItem>,
}
}

/// Text read tolerantly: a string, or a number or boolean written as text;
/// anything else (an object, an array) is `None` rather than an error, so
/// that one odd field does not make the whole summary unreadable.
/// Read with a visitor, so that no `serde_json::Value` is built.
fn lenient_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    d.deserialize_any(LenientText)
}

struct LenientText;

impl<'de> serde::de::Visitor<'de> for LenientText {
    type Value = Option<String>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("text, a number or a boolean")
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Some(v.to_owned()))
    }

    fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Some(v))
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Self::Value, E> {
        // As serde_json writes it (`1.5`, `1e20`).
        Ok(serde_json::Number::from_f64(v).map(|n| n.to_string()))
    }

    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
        Ok(None)
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map
            .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
            .is_some()
        {}
        Ok(None)
    }
}

/// `key`, an array, read for its second element only.
fn key_timestamp<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    struct Key;

    impl<'de> serde::de::Visitor<'de> for Key {
        type Value = Option<i64>;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a sequence")
        }

        fn visit_none<E>(self) -> Result<Option<i64>, E> {
            Ok(None)
        }

        fn visit_unit<E>(self) -> Result<Option<i64>, E> {
            Ok(None)
        }

        fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Option<i64>, D::Error> {
            d.deserialize_seq(self)
        }

        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> Result<Option<i64>, A::Error> {
            if seq.next_element::<serde::de::IgnoredAny>()?.is_none() {
                return Ok(None);
            }
            let stamp = seq.next_element::<Timestamp>()?.and_then(|t| t.0);
            while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
            Ok(stamp)
        }
    }

    d.deserialize_option(Key)
}

/// A timestamp: an integer that fits an `i64`, or text holding one (white
/// space around it allowed); anything else (a fraction, an object) is
/// `None`, read whole.
struct Timestamp(Option<i64>);

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Stamp;

        impl<'de> serde::de::Visitor<'de> for Stamp {
            type Value = Option<i64>;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a timestamp")
            }

            fn visit_i64<E>(self, v: i64) -> Result<Option<i64>, E> {
                Ok(Some(v))
            }

            fn visit_u64<E>(self, v: u64) -> Result<Option<i64>, E> {
                Ok(i64::try_from(v).ok())
            }

            fn visit_f64<E>(self, _: f64) -> Result<Option<i64>, E> {
                Ok(None)
            }

            fn visit_str<E>(self, v: &str) -> Result<Option<i64>, E> {
                Ok(v.trim().parse().ok())
            }

            fn visit_bool<E>(self, _: bool) -> Result<Option<i64>, E> {
                Ok(None)
            }

            fn visit_unit<E>(self) -> Result<Option<i64>, E> {
                Ok(None)
            }

            fn visit_none<E>(self) -> Result<Option<i64>, E> {
                Ok(None)
            }

            fn visit_some<D: serde::Deserializer<'de>>(
                self,
                d: D,
            ) -> Result<Option<i64>, D::Error> {
                d.deserialize_any(self)
            }

            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Option<i64>, A::Error> {
                while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(None)
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Option<i64>, A::Error> {
                while map
                    .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
                    .is_some()
                {}
                Ok(None)
            }
        }

        d.deserialize_any(Stamp).map(Timestamp)
    }
}

#[derive(Deserialize)]
pub(super) struct StatusItem {
    #[serde(default, deserialize_with = "lenient_text")]
    pub id: Option<String>,
    /// `key[1]`: the record's Unix timestamp, a number or text holding
    /// one; anything else there reads as `None`. `key` itself is an array
    /// (or null, or absent); its other elements are skipped unread.
    #[serde(default, rename = "key", deserialize_with = "key_timestamp")]
    pub timestamp: Option<i64>,
    #[serde(default)]
    pub value: Option<StatusValue>,
}

#[derive(Deserialize, Default)]
pub(super) struct StatusValue {
    #[serde(default, deserialize_with = "lenient_text")]
    pub pid: Option<String>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub message: Option<String>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub foc: Option<String>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub notify: Option<String>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub url: Option<String>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub pin: Option<String>,
}

/// `/v2/iNumbering/portInOrder/` body.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct PortInOrderRequest<'a> {
    pub apikey: &'a str,
    pub port_in_order: PortInOrder<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct PortInOrder<'a> {
    pub desired_due_date: String,
    pub tn_list: TnList<PortInItem<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct PortInItem<'a> {
    pub tn: String,
    pub atn: String,
    pub account_num: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_pin: Option<&'a str>,
    pub auth_name: &'a str,
    pub end_user: EndUser<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tn_feature: Option<TnFeature<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct EndUser<'a> {
    pub name: &'a str,
    pub street_num: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    pub street_pre_dir: &'a str,
    pub street_name: &'a str,
    pub street_type: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    pub street_post_dir: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location_type1: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location_value1: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location_type2: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location_value2: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location_type3: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location_value3: Option<String>,
    pub city: &'a str,
    pub state: &'a str,
    pub postal_code: &'a str,
    pub type_of_service: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct TnFeature<'a> {
    pub caller_id: CallerId<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct CallerId<'a> {
    pub calling_name: &'a str,
}

answer! {
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct OrderAnswer {
    pub order_id: Option<serde_json::Value>,
}
}

/// `/v2.2/account/port` body (no `apikey`: its schema has none).
#[derive(Serialize)]
#[allow(non_snake_case)]
pub(super) struct AccountPortRequest<'a> {
    pub did: Vec<String>,
    pub name: &'a str,
    pub name_type: &'a str,
    pub lc_btn: String,
    pub lc_account_number: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pin: Option<&'a str>,
    pub StreetNumber: &'a str,
    pub StreetPrefix: &'a str,
    pub Street: &'a str,
    pub StreetType: &'a str,
    pub StreetSuffix: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub Building: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub Floor: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub Room: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub UnitValue: Option<&'a str>,
    pub City: &'a str,
    pub State: &'a str,
    pub zip: &'a str,
    pub Country: &'a str,
    pub auth_person: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub desired_due_date: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub features: Vec<Feature<'a>>,
}

#[derive(Serialize)]
pub(super) struct Feature<'a> {
    pub number: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub routing: Option<Routing>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lidb: Option<Lidb<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sms: Option<Sms<'a>>,
}

#[derive(Serialize)]
pub(super) struct Routing {
    pub gateway_id: i64,
}

#[derive(Serialize)]
pub(super) struct Lidb<'a> {
    pub name: &'a str,
}

#[derive(Serialize)]
pub(super) struct Sms<'a> {
    pub campaign_id: &'a str,
}

answer! {
#[derive(Deserialize)]
pub(super) struct AccountPortAnswer {
    pub data: Option<AccountPortData>,
}
}

#[derive(Deserialize)]
pub(super) struct AccountPortData {
    pub pid: Option<serde_json::Value>,
    pub ticket: Option<serde_json::Value>,
    pub loa_url: Option<String>,
    pub port_url: Option<String>,
    pub message: Option<String>,
}

/// `/v2/iNumbering/portOutPinUpdate/` body.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct PinUpdateRequest<'a> {
    pub apikey: &'a str,
    pub port_out_pin: PinList<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct PinList<'a> {
    pub tn_list: TnList<PinItem<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct PinItem<'a> {
    pub tn: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port_out_pin: Option<&'a str>,
}

answer! {
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct PinAnswer {
    pub port_out_pin: Option<PinAnswerList>,
}
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct PinAnswerList {
    pub tn_list: Option<PinAnswerTns>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct PinAnswerTns {
    #[serde(default)]
    pub tn_item: Vec<PinAnswerItem>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct PinAnswerItem {
    pub tn: Option<serde_json::Value>,
    pub port_out_pin: Option<serde_json::Value>,
}

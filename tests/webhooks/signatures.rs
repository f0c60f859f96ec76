//! The signer's headers, checked by the library's `verify` and by an
//! independent HMAC-SHA256; what `verify` refuses, variant by variant.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::Duration;
use hmac::{Hmac, KeyInit, Mac};
use numport::webhook::{
    HEADER_ID, HEADER_SIGNATURE, HEADER_TIMESTAMP, Signer, WebhookError, WebhookSecret, verify,
};
use reqwest::header::{HeaderMap, HeaderValue};
use sha2::Sha256;

use crate::receiver::{event, secret, t0};

/// HMAC-SHA256 over `id.timestamp.body` with the secret's base64-decoded
/// bytes, as `v1,<base64>`: computed here without numport.
fn independent_signature(secret_text: &str, id: &str, timestamp: i64, body: &[u8]) -> String {
    let key = STANDARD
        .decode(secret_text.strip_prefix("whsec_").unwrap())
        .unwrap();
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&key).unwrap();
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

#[test]
fn verify_accepts_the_signer_s_output_which_an_independent_hmac_confirms() {
    let secret_text = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
    let event = event("81234", 2);
    let body = serde_json::to_vec(&event).unwrap();
    let timestamp = t0().timestamp();
    let signed = Signer::new(secret())
        .sign(&event.id, timestamp, &body)
        .unwrap();

    assert_eq!(signed.id, event.id);
    assert_eq!(signed.timestamp, 1_772_442_000);
    assert_eq!(
        signed.signature,
        independent_signature(secret_text, &event.id, timestamp, &body)
    );
    let headers = signed.to_header_map();
    assert_eq!(headers.len(), 3);
    assert_eq!(headers[HEADER_ID], event.id.as_str());
    assert_eq!(headers[HEADER_TIMESTAMP], "1772442000");
    assert_eq!(headers[HEADER_SIGNATURE], signed.signature.as_str());

    // Received within the tolerance either way: the event back.
    for skew in [-300, 0, 300] {
        let now = t0() + Duration::seconds(skew);
        assert_eq!(verify(&secret(), &headers, &body, now).unwrap(), event);
    }
    // One of several signatures (a key being rotated) is enough.
    let mut rotated = headers.clone();
    let other = Signer::new(WebhookSecret::generate())
        .sign(&event.id, timestamp, &body)
        .unwrap();
    rotated.insert(
        HEADER_SIGNATURE,
        HeaderValue::from_str(&format!("{} {}", other.signature, signed.signature)).unwrap(),
    );
    assert_eq!(verify(&secret(), &rotated, &body, t0()).unwrap(), event);

    // The crate's published test vector.
    let vector = Signer::new(secret())
        .sign(
            "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk",
            1_649_367_553,
            br#"{"email":"test@example.com","username":"test_user"}"#,
        )
        .unwrap();
    assert_eq!(
        vector.signature,
        "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw="
    );
}

#[test]
fn tampered_stale_early_or_foreign_webhooks_are_refused_by_variant() {
    let event = event("81234", 1);
    let body = serde_json::to_vec(&event).unwrap();
    let signer = Signer::new(secret());
    let at = |seconds: i64| {
        signer
            .sign(&event.id, t0().timestamp() + seconds, &body)
            .unwrap()
            .to_header_map()
    };

    // A body changed after signing.
    let mut tampered = body.clone();
    let at_digit = tampered.iter().position(|b| *b == b'1').unwrap();
    tampered[at_digit] = b'2';
    assert!(matches!(
        verify(&secret(), &at(0), &tampered, t0()),
        Err(WebhookError::BadSignature)
    ));

    // Signed 6 minutes before now, or 6 minutes ahead.
    match verify(&secret(), &at(-360), &body, t0()) {
        Err(WebhookError::TooOld {
            age_secs: 360,
            tolerance_secs: 300,
        }) => {}
        other => panic!("6 minutes old: {other:?}"),
    }
    match verify(&secret(), &at(360), &body, t0()) {
        Err(WebhookError::TooNew {
            ahead_secs: 360,
            tolerance_secs: 300,
        }) => {}
        other => panic!("6 minutes ahead: {other:?}"),
    }
    // 301 seconds is already too old.
    assert!(matches!(
        verify(&secret(), &at(-301), &body, t0()),
        Err(WebhookError::TooOld { age_secs: 301, .. })
    ));

    // Signed with another secret.
    let other = WebhookSecret::generate();
    assert!(matches!(
        verify(&other, &at(0), &body, t0()),
        Err(WebhookError::BadSignature)
    ));

    // Each header missing in turn; a timestamp that is no number.
    for name in [HEADER_ID, HEADER_TIMESTAMP, HEADER_SIGNATURE] {
        let mut headers = at(0);
        headers.remove(name);
        match verify(&secret(), &headers, &body, t0()) {
            Err(WebhookError::MissingHeader(missing)) => assert_eq!(missing, name),
            other => panic!("without {name}: {other:?}"),
        }
    }
    let mut headers = at(0);
    headers.insert(HEADER_TIMESTAMP, HeaderValue::from_static("soon"));
    assert!(matches!(
        verify(&secret(), &headers, &body, t0()),
        Err(WebhookError::InvalidHeader("webhook-timestamp"))
    ));

    // A validly signed body that is not an event; an event under another id.
    let not_event = br#"{"hello":"world"}"#;
    let headers = signer
        .sign(&event.id, t0().timestamp(), not_event)
        .unwrap()
        .to_header_map();
    assert!(matches!(
        verify(&secret(), &headers, not_event, t0()),
        Err(WebhookError::NotAnEvent(_))
    ));
    let headers = signer
        .sign("evt_other", t0().timestamp(), &body)
        .unwrap()
        .to_header_map();
    assert!(matches!(
        verify(&secret(), &headers, &body, t0()),
        Err(WebhookError::NotAnEvent(_))
    ));

    // A signature without its version, or of another version.
    let mut headers = at(0);
    let bare = headers[HEADER_SIGNATURE]
        .to_str()
        .unwrap()
        .replace("v1,", "v2,");
    headers.insert(HEADER_SIGNATURE, HeaderValue::from_str(&bare).unwrap());
    assert!(matches!(
        verify(&secret(), &headers, &body, t0()),
        Err(WebhookError::BadSignature)
    ));
    let empty = HeaderMap::new();
    assert!(matches!(
        verify(&secret(), &empty, &body, t0()),
        Err(WebhookError::MissingHeader("webhook-id"))
    ));
}

#[test]
fn secrets_are_checked_and_never_shown() {
    let secret = secret();
    assert_eq!(format!("{secret:?}"), "WebhookSecret([REDACTED])");
    assert_eq!(
        secret.expose_text(),
        "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"
    );
    let generated = WebhookSecret::generate();
    assert_eq!(
        STANDARD
            .decode(generated.expose_text().strip_prefix("whsec_").unwrap())
            .unwrap()
            .len(),
        32
    );
    for (text, problem) in [
        (
            "C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
            "it does not start with whsec_",
        ),
        ("whsec_not base64!", "what follows whsec_ is not base64"),
        ("whsec_c2hvcnQ=", "shorter than 24 bytes"),
    ] {
        match WebhookSecret::parse(text) {
            Err(WebhookError::InvalidSecret(said)) => assert_eq!(said, problem, "{text}"),
            other => panic!("{text}: {other:?}"),
        }
        let shown = WebhookSecret::parse(text).unwrap_err().to_string();
        assert!(
            !shown.contains("C2FVsBQ") && !shown.contains("c2hvcnQ"),
            "{shown}"
        );
    }
    let long = format!("whsec_{}", STANDARD.encode([7u8; 65]));
    assert!(matches!(
        WebhookSecret::parse(&long),
        Err(WebhookError::InvalidSecret("longer than 64 bytes"))
    ));
}

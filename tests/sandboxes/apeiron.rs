//! The Apeiron client against the crate's Apeiron sandbox.

use numport::carrier::apeiron::{ApeironClient, ApeironOptions};
use numport::sandbox::ApeironSandbox;
use numport::{Document, DocumentKind, Pin, PortLine, PortProvider, PortRequest, RejectReason};
use serde_json::json;

use crate::support::requests::{apeiron_request, iccid, nanp};

fn client(sandbox: &ApeironSandbox, token: &str) -> ApeironClient {
    ApeironClient::builder()
        .base_url(sandbox.base_url())
        .username(sandbox.username())
        .api_token(token)
        .build()
        .unwrap()
}

fn request(mdn: &str, serial: u32) -> PortRequest {
    apeiron_request(
        vec![PortLine::new(nanp(mdn)).with_sim(iccid(&format!("89012601234567{serial:05}")))],
        "90210",
    )
}

#[tokio::test]
async fn json_and_multipart_ports_are_accepted() {
    let sandbox = ApeironSandbox::start().await.unwrap();
    let client = client(&sandbox, sandbox.api_token());

    let json_port = client.submit(&request("2125550134", 1)).await.unwrap();
    assert_eq!(json_port.orders[0].id.as_str(), "50001");
    assert_eq!(
        json_port.orders[0].raw,
        json!({"id": 50001, "mdn": "2125550134", "status": "pending", "documents": []})
    );

    let with_loa = request("2125550135", 2).with_document(Document::new(
        DocumentKind::LetterOfAuthorization,
        "loa.pdf",
        "application/pdf",
        b"%PDF-1.4".to_vec(),
    ));
    let multipart = client.submit(&with_loa).await.unwrap();
    assert_eq!(multipart.orders[0].raw["documents"], json!(["loa"]));
    assert_eq!(sandbox.accepted(), ["2125550134", "2125550135"]);
}

#[tokio::test]
async fn each_documented_rejection_has_a_trigger() {
    let sandbox = ApeironSandbox::start().await.unwrap();
    let client = client(&sandbox, sandbox.api_token());
    client.submit(&request("2125550140", 10)).await.unwrap();

    let mut address = request("2125550141", 11);
    address
        .subscriber
        .as_mut()
        .unwrap()
        .address
        .as_mut()
        .unwrap()
        .postal_code = "00000".into();
    let used_sim = request("2125550142", 10);
    let mut pin = request("2125550143", 13);
    pin.pin = Some(Pin::new("0000").unwrap());
    let inactive = request("2125550000", 14);
    let pending = request("2125550140", 15);
    let plan = request("2125550144", 16).with_apeiron(ApeironOptions::new("UTT99"));

    let cases = [
        (address, RejectReason::AddressMismatch),
        (used_sim, RejectReason::InvalidIccid),
        (pin, RejectReason::IncorrectPin),
        (inactive, RejectReason::MdnInactive),
        (pending, RejectReason::MdnInactive),
        (plan, RejectReason::PlanInvalid),
    ];
    for (request, reason) in cases {
        let err = client.submit(&request).await.unwrap_err();
        assert_eq!(err.reject_reason(), Some(reason), "{err}");
    }
    assert_eq!(sandbox.requests(), 7);
}

#[tokio::test]
async fn wrong_credentials_are_refused() {
    let sandbox = ApeironSandbox::start().await.unwrap();
    let err = client(&sandbox, "wrong")
        .submit(&request("2125550150", 20))
        .await
        .unwrap_err();
    assert!(err.is_auth(), "{err:?}");
    assert_eq!(err.carrier_message(), Some("Invalid username/password."));
}

//! The iNumbering client against the crate's iNumbering sandbox.

use chrono::{Days, Utc};
use std::time::Duration;

use futures::StreamExt;
use numport::carrier::inumbering::{
    EndUser, INumberingClient, INumberingOptions, NameType, PinUpdate, PortInItem, PortInOrder,
    StreetParts,
};
use numport::sandbox::INumberingSandbox;
use numport::{
    AccountNumber, Error, PhoneNumber, Pin, PortLine, PortProvider, PortProviderExt, PortRequest,
    PortStatus, WatchOptions,
};

use crate::support::requests::us_request;

fn client(sandbox: &INumberingSandbox, username: u64, admin: bool) -> INumberingClient {
    INumberingClient::builder()
        .base_url(sandbox.base_url())
        .username(username)
        .password(sandbox.password())
        .admin(admin)
        .build()
        .unwrap()
}

fn number(n: &str) -> PhoneNumber {
    PhoneNumber::nanp(n).unwrap()
}

fn request(n: &str) -> PortRequest {
    us_request(vec![PortLine::new(number(n))]).with_desired_date(
        Utc::now()
            .date_naive()
            .checked_add_days(Days::new(7))
            .unwrap(),
    )
}

#[tokio::test]
async fn a_customer_port_moves_on_as_it_is_polled() {
    let sandbox = INumberingSandbox::start().await.unwrap();
    let client = client(&sandbox, sandbox.username(), false);
    let submission = client.submit(&request("3125550142")).await.unwrap();
    let id = submission.orders[0].id.clone();
    let mut seen = Vec::new();
    for _ in 0..6 {
        let order = client.order(&id).await.unwrap();
        seen.push((
            order.status,
            order.carrier_status.name.clone(),
            order.port_date.is_some(),
        ));
    }
    let want = [
        (PortStatus::Received, "submitted", false),
        (PortStatus::Submitted, "Validating", false),
        (PortStatus::Submitted, "Pending", false),
        (PortStatus::Scheduled, "Pending", true),
        (PortStatus::Complete, "Complete", true),
        (PortStatus::Complete, "Complete", true),
    ]
    .map(|(s, n, f)| (s, n.to_owned(), f));
    assert_eq!(seen, want);
    assert_eq!(sandbox.exchanges(), 1);
    // A customer order goes to account/port without the admin-only check.
    assert_eq!(
        &sandbox.requests()[..2],
        ["/v2.2/account/apikey", "/v2.2/account/port"]
    );
}

#[tokio::test]
async fn a_number_that_is_not_portable_is_never_ordered() {
    let sandbox = INumberingSandbox::start().await.unwrap();
    let client = client(&sandbox, sandbox.username(), false);
    let err = client
        .submit(
            &request("3125550000")
                .with_inumbering(INumberingOptions::new().with_portability_check(true)),
        )
        .await
        .unwrap_err();
    assert_eq!(
        err.reject_reason(),
        Some(numport::RejectReason::NotPortable)
    );
    assert!(!sandbox.requests().iter().any(|p| p == "/v2.2/account/port"));
}

fn admin_order(tn: &str) -> PortInOrder {
    let mut street = StreetParts::new("233", "Wacker", "DR");
    street.prefix = "S".into();
    let end_user = EndUser {
        name: "Maria Lopez".into(),
        street,
        city: "Chicago".into(),
        state: "IL".into(),
        postal_code: "60606".into(),
        type_of_service: NameType::Residential,
    };
    PortInOrder {
        desired_due_date: Utc::now().date_naive(),
        items: vec![PortInItem {
            tn: number(tn),
            atn: number(tn),
            account_number: AccountNumber::new("5512098734").unwrap(),
            account_pin: None,
            auth_name: "Maria Lopez".into(),
            end_user,
            calling_name: Some("MARIA LOPEZ".into()),
        }],
    }
}

#[tokio::test]
async fn port_in_order_is_for_administrators_and_needs_a_fresh_check() {
    let sandbox = INumberingSandbox::start().await.unwrap();
    let admin = client(&sandbox, sandbox.admin_username(), true);
    let unchecked = admin
        .port_in_order(&admin_order("3125550150"))
        .await
        .unwrap_err();
    assert!(
        matches!(unchecked, Error::Precondition { .. }),
        "{unchecked:?}"
    );

    let submission = admin.submit(&request("3125550150")).await.unwrap();
    // The id is the status record's, linked to the orderId iNumbering gave.
    let pid = sandbox
        .pid_of_order(102_644)
        .expect("the sandbox made order 102644");
    assert_eq!(submission.orders[0].id.as_str(), pid);
    assert_eq!(submission.orders[0].raw["orderId"], "102644");

    let customer = client(&sandbox, sandbox.username(), true);
    let refused = customer.submit(&request("3125550151")).await.unwrap_err();
    assert!(
        refused.is_auth() && refused.status() == Some(403),
        "{refused:?}"
    );
}

#[tokio::test]
async fn the_exchange_is_rate_limited_and_balance_is_checked() {
    let sandbox = INumberingSandbox::start().await.unwrap();
    for _ in 0..6 {
        client(&sandbox, sandbox.username(), false)
            .port_status()
            .await
            .unwrap();
    }
    let err = client(&sandbox, sandbox.username(), false)
        .port_status()
        .await
        .unwrap_err();
    assert!(err.is_rate_limited(), "{err:?}");

    let sandbox = INumberingSandbox::start().await.unwrap();
    sandbox.set_balance(100);
    let err = client(&sandbox, sandbox.username(), false)
        .submit(&request("3125550160"))
        .await
        .unwrap_err();
    assert_eq!(
        err.reject_reason(),
        Some(numport::RejectReason::InsufficientBalance)
    );
}

#[tokio::test]
async fn pins_come_back_for_the_accounts_numbers_only() {
    let sandbox = INumberingSandbox::start().await.unwrap();
    let client = client(&sandbox, sandbox.username(), false);
    let assigned = client
        .port_out_pin_update(&[
            PinUpdate::set(number("3125550101"), Pin::new("4826").unwrap()),
            PinUpdate::generate(number("3125550102")),
            PinUpdate::generate(number("2125550199")),
        ])
        .await
        .unwrap();
    assert_eq!(assigned.len(), 2);
    assert_eq!(assigned[0].number, number("3125550101"));
    assert_eq!(assigned[0].pin.expose(), "4826");
    let generated: u32 = assigned[1].pin.expose().parse().unwrap();
    assert!((1000..=9999).contains(&generated));
}

#[tokio::test]
async fn a_rotated_key_is_exchanged_again() {
    let sandbox = INumberingSandbox::start().await.unwrap();
    let client = client(&sandbox, sandbox.username(), false);
    client.port_status().await.unwrap();
    sandbox.rotate_keys();
    client.port_status().await.unwrap();
    assert_eq!(client.exchanges(), 2);
}

fn fast_watch() -> WatchOptions {
    WatchOptions::default().with_intervals(Duration::from_millis(1), Duration::from_millis(2))
}

#[tokio::test]
async fn an_admin_order_is_followed_from_submission_to_completion() {
    let sandbox = INumberingSandbox::start().await.unwrap();
    let admin = client(&sandbox, sandbox.admin_username(), true);
    let submission = admin.submit(&request("3125550170")).await.unwrap();
    let id = submission.orders[0].id.clone();

    let seen: Vec<PortStatus> = admin
        .watch(&id, fast_watch())
        .map(|c| c.unwrap().to)
        .collect()
        .await;

    assert_eq!(seen.last(), Some(&PortStatus::Complete), "{seen:?}");
    assert!(seen.contains(&PortStatus::Scheduled), "{seen:?}");
}

#[tokio::test]
async fn an_admin_order_id_is_found_even_when_its_record_came_late() {
    let sandbox = INumberingSandbox::start().await.unwrap();
    let admin = client(&sandbox, sandbox.admin_username(), true);
    // The status read right after the order fails: the orderId is returned
    // and linked on the next read.
    sandbox.storage_errors(4);
    let submission = admin.submit(&request("3125550171")).await.unwrap();
    let id = submission.orders[0].id.clone();
    assert_eq!(id.as_str(), "102644");
    let order = admin.order(&id).await.unwrap();
    assert_eq!(order.id, id);
    assert_eq!(order.carrier_status.name, "submitted");
}

#[tokio::test]
async fn a_storage_error_on_port_status_is_retried_and_ridden_out_by_watch() {
    let sandbox = INumberingSandbox::start().await.unwrap();
    let client = client(&sandbox, sandbox.username(), false);
    let id = client.submit(&request("3125550172")).await.unwrap().orders[0]
        .id
        .clone();

    sandbox.storage_errors(2);
    let order = client.order(&id).await.unwrap();
    assert_eq!(order.status, PortStatus::Received);

    sandbox.storage_errors(3);
    let last = client
        .watch(&id, fast_watch())
        .map(|c| c.unwrap().to)
        .collect::<Vec<_>>()
        .await;
    assert_eq!(last.last(), Some(&PortStatus::Complete));

    // Typed as the carrier's transient trouble, not a refusal of fields.
    sandbox.storage_errors(10);
    let err = client.order(&id).await.unwrap_err();
    assert!(
        matches!(err, Error::CarrierUnavailable { status: 409, .. }),
        "{err:?}"
    );
    assert!(err.is_retryable());
}

#[tokio::test]
async fn the_losing_carriers_rejection_reaches_the_order_and_its_events() {
    let sandbox = INumberingSandbox::start().await.unwrap();
    let client = client(&sandbox, sandbox.username(), false);
    let id = client.submit(&request("3125554444")).await.unwrap().orders[0]
        .id
        .clone();
    let mut events = Vec::new();
    let mut stream = client.watch(&id, fast_watch());
    // The order stays open (the caller must act): stop at the first event
    // asking for action, within a bound.
    let reading = async {
        while let Some(change) = stream.next().await {
            let change = change.unwrap();
            let done = change.to == PortStatus::ActionRequired;
            events.push(change);
            if done {
                break;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(10), reading)
        .await
        .expect("the rejection shows within ten seconds");
    let last = events.last().unwrap();
    assert_eq!(last.to, PortStatus::ActionRequired, "{events:?}");
    let message = last.message.as_deref().unwrap_or_default();
    assert!(
        message.contains("Rejected by the losing carrier"),
        "{message}"
    );
    assert_eq!(last.order.message.as_deref(), Some(message));
}

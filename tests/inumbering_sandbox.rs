//! The iNumbering client against the crate's iNumbering sandbox.

use chrono::{Days, Utc};
use numport::carrier::inumbering::{
    EndUser, INumberingClient, NameType, PinUpdate, PortInItem, PortInOrder, StreetParts,
};
use numport::sandbox::INumberingSandbox;
use numport::{
    AccountNumber, Address, Error, PhoneNumber, Pin, PortLine, PortProvider, PortRequest,
    PortStatus, Subscriber,
};

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
    PortRequest::new(vec![PortLine::new(number(n))])
        .with_subscriber(Subscriber::new("Maria", "Lopez").with_address(Address::new(
            "233 S Wacker Dr",
            "Chicago",
            "IL",
            "60606",
            "US",
        )))
        .with_authorization_name("Maria Lopez")
        .with_losing_account(
            AccountNumber::new("5512098734").unwrap(),
            Pin::new("7731").unwrap(),
        )
        .with_desired_date(
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
    assert_eq!(
        &sandbox.requests()[..3],
        [
            "/v2.2/account/apikey",
            "/v2/iNumbering/portInAvailability/",
            "/v2.2/account/port"
        ]
    );
}

#[tokio::test]
async fn a_number_that_is_not_portable_is_never_ordered() {
    let sandbox = INumberingSandbox::start().await.unwrap();
    let client = client(&sandbox, sandbox.username(), false);
    let err = client.submit(&request("3125550000")).await.unwrap_err();
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
    assert_eq!(submission.orders[0].id.as_str(), "102644");

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

//! Every check of every carrier runs before the first request of the
//! operation, token grant and key exchange included: each invalid field fed
//! through `PortProvider::submit` is an `Error::Validation` naming exactly
//! that field, and the server receives nothing.

use numport::BulkOptions;
use numport::carrier::apeiron::{ApeironClient, ApeironOptions, E911Address};
use numport::carrier::cellhire::CellhireOptions;
use numport::carrier::inumbering::{INumberingClient, INumberingOptions, NameType, StreetParts};
use numport::{
    Address, Error, Iccid, Pac, PhoneNumber, PortLine, PortProvider, PortRequest, Subscriber,
};
use wiremock::MockServer;

use crate::support::cellhire as common;
use crate::support::requests::{self, cellhire_options, iccid, us_request};

const BELL: &str = "\u{7}";

fn long() -> String {
    "x".repeat(256)
}

fn nanp(n: &str) -> PhoneNumber {
    PhoneNumber::nanp(n).unwrap()
}

/// Submits each case and asserts the exact fields refused and that the
/// server saw no request at all.
async fn assert_refused(
    carrier: &dyn PortProvider,
    server: &MockServer,
    cases: Vec<(&str, PortRequest, Vec<&str>)>,
) {
    for (label, request, fields) in cases {
        let err = carrier.submit(&request).await.unwrap_err();
        assert!(
            matches!(err, Error::Validation(_)),
            "{label}: expected a validation error, got {err:?}"
        );
        assert!(err.is_never_sent(), "{label}");
        let got: Vec<&str> = err
            .field_errors()
            .iter()
            .map(|f| f.field.as_str())
            .collect();
        assert_eq!(got, fields, "{label}: {err}");
        assert!(
            server.received_requests().await.unwrap().is_empty(),
            "{label}: a request reached the server"
        );
    }
}

// ---------------------------------------------------------------- Cellhire

fn cellhire_line(n: u32) -> PortLine {
    PortLine::new(PhoneNumber::parse(&format!("+44770090{n:04}")).unwrap())
        .with_sim(Iccid::with_check_digit(&format!("894410003012{n:07}")).unwrap())
        .with_pac(Pac::new("ABC123456").unwrap())
}

fn cellhire_request() -> PortRequest {
    PortRequest::new(vec![cellhire_line(1), cellhire_line(2)])
        .with_cellhire(cellhire_options("Fleet batch 7"))
}

fn cellhire_with(edit: impl FnOnce(&mut CellhireOptions)) -> PortRequest {
    let mut request = cellhire_request();
    edit(request.cellhire.as_mut().unwrap());
    request
}

#[tokio::test]
async fn cellhire_refuses_every_invalid_field_before_the_token_grant() {
    // OAuth2 client credentials against the mock: a grant would show.
    let t = common::setup_oauth().await;
    let mut no_sim = cellhire_request();
    no_sim.lines[0].sim = None;
    let mut no_pac = cellhire_request();
    no_pac.lines[1].pac = None;
    let mut twice = cellhire_request();
    twice.lines.push(cellhire_line(1));
    let mut no_options = cellhire_request();
    no_options.cellhire = None;
    let cases = vec![
        (
            "name with a control character",
            cellhire_with(|o| o.name = format!("Fleet{BELL}7")),
            vec!["cellhire.name"],
        ),
        (
            "name over 255 characters",
            cellhire_with(|o| o.name = long()),
            vec!["cellhire.name"],
        ),
        (
            "empty name",
            cellhire_with(|o| o.name = "  ".into()),
            vec!["cellhire.name"],
        ),
        (
            "group name with a control character",
            cellhire_with(|o| o.group_name = Some(format!("G{BELL}"))),
            vec!["cellhire.group_name"],
        ),
        (
            "group name over 255 characters",
            cellhire_with(|o| o.group_name = Some(long())),
            vec!["cellhire.group_name"],
        ),
        (
            "provisioning order name with a control character",
            cellhire_with(|o| {
                o.provisioning_order = None;
                o.provisioning_order_name = Some(format!("PO{BELL}"));
            }),
            vec!["cellhire.provisioning_order_name"],
        ),
        (
            "provisioning order name over 255 characters",
            cellhire_with(|o| {
                o.provisioning_order = None;
                o.provisioning_order_name = Some(long());
            }),
            vec!["cellhire.provisioning_order_name"],
        ),
        (
            "no provisioning order",
            cellhire_with(|o| o.provisioning_order = None),
            vec!["cellhire.provisioning_order"],
        ),
        ("no SIM", no_sim, vec!["lines[0].sim"]),
        ("no PAC", no_pac, vec!["lines[1].pac"]),
        ("a number twice", twice, vec!["lines[2].number"]),
        (
            "no lines",
            PortRequest::new(vec![]),
            vec!["lines", "cellhire"],
        ),
        ("no Cellhire options", no_options, vec!["cellhire"]),
    ];
    assert_refused(&t.client, &t.server, cases).await;
}

// ----------------------------------------------------------------- Apeiron

fn apeiron_client(server: &MockServer) -> ApeironClient {
    ApeironClient::builder()
        .base_url(server.uri())
        .username("ops@example.com")
        .api_token("tok-apeiron-0001")
        .build()
        .unwrap()
}

fn apeiron_request() -> PortRequest {
    requests::apeiron_request(
        vec![PortLine::new(nanp("2125550134")).with_sim(iccid("8901260123456700001"))],
        "90210",
    )
}

fn apeiron_with(edit: impl FnOnce(&mut PortRequest)) -> PortRequest {
    let mut request = apeiron_request();
    edit(&mut request);
    request
}

fn subscriber(request: &mut PortRequest) -> &mut Subscriber {
    request.subscriber.as_mut().unwrap()
}

fn address(request: &mut PortRequest) -> &mut Address {
    subscriber(request).address.as_mut().unwrap()
}

#[tokio::test]
async fn apeiron_refuses_every_invalid_field_before_sending() {
    let server = common::server().await;
    let client = apeiron_client(&server);
    let cases = vec![
        (
            "first name with a control character",
            apeiron_with(|r| subscriber(r).first_name = format!("Jo{BELL}hn")),
            vec!["subscriber.first_name"],
        ),
        (
            "last name over 255 characters",
            apeiron_with(|r| subscriber(r).last_name = long()),
            vec!["subscriber.last_name"],
        ),
        (
            "empty first name",
            apeiron_with(|r| subscriber(r).first_name = String::new()),
            vec!["subscriber.first_name"],
        ),
        (
            "business name with a control character",
            apeiron_with(|r| subscriber(r).business_name = Some(format!("Acme{BELL}"))),
            vec!["subscriber.business_name"],
        ),
        (
            "street with a control character",
            apeiron_with(|r| address(r).line1 = format!("123 Main{BELL} St")),
            vec!["subscriber.address.line1"],
        ),
        (
            "second line over 255 characters",
            apeiron_with(|r| address(r).line2 = Some(long())),
            vec!["subscriber.address.line2"],
        ),
        (
            "city over 255 characters",
            apeiron_with(|r| address(r).city = long()),
            vec!["subscriber.address.city"],
        ),
        (
            "not a state",
            apeiron_with(|r| address(r).state = "XX".into()),
            vec!["subscriber.address.state"],
        ),
        (
            "not a ZIP",
            apeiron_with(|r| address(r).postal_code = "9021".into()),
            vec!["subscriber.address.postal_code"],
        ),
        (
            "authorization name with a control character",
            apeiron_with(|r| r.authorization_name = Some(format!("John{BELL}Doe"))),
            vec!["authorization_name"],
        ),
        (
            "authorization name over 255 characters",
            apeiron_with(|r| r.authorization_name = Some(long())),
            vec!["authorization_name"],
        ),
        (
            "no authorization name",
            apeiron_with(|r| r.authorization_name = None),
            vec!["authorization_name"],
        ),
        (
            "reference with a control character",
            apeiron_with(|r| r.reference = Some(format!("ref{BELL}"))),
            vec!["reference"],
        ),
        (
            "service plan over 255 characters",
            apeiron_with(|r| r.apeiron = Some(ApeironOptions::new(long()))),
            vec!["apeiron.service_plan"],
        ),
        (
            "ticket id with a control character",
            apeiron_with(|r| {
                r.apeiron = Some(ApeironOptions::new("UTT5GB").with_ticket_id(format!("T{BELL}")))
            }),
            vec!["apeiron.ticket_id"],
        ),
        (
            "E911 city with a control character",
            apeiron_with(|r| {
                r.apeiron = Some(ApeironOptions::new("UTT5GB").with_e911(E911Address::new(
                    "1 Main St",
                    format!("Any{BELL}town"),
                    "CA",
                    "90210",
                )))
            }),
            vec!["apeiron.e911.city"],
        ),
        (
            "no SIM",
            apeiron_with(|r| r.lines[0].sim = None),
            vec!["lines[0].sim"],
        ),
        (
            "not a NANP number",
            apeiron_with(|r| r.lines[0].number = PhoneNumber::parse("+447700900123").unwrap()),
            vec!["lines[0].number"],
        ),
        ("no PIN", apeiron_with(|r| r.pin = None), vec!["pin"]),
        (
            "no Apeiron options",
            apeiron_with(|r| r.apeiron = None),
            vec!["apeiron"],
        ),
    ];
    assert_refused(&client, &server, cases).await;
}

// -------------------------------------------------------------- iNumbering

fn inumbering_client(server: &MockServer, admin: bool) -> INumberingClient {
    INumberingClient::builder()
        .base_url(server.uri())
        .username(1234567890)
        .password("abc1234567")
        .admin(admin)
        .build()
        .unwrap()
}

fn inumbering_request() -> PortRequest {
    us_request(vec![PortLine::new(nanp("3125550142"))])
        .with_desired_date("2026-06-01".parse().unwrap())
}

fn inumbering_with(edit: impl FnOnce(&mut PortRequest)) -> PortRequest {
    let mut request = inumbering_request();
    edit(&mut request);
    request
}

fn street(edit: impl FnOnce(&mut StreetParts)) -> INumberingOptions {
    let mut parts = StreetParts::new("233", "Wacker", "DR");
    parts.prefix = "S".into();
    edit(&mut parts);
    INumberingOptions::new().with_street(parts)
}

/// The cases every iNumbering client refuses, customer or admin.
fn inumbering_cases() -> Vec<(&'static str, PortRequest, Vec<&'static str>)> {
    vec![
        (
            "first name with a control character",
            inumbering_with(|r| subscriber(r).first_name = format!("Ma{BELL}ria")),
            vec!["subscriber.first_name"],
        ),
        (
            "last name over 255 characters",
            inumbering_with(|r| subscriber(r).last_name = long()),
            vec!["subscriber.last_name"],
        ),
        (
            "first and last name together over 255 characters",
            inumbering_with(|r| {
                subscriber(r).first_name = "M".repeat(200);
                subscriber(r).last_name = "L".repeat(60);
            }),
            vec!["subscriber.last_name"],
        ),
        (
            "empty name",
            inumbering_with(|r| {
                subscriber(r).first_name = String::new();
                subscriber(r).last_name = " ".into();
            }),
            vec!["subscriber.first_name"],
        ),
        (
            "business name with a control character",
            inumbering_with(|r| {
                subscriber(r).business_name = Some(format!("Acme{BELL}"));
                r.inumbering = Some(INumberingOptions::new().with_name_type(NameType::Business));
            }),
            vec!["subscriber.business_name"],
        ),
        (
            "business name over 255 characters",
            inumbering_with(|r| {
                subscriber(r).business_name = Some(long());
                r.inumbering = Some(INumberingOptions::new().with_name_type(NameType::Business));
            }),
            vec!["subscriber.business_name"],
        ),
        (
            "city with a control character",
            inumbering_with(|r| address(r).city = format!("Chi{BELL}cago")),
            vec!["subscriber.address.city"],
        ),
        (
            "city over 255 characters",
            inumbering_with(|r| address(r).city = long()),
            vec!["subscriber.address.city"],
        ),
        (
            "empty city",
            inumbering_with(|r| address(r).city = String::new()),
            vec!["subscriber.address.city"],
        ),
        (
            "ZIP with a control character",
            inumbering_with(|r| address(r).postal_code = format!("606{BELL}06")),
            vec!["subscriber.address.postal_code"],
        ),
        (
            "ZIP over 255 characters",
            inumbering_with(|r| address(r).postal_code = long()),
            vec!["subscriber.address.postal_code"],
        ),
        (
            "country with a control character",
            inumbering_with(|r| address(r).country = format!("U{BELL}S")),
            vec!["subscriber.address.country"],
        ),
        (
            "country over 255 characters",
            inumbering_with(|r| address(r).country = long()),
            vec!["subscriber.address.country"],
        ),
        (
            "second line with a control character",
            inumbering_with(|r| address(r).line2 = Some(format!("STE{BELL}200"))),
            vec!["subscriber.address.line2"],
        ),
        (
            "street line over 255 characters",
            inumbering_with(|r| address(r).line1 = format!("233 S {} Dr", "W".repeat(256))),
            vec!["subscriber.address.line1"],
        ),
        (
            "not a state",
            inumbering_with(|r| address(r).state = "Illinois".into()),
            vec!["subscriber.address.state"],
        ),
        (
            "street name with a control character",
            inumbering_with(|r| r.inumbering = Some(street(|s| s.name = format!("Wa{BELL}cker")))),
            vec!["inumbering.street.name"],
        ),
        (
            "street number over 255 characters",
            inumbering_with(|r| r.inumbering = Some(street(|s| s.number = long()))),
            vec!["inumbering.street.number"],
        ),
        (
            "empty street type",
            inumbering_with(|r| r.inumbering = Some(street(|s| s.street_type = String::new()))),
            vec!["inumbering.street.street_type"],
        ),
        (
            "not a direction",
            inumbering_with(|r| r.inumbering = Some(street(|s| s.prefix = "Q".into()))),
            vec!["inumbering.street.prefix"],
        ),
        (
            "unit with a control character",
            inumbering_with(|r| {
                r.inumbering = Some(street(|s| s.unit = Some(format!("STE{BELL}2"))))
            }),
            vec!["inumbering.street.unit"],
        ),
        (
            "authorization name with a control character",
            inumbering_with(|r| r.authorization_name = Some(format!("Maria{BELL}"))),
            vec!["authorization_name"],
        ),
        (
            "authorization name over 255 characters",
            inumbering_with(|r| r.authorization_name = Some(long())),
            vec!["authorization_name"],
        ),
        (
            "empty authorization name",
            inumbering_with(|r| r.authorization_name = Some(" ".into())),
            vec!["authorization_name"],
        ),
        (
            "caller name over 15 characters",
            inumbering_with(|r| {
                r.inumbering = Some(INumberingOptions::new().with_lidb_name("A NAME OF SIXTEEN"))
            }),
            vec!["inumbering.lidb_name"],
        ),
        (
            "not a NANP number",
            inumbering_with(|r| {
                r.lines
                    .push(PortLine::new(PhoneNumber::parse("+447700900123").unwrap()))
            }),
            vec!["lines[1].number"],
        ),
        (
            "billing number not NANP",
            inumbering_with(|r| {
                r.inumbering = Some(
                    INumberingOptions::new()
                        .with_billing_number(PhoneNumber::parse("+447700900123").unwrap()),
                )
            }),
            vec!["inumbering.billing_number"],
        ),
        (
            "no account number",
            inumbering_with(|r| r.account_number = None),
            vec!["account_number"],
        ),
        (
            "a number twice",
            inumbering_with(|r| r.lines.push(PortLine::new(nanp("3125550142")))),
            vec!["lines[1].number"],
        ),
    ]
}

#[tokio::test]
async fn inumbering_customer_refuses_every_invalid_field_before_the_key_exchange() {
    let server = common::server().await;
    let client = inumbering_client(&server, false);
    assert_refused(&client, &server, inumbering_cases()).await;
    assert_eq!(client.exchanges(), 0);
}

#[tokio::test]
async fn inumbering_admin_refuses_every_invalid_field_before_the_key_exchange() {
    let server = common::server().await;
    let client = inumbering_client(&server, true);
    let mut cases = inumbering_cases();
    cases.push((
        "no desired date",
        inumbering_with(|r| r.desired_date = None),
        vec!["desired_date"],
    ));
    cases.push((
        "four locations on an admin order",
        inumbering_with(|r| {
            r.inumbering = Some(street(|s| {
                s.building = Some("B".into());
                s.floor = Some("2".into());
                s.room = Some("7".into());
                s.unit = Some("STE 200".into());
            }))
        }),
        vec!["inumbering.street"],
    ));
    assert_refused(&client, &server, cases).await;
    assert_eq!(client.exchanges(), 0);
}

#[tokio::test]
async fn inumbering_submit_many_sends_nothing_when_every_request_is_invalid() {
    let server = common::server().await;
    let client = inumbering_client(&server, false);
    let requests: Vec<PortRequest> = inumbering_cases().into_iter().map(|(_, r, _)| r).collect();
    let results = client.submit_many(&requests, &BulkOptions::default()).await;
    assert_eq!(results.len(), requests.len());
    for (result, (label, _, fields)) in results.iter().zip(inumbering_cases()) {
        let err = result.as_ref().unwrap_err();
        let got: Vec<&str> = err
            .field_errors()
            .iter()
            .map(|f| f.field.as_str())
            .collect();
        assert_eq!(got, fields, "{label}");
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

//! The Cellhire client against the crate's own Cellhire sandbox: the whole
//! flow on a real HTTP server, with the sandbox's own record of what it
//! received.

use std::time::Duration;

use chrono::NaiveDate;
use futures::TryStreamExt;
use numport::carrier::cellhire::{CellhireClient, PortType, Service};
use numport::clock::ManualClock;
use numport::http::{Backoff, HttpConfig, RetryPolicy};
use numport::sandbox::{CellhireSandbox, CellhireSandboxConfig};
use numport::{
    Amendment, Error, Iccid, LineStatus, Pac, PhoneNumber, PortId, PortLine, PortProvider,
    PortRequest, PortStatus, RejectReason,
};

use crate::support::requests::cellhire_options;

/// Friday 2026-05-01: Vodafone's earliest date is Tuesday 05-05 (Monday
/// 05-04 is a bank holiday).
fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 5, 1).unwrap()
}

async fn start() -> (CellhireSandbox, CellhireClient) {
    let sandbox = CellhireSandbox::start_with(CellhireSandboxConfig::default().with_today(today()))
        .await
        .unwrap();
    let clock = std::sync::Arc::new(ManualClock::new("2026-05-01T09:00:00Z".parse().unwrap()));
    let http = HttpConfig::default().with_clock(clock).with_retry(
        RetryPolicy::default()
            .with_max_attempts(3)
            .with_backoff(
                Backoff::default()
                    .with_jitter(false)
                    .with_initial(Duration::from_millis(1))
                    .with_max(Duration::from_millis(2))
                    .with_multiplier(2.0),
            )
            .with_max_retry_after(Duration::from_secs(1)),
    );
    let client = CellhireClient::builder()
        .base_url(sandbox.base_url())
        .token_url(sandbox.token_url())
        .account_id(sandbox.account_id())
        .client_credentials(sandbox.client_id(), sandbox.client_secret())
        .http_config(http)
        .build()
        .unwrap();
    (sandbox, client)
}

fn line(n: u32, pac: &str) -> PortLine {
    PortLine::new(PhoneNumber::parse(&format!("+44770090{n:04}")).unwrap())
        .with_sim(Iccid::with_check_digit(&format!("894410003012{n:07}")).unwrap())
        .with_pac(Pac::new(pac).unwrap())
}

fn request(lines: Vec<PortLine>) -> PortRequest {
    PortRequest::new(lines)
        .with_cellhire(cellhire_options("Sandbox port").with_service(Service::new("voice", "true")))
}

async fn submit(client: &CellhireClient, req: &PortRequest) -> PortId {
    let submission = client.submit(req).await.unwrap();
    assert_eq!(submission.orders.len(), 1);
    submission.orders[0].id.clone()
}

/// The order's status and each line's carrier status name, one poll.
async fn poll(client: &CellhireClient, id: &PortId) -> (PortStatus, String, Vec<String>) {
    let order = client.order(id).await.unwrap();
    let lines = order
        .lines
        .iter()
        .map(|l| l.carrier_status.name.clone())
        .collect();
    (order.status, order.carrier_status.name, lines)
}

#[tokio::test]
async fn a_port_runs_from_creation_to_completion_with_a_pac_amended() {
    let (sandbox, client) = start().await;
    let id = submit(
        &client,
        &request(vec![line(123, "KQM482913"), line(124, "PAC12345")]),
    )
    .await;

    let order = client.order(&id).await.unwrap();
    assert_eq!(order.status, PortStatus::Received);
    assert_eq!(
        order.port_date,
        Some(NaiveDate::from_ymd_opt(2026, 5, 5).unwrap())
    );
    assert_eq!(order.name.as_deref(), Some("Sandbox port"));

    let order = client.order(&id).await.unwrap();
    assert_eq!(order.status, PortStatus::ActionRequired);
    let failed: Vec<_> = order.lines_needing_action().collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].msisdn, "07700900124");
    assert_eq!(failed[0].status, LineStatus::ActionRequired);
    // The sandbox echoes the PAC; the crate keeps the message without it.
    assert_eq!(
        failed[0].message.as_deref(),
        Some("PAC check failed: [REDACTED] is not a valid PAC for this number")
    );
    // Still waiting while the PAC is wrong.
    assert_eq!(
        poll(&client, &id).await,
        (
            PortStatus::ActionRequired,
            "PacCheckFailed".into(),
            vec!["PacValid".into(), "PacInvalid".into()]
        )
    );

    let fix = Amendment::new().new_pac(
        PhoneNumber::parse("+447700900124").unwrap(),
        Pac::new("RTN551204").unwrap(),
    );
    client.amend(&id, &fix).await.unwrap();

    let mut seen = Vec::new();
    for _ in 0..10 {
        let (status, name, _) = poll(&client, &id).await;
        seen.push((status, name));
        if status.is_terminal() {
            break;
        }
    }
    let expected: Vec<(PortStatus, String)> = [
        (PortStatus::ActionRequired, "PacCheckFailed"),
        (PortStatus::Submitted, "Submitted"),
        (PortStatus::Scheduled, "Locked"),
        (PortStatus::Ported, "Ported"),
        (PortStatus::Provisioning, "Create RA"),
        (PortStatus::Provisioning, "Awaiting RA"),
        (PortStatus::Provisioning, "Create Configuration"),
        (PortStatus::Provisioning, "Awaiting Configuration"),
        (PortStatus::Complete, "Complete"),
    ]
    .into_iter()
    .map(|(s, n)| (s, n.to_owned()))
    .collect();
    assert_eq!(seen, expected);
    let done = client.order(&id).await.unwrap();
    assert!(done.lines.iter().all(|l| l.status == LineStatus::Complete));
    // One token served every call.
    assert_eq!(sandbox.token_grants(), 1);
}

#[tokio::test]
async fn stock_and_open_ports_are_refused_with_typed_reasons() {
    let (sandbox, client) = start().await;
    let err = client
        .submit(&request(vec![line(999, "KQM482913")]))
        .await
        .unwrap_err();
    assert_eq!(err.reject_reason(), Some(RejectReason::AlreadyInStock));
    assert_eq!(
        err.carrier_message(),
        Some("The following MSISDN's already exists on our stock records: 07700900999")
    );

    let id = submit(&client, &request(vec![line(130, "KQM482913")])).await;
    let again = client
        .submit(&request(vec![line(130, "KQM482913")]))
        .await
        .unwrap_err();
    assert_eq!(again.reject_reason(), Some(RejectReason::DuplicatePort));

    // Once cancelled, the number may be booked again.
    client.cancel(&id).await.unwrap();
    assert_eq!(
        sandbox.port_status(id.as_str()).as_deref(),
        Some("Cancelled")
    );
    submit(&client, &request(vec![line(130, "KQM482913")])).await;
}

#[tokio::test]
async fn cancel_follows_the_documented_rules() {
    let (sandbox, client) = start().await;
    let id = submit(&client, &request(vec![line(140, "KQM482913")])).await;
    // The first poll sees Created; the PAC check then submits it.
    assert_eq!(poll(&client, &id).await.0, PortStatus::Received);
    assert_eq!(
        sandbox.port_status(id.as_str()).as_deref(),
        Some("Submitted")
    );
    client.cancel(&id).await.unwrap();
    // Cancelling a submitted port takes a poll.
    assert_eq!(poll(&client, &id).await.0, PortStatus::Submitted);
    assert_eq!(poll(&client, &id).await.0, PortStatus::Cancelled);

    let locked = submit(&client, &request(vec![line(141, "KQM482913")])).await;
    for _ in 0..2 {
        poll(&client, &locked).await;
    }
    assert_eq!(
        sandbox.port_status(locked.as_str()).as_deref(),
        Some("Locked")
    );
    let err = client.cancel(&locked).await.unwrap_err();
    assert!(matches!(err, Error::InvalidState { .. }), "{err:?}");
    assert_eq!(
        err.carrier_message(),
        Some("Conflict: The port is Locked; a port can only be cancelled before it is Locked")
    );
}

#[tokio::test]
async fn listing_walks_every_page() {
    let (sandbox, client) = start().await;
    let mut ids = Vec::new();
    for n in 0..5 {
        ids.push(submit(&client, &request(vec![line(150 + n, "KQM482913")])).await);
    }
    let listed: Vec<PortId> = client
        .list_ports(2)
        .map_ok(|s| s.id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(listed, ids);
    let pages: Vec<_> = sandbox
        .api_requests()
        .into_iter()
        .filter(|(m, p)| m == "GET" && p == "/api/porting/40001")
        .collect();
    assert_eq!(pages.len(), 3);
}

#[tokio::test]
async fn reads_retry_through_transient_failures_and_creates_do_not() {
    let (sandbox, client) = start().await;
    client.networks().await.unwrap();

    let id = submit(&client, &request(vec![line(160, "KQM482913")])).await;
    sandbox.fail_next(2, 503);
    assert_eq!(
        client.order(&id).await.unwrap().status,
        PortStatus::Received
    );

    let before = sandbox.api_requests().len();
    sandbox.fail_next(1, 503);
    let err = client
        .submit(&request(vec![line(161, "KQM482913")]))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(503));
    // Exactly one create reached the server: a create is never resent.
    let creates = sandbox.api_requests()[before..]
        .iter()
        .filter(|(m, _)| m == "POST")
        .count();
    assert_eq!(creates, 1);
}

#[tokio::test]
async fn a_revoked_token_is_replaced_once() {
    let (sandbox, client) = start().await;
    client.networks().await.unwrap();
    sandbox.revoke_tokens();
    let id = submit(&client, &request(vec![line(170, "KQM482913")])).await;
    client.order(&id).await.unwrap();
    assert_eq!(sandbox.token_grants(), 2);
}

#[tokio::test]
async fn the_sandbox_checks_what_cellhire_checks() {
    let (_sandbox, client) = start().await;
    // Orange (France) takes no eSIM: the client refuses it first, by field.
    let mut esim = request(vec![line(180, "84E046866KO2")]);
    esim.lines[0].esim = true;
    let options = esim.cellhire.as_mut().unwrap();
    options.target_network_id = 4;
    options.source_network_id = 34;
    let err = client.submit(&esim).await.unwrap_err();
    let fields: Vec<_> = err
        .field_errors()
        .iter()
        .map(|f| f.field.as_str())
        .collect();
    assert_eq!(fields, ["lines[0].esim"]);

    // Straight to the wire, the sandbox refuses it too, naming the rows.
    let create = numport::carrier::cellhire::CreatePort {
        name: "direct".into(),
        target_network_id: 4,
        source_network_id: 34,
        connection_date: NaiveDate::from_ymd_opt(2026, 5, 2).unwrap(),
        port_type: PortType::PortIn,
        rows: Vec::new(),
    };
    let err = client.create_port(&create).await.unwrap_err();
    assert!(err.is_validation(), "{err:?}");
}

//! The document's rules, checked before anything is sent: invalid input
//! sends no request at all, and a request that breaks a network rule sends
//! only Get Porting Networks, never Create Port.

use numport::carrier::cellhire::{CellhireOptions, CreatePort, PortType, RowUpdate};
use numport::{
    Amendment, Error, FieldError, Iccid, Pac, PortId, PortLine, PortProvider, PortRequest,
};
use serde_json::json;
use wiremock::Mock;
use wiremock::matchers::{method, path};

use common::{
    CREATED_ID, Seen, api_path, assert_requests, date, doc_create, doc_create_body, json,
    mount_create, mount_networks, number, port_id, setup,
};

use crate::support::cellhire as common;

/// Asserts `err` is a validation error with exactly these problems.
fn assert_invalid(err: &Error, want: &[(&str, &str)]) {
    assert!(err.is_validation(), "expected Validation, got {err:?}");
    assert!(err.is_never_sent());
    let want: Vec<FieldError> = want.iter().map(|(f, p)| FieldError::new(*f, *p)).collect();
    assert_eq!(err.field_errors(), want);
}

/// The field names of a validation error, in order.
fn fields(err: &Error) -> Vec<&str> {
    assert!(err.is_validation(), "expected Validation, got {err:?}");
    err.field_errors()
        .iter()
        .map(|f| f.field.as_str())
        .collect()
}

fn long(n: usize) -> String {
    "x".repeat(n)
}

/// A valid trait request: two UK lines to Vodafone (1) from O2 (5).
fn request_with(options: CellhireOptions) -> PortRequest {
    PortRequest::new(vec![
        PortLine::new(number("+447700900123"))
            .with_sim(Iccid::with_check_digit("8944500102030405060").unwrap())
            .with_pac(Pac::new("ABC123456").unwrap()),
        PortLine::new(number("+447700900124"))
            .with_sim(Iccid::with_check_digit("8944500102030405061").unwrap())
            .with_pac(Pac::new("XYZ654321").unwrap()),
    ])
    .with_cellhire(options)
}

fn options() -> CellhireOptions {
    CellhireOptions::new("Fleet batch 7", 1, 5, 102344).with_provisioning_order(3630)
}

// ------------------------------------------------- Create Port, no request

#[tokio::test]
async fn a_row_without_any_provisioning_order_sends_nothing() {
    let t = setup().await;
    let mut create = doc_create();
    create.rows[0].provisioning_order = None;
    create.rows[0].provisioning_order_name = None;

    let err = t.client.create_port(&create).await.unwrap_err();

    assert_invalid(
        &err,
        &[(
            "rows[0].provisioning_order",
            "or provisioning_order_name must be given (Cellhire needs at least one)",
        )],
    );
    assert_requests(&t.server, &[]).await;
}

#[tokio::test]
async fn a_name_of_256_characters_sends_nothing() {
    let t = setup().await;
    let mut create = doc_create();
    create.name = long(256);

    let err = t.client.create_port(&create).await.unwrap_err();

    assert_invalid(&err, &[("name", "is longer than 255 characters")]);
    assert_requests(&t.server, &[]).await;
}

#[tokio::test]
async fn names_of_exactly_255_characters_are_sent() {
    let t = setup().await;
    mount_networks(&t.server).await;
    mount_create(&t.server, json(201, &json!(CREATED_ID))).await;
    let mut create = doc_create();
    create.name = long(255);
    create.rows[0].group_name = long(255);
    create.rows[0].provisioning_order_name = Some(long(255));

    let id = t.client.create_port(&create).await.unwrap();

    assert_eq!(id, port_id(CREATED_ID));
    let mut body = doc_create_body();
    body["name"] = json!(long(255));
    body["rows"][0]["groupName"] = json!(long(255));
    body["rows"][0]["provisioningOrderName"] = json!(long(255));
    assert_requests(
        &t.server,
        &[Seen::networks(), Seen::api("POST", "").json(body)],
    )
    .await;
}

#[tokio::test]
async fn a_group_name_of_256_characters_sends_nothing() {
    let t = setup().await;
    let mut create = doc_create();
    create.rows[0].group_name = long(256);

    let err = t.client.create_port(&create).await.unwrap_err();

    assert_invalid(
        &err,
        &[("rows[0].group_name", "is longer than 255 characters")],
    );
    assert_requests(&t.server, &[]).await;
}

#[tokio::test]
async fn a_provisioning_order_name_of_256_characters_sends_nothing() {
    let t = setup().await;
    let mut create = doc_create();
    create.rows[0].provisioning_order_name = Some(long(256));

    let err = t.client.create_port(&create).await.unwrap_err();

    assert_invalid(
        &err,
        &[(
            "rows[0].provisioning_order_name",
            "is longer than 255 characters",
        )],
    );
    assert_requests(&t.server, &[]).await;
}

#[tokio::test]
async fn no_rows_sends_nothing() {
    let t = setup().await;
    let mut create = doc_create();
    create.rows.clear();

    let err = t.client.create_port(&create).await.unwrap_err();

    assert_invalid(&err, &[("rows", "is empty: a port needs at least one row")]);
    assert_requests(&t.server, &[]).await;
}

#[tokio::test]
async fn every_static_problem_is_reported_at_once() {
    let t = setup().await;
    let mut create = doc_create();
    create.name = "  ".into();
    let mut twin = create.rows[0].clone();
    twin.group_name = long(256);
    twin.provisioning_order = None;
    create.rows.push(twin);

    let err = t.client.create_port(&create).await.unwrap_err();

    assert_invalid(
        &err,
        &[
            ("name", "is empty"),
            ("rows[1].group_name", "is longer than 255 characters"),
            (
                "rows[1].provisioning_order",
                "or provisioning_order_name must be given (Cellhire needs at least one)",
            ),
            ("rows[1].msisdn", "+447700900123 appears twice"),
        ],
    );
    assert_requests(&t.server, &[]).await;
}

// ----------------------------------------------- trait submit, no request

#[tokio::test]
async fn a_trait_request_without_pac_or_sim_sends_nothing() {
    let t = setup().await;
    let request = PortRequest::new(vec![
        PortLine::new(number("+447700900123")).with_pac(Pac::new("ABC123456").unwrap()),
        PortLine::new(number("+447700900124"))
            .with_sim(Iccid::with_check_digit("8944500102030405061").unwrap()),
    ])
    .with_cellhire(options());

    let err = t.client.submit(&request).await.unwrap_err();

    assert_invalid(
        &err,
        &[
            (
                "lines[0].sim",
                "is missing: Cellhire needs the SIM serial number",
            ),
            ("lines[1].pac", "is missing: Cellhire needs the PAC"),
        ],
    );
    assert_requests(&t.server, &[]).await;
}

#[tokio::test]
async fn a_trait_request_without_cellhire_options_sends_nothing() {
    let t = setup().await;
    let mut request = request_with(options());
    request.cellhire = None;

    let err = t.client.submit(&request).await.unwrap_err();

    assert_invalid(
        &err,
        &[(
            "cellhire",
            "options are missing: set PortRequest::with_cellhire",
        )],
    );
    assert_requests(&t.server, &[]).await;
}

#[tokio::test]
async fn a_trait_request_with_bad_cellhire_options_sends_nothing() {
    let t = setup().await;
    let mut cellhire = CellhireOptions::new(long(256), 1, 5, 102344).with_group_name(long(256));
    cellhire.provisioning_order = None;
    let request = request_with(cellhire);

    let err = t.client.submit(&request).await.unwrap_err();

    assert_invalid(
        &err,
        &[
            ("cellhire.name", "is longer than 255 characters"),
            ("cellhire.group_name", "is longer than 255 characters"),
            (
                "cellhire.provisioning_order",
                "or provisioning_order_name must be given (Cellhire needs at least one)",
            ),
        ],
    );
    assert_requests(&t.server, &[]).await;
}

#[tokio::test]
async fn a_trait_request_without_lines_sends_nothing() {
    let t = setup().await;
    let request = PortRequest::new(vec![]).with_cellhire(options());

    let err = t.client.submit(&request).await.unwrap_err();

    assert_invalid(
        &err,
        &[(
            "lines",
            "is empty: a port request needs at least one number",
        )],
    );
    assert_requests(&t.server, &[]).await;
}

// ------------------------------------------------- ids, updates, paging

#[tokio::test]
async fn a_port_id_that_is_not_a_guid_sends_nothing() {
    let t = setup().await;
    let id = PortId::new("12345").unwrap();
    let problem = [("id", "12345 is not a Cellhire port id (a GUID)")];
    let provider: &dyn PortProvider = &t.client;
    let updates = [RowUpdate::Cancel {
        msisdn: number("+447700900123"),
    }];
    let amendment = Amendment::new().cancel_line(number("+447700900123"));

    assert_invalid(&t.client.port_details(&id).await.unwrap_err(), &problem);
    assert_invalid(
        &t.client.update_port(&id, &updates).await.unwrap_err(),
        &problem,
    );
    assert_invalid(&t.client.cancel_port(&id).await.unwrap_err(), &problem);
    assert_invalid(&provider.order(&id).await.unwrap_err(), &problem);
    assert_invalid(
        &provider.amend(&id, &amendment).await.unwrap_err(),
        &problem,
    );
    assert_invalid(&provider.cancel(&id).await.unwrap_err(), &problem);
    assert_requests(&t.server, &[]).await;
}

#[tokio::test]
async fn an_empty_update_or_amendment_sends_nothing() {
    let t = setup().await;
    let id = port_id(CREATED_ID);
    let provider: &dyn PortProvider = &t.client;

    let update = t.client.update_port(&id, &[]).await.unwrap_err();
    let amend = provider.amend(&id, &Amendment::new()).await.unwrap_err();

    assert_invalid(
        &update,
        &[("updates", "is empty: Update Port needs at least one row")],
    );
    assert_invalid(
        &amend,
        &[(
            "changes",
            "is empty: an amendment needs at least one change",
        )],
    );
    assert_requests(&t.server, &[]).await;
}

#[tokio::test]
async fn a_number_changed_twice_sends_nothing() {
    let t = setup().await;
    let id = port_id(CREATED_ID);
    let provider: &dyn PortProvider = &t.client;
    let updates = [
        RowUpdate::Amend {
            msisdn: number("+447700900123"),
            pac: Pac::new("ABC123456").unwrap(),
        },
        RowUpdate::Cancel {
            msisdn: number("+447700900123"),
        },
    ];
    let amendment = Amendment::new()
        .new_pac(number("+447700900123"), Pac::new("ABC123456").unwrap())
        .cancel_line(number("+447700900123"));

    let update = t.client.update_port(&id, &updates).await.unwrap_err();
    let amend = provider.amend(&id, &amendment).await.unwrap_err();

    assert_invalid(
        &update,
        &[("updates[1].msisdn", "+447700900123 is updated twice")],
    );
    assert_invalid(
        &amend,
        &[("changes[1].number", "+447700900123 is changed twice")],
    );
    assert_requests(&t.server, &[]).await;
}

#[tokio::test]
async fn a_page_size_over_fifty_or_page_zero_sends_nothing() {
    let t = setup().await;

    let too_big = t.client.list_ports_page(1, 51).await.unwrap_err();
    let zero = t.client.list_ports_page(0, 0).await.unwrap_err();

    assert_invalid(&too_big, &[("page_size", "must be 1 to 50")]);
    assert_invalid(
        &zero,
        &[("page", "starts at 1"), ("page_size", "must be 1 to 50")],
    );
    assert_requests(&t.server, &[]).await;
}

// --------------------------------------- network rules: networks GET only

/// Creates `create` and expects a validation error, with only the network
/// list read.
async fn network_rule(create: CreatePort) -> Error {
    let t = setup().await;
    mount_networks(&t.server).await;

    let err = t.client.create_port(&create).await.unwrap_err();

    assert_requests(&t.server, &[Seen::networks()]).await;
    err
}

#[tokio::test]
async fn an_esim_on_a_network_without_esims_is_refused() {
    let mut create = doc_create();
    create.target_network_id = 2; // EE: allowEsim false
    create.source_network_id = 23;
    let mut esim = create.rows[0].clone();
    esim.msisdn = number("+447700900124");
    esim.esim = true;
    create.rows.push(esim);

    let err = network_rule(create).await;

    assert_invalid(
        &err,
        &[("rows[1].esim", "is not allowed: EE takes no eSIMs")],
    );
}

#[tokio::test]
async fn a_weekend_date_is_refused() {
    let mut create = doc_create();
    create.connection_date = date("2026-05-09"); // a Saturday

    let err = network_rule(create).await;

    assert_invalid(
        &err,
        &[(
            "connection_date",
            "2026-05-09 falls on a weekend; Cellhire ports on working days only",
        )],
    );
}

#[tokio::test]
async fn a_holiday_is_refused() {
    let mut create = doc_create();
    create.connection_date = date("2026-05-04"); // in upcomingHolidays

    let err = network_rule(create).await;

    assert_invalid(
        &err,
        &[(
            "connection_date",
            "2026-05-04 is one of the target network's upcoming holidays",
        )],
    );
}

#[tokio::test]
async fn a_date_before_min_port_days_is_refused() {
    let mut create = doc_create();
    create.connection_date = date("2026-05-01"); // today; minPortDays is 1

    let err = network_rule(create).await;

    assert_invalid(
        &err,
        &[(
            "connection_date",
            "2026-05-01 is before the earliest bookable date 2026-05-02",
        )],
    );
}

#[tokio::test]
async fn a_date_after_max_port_days_is_refused() {
    let mut create = doc_create();
    create.connection_date = date("2026-06-01"); // a Monday; maxPortDays is 30

    let err = network_rule(create).await;

    assert_invalid(
        &err,
        &[(
            "connection_date",
            "2026-06-01 is after the latest bookable date 2026-05-31",
        )],
    );
}

#[tokio::test]
async fn an_unknown_source_network_is_refused() {
    let mut create = doc_create();
    create.source_network_id = 23; // a source of EE, not of Vodafone

    let err = network_rule(create).await;

    assert_invalid(
        &err,
        &[(
            "source_network_id",
            "23 is not a source network of Vodafone (known: 5 (O2), 10 (Virgin Media))",
        )],
    );
}

#[tokio::test]
async fn an_unknown_target_network_is_refused() {
    let mut create = doc_create();
    create.target_network_id = 4; // a MigrateIn network, not a PortIn one

    let err = network_rule(create).await;

    assert_invalid(
        &err,
        &[(
            "target_network_id",
            "4 is not a target network for PortIn (known: 1 (Vodafone), 2 (EE))",
        )],
    );
}

#[tokio::test]
async fn every_network_problem_is_reported_at_once() {
    let mut create = doc_create();
    create.target_network_id = 2;
    create.source_network_id = 5;
    create.rows[0].esim = true;
    create.connection_date = date("2026-05-10"); // a Sunday

    let err = network_rule(create).await;

    assert_eq!(
        fields(&err),
        ["source_network_id", "rows[0].esim", "connection_date"]
    );
}

#[tokio::test]
async fn a_network_without_a_bookable_day_is_reported_by_submit() {
    let t = setup().await;
    // Friday + 1 and + 2 days: only the weekend is in the window.
    let mut networks = common::fixture("networks.json");
    networks[0]["targetNetworks"][0]["minPortDays"] = json!(1);
    networks[0]["targetNetworks"][0]["maxPortDays"] = json!(2);
    Mock::given(method("GET"))
        .and(path(api_path("/networks")))
        .respond_with(json(200, &networks))
        .expect(1)
        .mount(&t.server)
        .await;

    let err = t.client.submit(&request_with(options())).await.unwrap_err();
    let plan = t
        .client
        .plan_connection_date(&PortType::PortIn, 1)
        .await
        .unwrap_err();

    assert_invalid(
        &err,
        &[(
            "desired_date",
            "Vodafone has no bookable working day in its window",
        )],
    );
    assert_invalid(
        &plan,
        &[(
            "connection_date",
            "Vodafone has no bookable working day in its window",
        )],
    );
    assert_requests(&t.server, &[Seen::networks()]).await;
}

/// A trait request that breaks three network rules: an unknown source, an
/// eSIM on EE, and a Saturday.
fn trait_request_breaking_network_rules() -> PortRequest {
    let mut request = request_with(
        CellhireOptions::new("Fleet batch 7", 2, 99, 102344).with_provisioning_order(3630),
    );
    request.lines[1].esim = true;
    request.with_desired_date(date("2026-05-09"))
}

#[tokio::test]
async fn submit_checks_the_network_rules_before_creating() {
    let t = setup().await;
    mount_networks(&t.server).await;

    let err = t
        .client
        .submit(&trait_request_breaking_network_rules())
        .await
        .unwrap_err();
    let mut unknown_target = request_with(options());
    unknown_target.cellhire.as_mut().unwrap().target_network_id = 7;
    let target_err = t.client.submit(&unknown_target).await.unwrap_err();

    let problems: Vec<&str> = err
        .field_errors()
        .iter()
        .map(|f| f.problem.as_str())
        .collect();
    assert_eq!(
        problems,
        [
            "99 is not a source network of EE (known: 23 (Three))",
            "is not allowed: EE takes no eSIMs",
            "2026-05-09 falls on a weekend; Cellhire ports on working days only",
        ]
    );
    assert_eq!(
        target_err.field_errors()[0].problem,
        "7 is not a target network for PortIn (known: 1 (Vodafone), 2 (EE))"
    );
    // The list was read once and reused; nothing was created.
    assert_requests(&t.server, &[Seen::networks()]).await;
}

#[tokio::test]
async fn submit_names_the_port_request_fields_that_break_network_rules() {
    let t = setup().await;
    mount_networks(&t.server).await;

    let err = t
        .client
        .submit(&trait_request_breaking_network_rules())
        .await
        .unwrap_err();
    let mut unknown_target = request_with(options());
    unknown_target.cellhire.as_mut().unwrap().target_network_id = 7;
    let target_err = t.client.submit(&unknown_target).await.unwrap_err();

    assert_eq!(
        fields(&err),
        [
            "cellhire.source_network_id",
            "lines[1].esim",
            "desired_date"
        ]
    );
    assert_eq!(fields(&target_err), ["cellhire.target_network_id"]);
    assert_requests(&t.server, &[Seen::networks()]).await;
}

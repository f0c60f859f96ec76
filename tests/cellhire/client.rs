//! Every Cellhire operation: the exact request sent and the typed answer,
//! through the client's own methods and through `PortProvider`.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use numport::carrier::cellhire::{
    CellhireOptions, PortType, PortingNetworks, RowUpdate, Service, SourceNetwork, TargetNetwork,
};
use numport::{
    Amendment, Capabilities, Carrier, CarrierStatus, Error, Iccid, LineStatus, Operation, Pac,
    PhoneNumber, PortLine, PortLineDetail, PortOrder, PortProvider, PortRequest, PortStatus,
    PortSummary, SubmittedOrder,
};
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, ResponseTemplate};

use common::{
    CREATED_ID, DETAILS_ID, Seen, api_path, assert_requests, date, doc_create, doc_create_body,
    fixture, json, mount_create, mount_networks, number, port_id, setup,
};

use crate::support::cellhire as common;

/// Two UK lines for the trait's `submit`, the second on an eSIM.
fn fleet_request() -> PortRequest {
    let lines = vec![
        PortLine::new(number("+447700900123"))
            .with_sim(Iccid::with_check_digit("8944500102030405060").unwrap())
            .with_pac(Pac::new("ABC123456").unwrap()),
        PortLine::new(number("+447700900124"))
            .with_sim(Iccid::with_check_digit("8944500102030405061").unwrap())
            .with_pac(Pac::new("xyz654321").unwrap())
            .esim(true),
    ];
    PortRequest::new(lines).with_cellhire(
        CellhireOptions::new("Fleet batch 7", 1, 5, 102344)
            .with_provisioning_order_name("New fleet order")
            .with_bolt_ons(vec![502248]),
    )
}

fn fleet_body(connection_date: &str) -> serde_json::Value {
    json!({
        "name": "Fleet batch 7",
        "targetNetworkId": 1,
        "sourceNetworkId": 5,
        "connectionDate": connection_date,
        "portType": "PortIn",
        "rows": [
            {
                "groupName": "T102344-B502248",
                "esim": false,
                "msisdn": "07700900123",
                "serialNo": "89445001020304050600",
                "provisioningOrder": null,
                "provisioningOrderName": "New fleet order",
                "pac": "ABC123456",
                "tariffId": 102344,
                "boltOns": [502248],
                "services": null
            },
            {
                "groupName": "T102344-B502248",
                "esim": true,
                "msisdn": "07700900124",
                "serialNo": "89445001020304050618",
                "provisioningOrder": null,
                "provisioningOrderName": "New fleet order",
                "pac": "XYZ654321",
                "tariffId": 102344,
                "boltOns": [502248],
                "services": null
            }
        ]
    })
}

fn update_body() -> serde_json::Value {
    json!({"Rows": [
        {"Msisdn": "07700900123", "Pac": "ABC123456", "PortRowStatus": "Amended"},
        {"Msisdn": "07700900124", "PortRowStatus": "CancellationRequested"}
    ]})
}

// ---------------------------------------------------------------- networks

#[tokio::test]
async fn networks_are_read_into_typed_port_types_and_target_networks() {
    let t = setup().await;
    mount_networks(&t.server).await;

    let networks = t.client.networks().await.unwrap();

    let want = vec![
        PortingNetworks {
            // "Port" in this endpoint, "PortIn" everywhere else: one type.
            port_type: PortType::PortIn,
            port_type_id: 2,
            target_networks: vec![
                TargetNetwork {
                    id: 1,
                    name: "Vodafone".into(),
                    max_port_days: 30,
                    min_port_days: 1,
                    allow_esim: true,
                    network_number: 200,
                    source_networks: vec![
                        SourceNetwork {
                            id: 5,
                            name: "O2".into(),
                        },
                        SourceNetwork {
                            id: 10,
                            name: "Virgin Media".into(),
                        },
                    ],
                    upcoming_holidays: vec![date("2026-05-04"), date("2026-05-25")],
                },
                TargetNetwork {
                    id: 2,
                    name: "EE".into(),
                    max_port_days: 20,
                    min_port_days: 2,
                    allow_esim: false,
                    network_number: 300,
                    source_networks: vec![SourceNetwork {
                        id: 23,
                        name: "Three".into(),
                    }],
                    upcoming_holidays: vec![date("2026-05-04")],
                },
            ],
        },
        PortingNetworks {
            port_type: PortType::MigrateIn,
            port_type_id: 3,
            target_networks: vec![TargetNetwork {
                id: 4,
                name: "Orange (France) LMVNO".into(),
                max_port_days: 15,
                min_port_days: 3,
                allow_esim: false,
                network_number: 410,
                source_networks: vec![SourceNetwork {
                    id: 34,
                    name: "Bouygues".into(),
                }],
                upcoming_holidays: vec![],
            }],
        },
        PortingNetworks {
            port_type: PortType::MigrateInKeep,
            port_type_id: 4,
            target_networks: vec![],
        },
    ];
    assert_eq!(networks, want);
    assert_eq!(t.client.today(), date("2026-05-01"));
    assert_eq!(
        t.client
            .plan_connection_date(&PortType::PortIn, 1)
            .await
            .unwrap(),
        // Saturday, Sunday and the Monday holiday are skipped.
        date("2026-05-05")
    );
    // The plan reused the list just fetched: one request in all.
    assert_requests(&t.server, &[Seen::networks()]).await;
}

// -------------------------------------------------------------- list ports

#[tokio::test]
async fn list_ports_page_sends_the_paging_headers_and_reads_the_page() {
    let t = setup().await;
    Mock::given(method("GET"))
        .and(path(api_path("")))
        .and(header("x-pagenumber", "2"))
        .and(header("x-pagesize", "10"))
        .respond_with(json(200, &fixture("list_page2.json")))
        .expect(1)
        .mount(&t.server)
        .await;

    let page = t.client.list_ports_page(2, 10).await.unwrap();

    assert_eq!((page.total, page.total_pages), (5, 3));
    assert_eq!(page.ports.len(), 2);
    let mut first = PortSummary::new(
        port_id(CREATED_ID),
        Carrier::Cellhire,
        PortStatus::ActionRequired,
        CarrierStatus::new("Pac Check Failed", Some(2)),
    );
    first.name = Some("Fleet batch 7".into());
    first.port_date = Some(date("2026-05-05"));
    first.line_count = Some(2);
    assert_eq!(page.ports[0].summary, first);
    assert_eq!(page.ports[0].port_type, Some(PortType::PortIn));
    assert_eq!(page.ports[0].port_type_id, Some(2));
    let mut second = PortSummary::new(
        port_id("3f2504e0-4f89-11d3-9a0c-0305e82c3301"),
        Carrier::Cellhire,
        PortStatus::Submitted,
        CarrierStatus::new("Submitted", Some(4)),
    );
    second.name = Some("Migration Q2".into());
    second.port_date = Some(date("2026-05-12"));
    second.line_count = Some(4);
    assert_eq!(page.ports[1].summary, second);
    assert_eq!(page.ports[1].port_type, Some(PortType::MigrateIn));
    assert_eq!(page.ports[1].port_type_id, Some(3));

    assert_requests(&t.server, &[Seen::api("GET", "").page(2, 10)]).await;
}

#[tokio::test]
async fn orders_walks_every_page_of_fifty_then_stops() {
    let t = setup().await;
    for n in 1..=3 {
        Mock::given(method("GET"))
            .and(path(api_path("")))
            .and(header("x-pagenumber", n.to_string()))
            .and(header("x-pagesize", "50"))
            .respond_with(json(200, &fixture(&format!("list_page{n}.json"))))
            .expect(1)
            .mount(&t.server)
            .await;
    }
    let provider: &dyn PortProvider = &t.client;

    let orders: Vec<PortSummary> = provider
        .orders()
        .map(|r| r.unwrap())
        .collect::<Vec<_>>()
        .await;

    let ids: Vec<&str> = orders.iter().map(|o| o.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "bb8c7f95-a406-41bd-140e-08dca4c4f4e2",
            DETAILS_ID,
            CREATED_ID,
            "3f2504e0-4f89-11d3-9a0c-0305e82c3301",
            "6fa459ea-ee8a-3ca4-894e-db77e160355e",
        ]
    );
    // The document's List Ports example: "Complete" is id 16 here.
    let mut sample = PortSummary::new(
        port_id("bb8c7f95-a406-41bd-140e-08dca4c4f4e2"),
        Carrier::Cellhire,
        PortStatus::Complete,
        CarrierStatus::new("Complete", Some(16)),
    );
    sample.name = Some("Sample Port".into());
    sample.port_date = Some(date("2024-07-18"));
    sample.line_count = Some(1);
    assert_eq!(orders[0], sample);
    assert_eq!(orders[1].status, PortStatus::Complete);
    assert_eq!(
        orders[1].carrier_status,
        CarrierStatus::new("Complete", Some(11))
    );
    assert_eq!(orders[4].status, PortStatus::Cancelled);

    assert_requests(
        &t.server,
        &[
            Seen::api("GET", "").page(1, 50),
            Seen::api("GET", "").page(2, 50),
            Seen::api("GET", "").page(3, 50),
        ],
    )
    .await;
}

#[tokio::test]
async fn list_ports_stops_when_the_server_ignores_paging() {
    let t = setup().await;
    // Every page number gets page 1 again, which still claims 3 pages.
    Mock::given(method("GET"))
        .and(path(api_path("")))
        .respond_with(json(200, &fixture("list_page1.json")))
        .expect(2)
        .mount(&t.server)
        .await;

    let ports = tokio::time::timeout(
        Duration::from_secs(10),
        t.client.list_ports(10).collect::<Vec<_>>(),
    )
    .await
    .expect("the stream ends");

    // Page 1's ports, then the listing ends as incomplete: page 2 was page 1
    // again, so the ports of pages 2 and 3 were never seen.
    let mut ports = ports;
    let last = ports.pop().expect("an item");
    let ids: Vec<String> = ports
        .into_iter()
        .map(|r| r.unwrap().id.to_string())
        .collect();
    assert_eq!(ids, ["bb8c7f95-a406-41bd-140e-08dca4c4f4e2", DETAILS_ID]);
    match last {
        Err(Error::Incomplete { message, .. }) => assert_eq!(
            message,
            "List Ports: page 2 repeated page 1: the page number was not honoured"
        ),
        other => panic!("expected Incomplete, got {other:?}"),
    }
    assert_requests(
        &t.server,
        &[
            Seen::api("GET", "").page(1, 10),
            Seen::api("GET", "").page(2, 10),
        ],
    )
    .await;
}

// ------------------------------------------------------------ port details

async fn mount_details(server: &wiremock::MockServer, id: &str, fixture_name: &str) {
    Mock::given(method("GET"))
        .and(path(api_path(&format!("/port/{id}"))))
        .respond_with(json(200, &fixture(fixture_name)))
        .expect(1)
        .mount(server)
        .await;
}

#[tokio::test]
async fn port_details_reads_the_document_example() {
    let t = setup().await;
    mount_details(&t.server, DETAILS_ID, "port_details.json").await;

    let d = t.client.port_details(&port_id(DETAILS_ID)).await.unwrap();

    assert_eq!(d.id, port_id(DETAILS_ID));
    // The contradiction: "Complete" is 11 on the port and 15 on its row;
    // the name decides, the ids are kept as they came.
    assert_eq!(d.status, PortStatus::Complete);
    assert_eq!(d.carrier_status, CarrierStatus::new("Complete", Some(11)));
    assert_eq!(d.name.as_deref(), Some("Example Port"));
    assert_eq!(
        d.target_network,
        Some((4, "Orange (France) LMVNO".to_owned()))
    );
    assert_eq!(d.source_network, Some((34, "Bouygues".to_owned())));
    assert_eq!(d.connection_date, Some(date("2024-07-18")));
    assert_eq!(d.port_type, Some(PortType::PortIn));
    assert_eq!(d.port_type_id, Some(2));
    assert_eq!(d.row_count, Some(1));
    assert_eq!(d.rows.len(), 1);
    let row = &d.rows[0];
    assert_eq!(
        row.id.as_deref(),
        Some("8f16f79a-cd5a-40a5-0938-08dca4c4f4ff")
    );
    assert_eq!(row.msisdn, "070000000000");
    assert_eq!(
        row.number,
        Some(PhoneNumber::from_national("070000000000", "44").unwrap())
    );
    assert_eq!(row.serial_no.as_deref(), Some("2358880040200"));
    assert_eq!(row.pac, Some(Pac::new("84E046866KO2").unwrap()));
    assert_eq!(row.status, LineStatus::Complete);
    assert_eq!(row.carrier_status, CarrierStatus::new("Complete", Some(15)));
    assert_eq!(row.message, None);
    assert_eq!(row.group_name.as_deref(), Some("Group1"));
    assert_eq!(row.bolt_ons, [502102]);
    assert_eq!(row.tariff_id, Some(102295));
    assert_eq!(row.tariff_name.as_deref(), Some("Bundle V+D Silver"));
    assert!(!row.esim);
    assert_eq!(row.provisioning_order_name, None);
    assert_eq!(row.provisioning_order, Some(9569));
    assert_eq!(row.services, [Service::new("admin", "true")]);
    assert!(d.rows_holding_port().is_empty());

    assert_requests(
        &t.server,
        &[Seen::api("GET", &format!("/port/{DETAILS_ID}"))],
    )
    .await;
}

#[tokio::test]
async fn order_through_the_trait_maps_status_by_name_and_keeps_raw_ids() {
    let t = setup().await;
    mount_details(&t.server, DETAILS_ID, "port_details.json").await;
    let provider: &dyn PortProvider = &t.client;

    let order = provider.order(&port_id(DETAILS_ID)).await.unwrap();

    let mut want = PortOrder::new(
        port_id(DETAILS_ID),
        Carrier::Cellhire,
        PortStatus::Complete,
        CarrierStatus::new("Complete", Some(11)),
    );
    want.name = Some("Example Port".into());
    want.port_date = Some(date("2024-07-18"));
    let mut line = PortLineDetail::new(
        "070000000000",
        LineStatus::Complete,
        CarrierStatus::new("Complete", Some(15)),
    );
    line.id = Some("8f16f79a-cd5a-40a5-0938-08dca4c4f4ff".into());
    line.number = Some(PhoneNumber::from_national("070000000000", "44").unwrap());
    line.sim = Some("2358880040200".into());
    want.lines = vec![line];
    assert_eq!(order, want);

    assert_requests(
        &t.server,
        &[Seen::api("GET", &format!("/port/{DETAILS_ID}"))],
    )
    .await;
}

#[tokio::test]
async fn port_details_with_a_refused_pac_shows_the_row_holding_the_port() {
    let t = setup().await;
    mount_details(&t.server, CREATED_ID, "port_details_pac_failed.json").await;

    let d = t.client.port_details(&port_id(CREATED_ID)).await.unwrap();

    assert_eq!(d.status, PortStatus::ActionRequired);
    assert_eq!(
        d.carrier_status,
        CarrierStatus::new("Pac Check Failed", Some(2))
    );
    assert_eq!(d.connection_date, Some(date("2026-05-05")));
    let statuses: Vec<(LineStatus, &CarrierStatus)> = d
        .rows
        .iter()
        .map(|r| (r.status, &r.carrier_status))
        .collect();
    assert_eq!(
        statuses,
        [
            (
                LineStatus::Validated,
                &CarrierStatus::new("PacValid", Some(3))
            ),
            (
                LineStatus::ActionRequired,
                &CarrierStatus::new("PacInvalid", Some(4))
            ),
        ]
    );
    let first = &d.rows[0];
    assert_eq!(first.number, Some(number("+447700900123")));
    assert!(first.esim);
    assert_eq!(first.provisioning_order, None);
    assert_eq!(
        first.provisioning_order_name.as_deref(),
        Some("New fleet order")
    );
    // `"services": null` reads as no services.
    assert_eq!(first.services, Vec::<Service>::new());
    let second = &d.rows[1];
    assert_eq!(second.number, Some(number("+447700900124")));
    assert_eq!(
        second.message.as_deref(),
        Some("PAC does not match the MSISDN")
    );
    assert_eq!(second.bolt_ons, Vec::<i64>::new());
    let holding: Vec<&str> = d
        .rows_holding_port()
        .iter()
        .map(|r| r.msisdn.as_str())
        .collect();
    assert_eq!(holding, ["07700900124"]);

    assert_requests(
        &t.server,
        &[Seen::api("GET", &format!("/port/{CREATED_ID}"))],
    )
    .await;
}

// ------------------------------------------------------------- create port

#[tokio::test]
async fn create_port_sends_the_documented_body_and_reads_the_bare_guid() {
    let t = setup().await;
    mount_networks(&t.server).await;
    mount_create(&t.server, json(201, &json!(CREATED_ID))).await;

    let id = t.client.create_port(&doc_create()).await.unwrap();

    assert_eq!(id, port_id(CREATED_ID));
    assert_requests(
        &t.server,
        &[
            Seen::networks(),
            Seen::api("POST", "").json(doc_create_body()),
        ],
    )
    .await;
}

#[tokio::test]
async fn create_port_reads_an_object_answer_too() {
    let t = setup().await;
    mount_networks(&t.server).await;
    mount_create(&t.server, json(201, &json!({"portId": CREATED_ID}))).await;

    let id = t.client.create_port(&doc_create()).await.unwrap();

    assert_eq!(id, port_id(CREATED_ID));
    assert_requests(
        &t.server,
        &[
            Seen::networks(),
            Seen::api("POST", "").json(doc_create_body()),
        ],
    )
    .await;
}

#[tokio::test]
async fn create_port_reuses_the_network_list_it_fetched() {
    let t = setup().await;
    mount_networks(&t.server).await;
    Mock::given(method("POST"))
        .and(path(api_path("")))
        .respond_with(json(201, &json!(CREATED_ID)))
        .expect(2)
        .mount(&t.server)
        .await;

    let first = t.client.create_port(&doc_create()).await.unwrap();
    let second = t.client.clone().create_port(&doc_create()).await.unwrap();

    assert_eq!((first, second), (port_id(CREATED_ID), port_id(CREATED_ID)));
    assert_requests(
        &t.server,
        &[
            Seen::networks(),
            Seen::api("POST", "").json(doc_create_body()),
            Seen::api("POST", "").json(doc_create_body()),
        ],
    )
    .await;
}

#[tokio::test]
async fn submit_without_a_date_books_the_planners_earliest_day() {
    let t = setup().await;
    mount_networks(&t.server).await;
    mount_create(&t.server, json(201, &json!(CREATED_ID))).await;
    let provider: &dyn PortProvider = &t.client;

    let submission = provider.submit(&fleet_request()).await.unwrap();

    assert_eq!(submission.carrier, Carrier::Cellhire);
    assert_eq!(
        submission.orders,
        [SubmittedOrder::new(
            port_id(CREATED_ID),
            vec![number("+447700900123"), number("+447700900124")],
            json!(CREATED_ID),
        )]
    );
    assert_eq!(submission.first_id(), Some(&port_id(CREATED_ID)));
    // Friday 1 May: Saturday, Sunday and the holiday on Monday 4 May are
    // skipped.
    assert_requests(
        &t.server,
        &[
            Seen::networks(),
            Seen::api("POST", "").json(fleet_body("2026-05-05T00:00:00.000Z")),
        ],
    )
    .await;
}

#[tokio::test]
async fn submit_with_a_desired_date_sends_that_date() {
    let t = setup().await;
    mount_networks(&t.server).await;
    mount_create(&t.server, json(201, &json!({"portId": CREATED_ID}))).await;

    let request = fleet_request().with_desired_date(date("2026-05-29"));
    let submission = t.client.submit(&request).await.unwrap();

    assert_eq!(submission.first_id(), Some(&port_id(CREATED_ID)));
    assert_requests(
        &t.server,
        &[
            Seen::networks(),
            Seen::api("POST", "").json(fleet_body("2026-05-29T00:00:00.000Z")),
        ],
    )
    .await;
}

// ------------------------------------------------------ update and cancel

async fn mount_patch(server: &wiremock::MockServer) {
    Mock::given(method("PATCH"))
        .and(path(api_path(&format!("/port/{CREATED_ID}"))))
        .respond_with(ResponseTemplate::new(202))
        .expect(1)
        .mount(server)
        .await;
}

#[tokio::test]
async fn update_port_sends_pascal_case_rows_without_a_pac_on_cancels() {
    let t = setup().await;
    mount_patch(&t.server).await;
    let updates = [
        RowUpdate::Amend {
            msisdn: number("+447700900123"),
            pac: Pac::new("ABC123456").unwrap(),
        },
        RowUpdate::Cancel {
            msisdn: number("+447700900124"),
        },
    ];

    let result: Result<(), Error> = t.client.update_port(&port_id(CREATED_ID), &updates).await;

    assert!(matches!(result, Ok(())), "{result:?}");
    assert_requests(
        &t.server,
        &[Seen::api("PATCH", &format!("/port/{CREATED_ID}")).json(update_body())],
    )
    .await;
}

#[tokio::test]
async fn amend_through_the_trait_sends_the_same_rows() {
    let t = setup().await;
    mount_patch(&t.server).await;
    let provider: &dyn PortProvider = &t.client;
    let amendment = Amendment::new()
        .new_pac(number("+447700900123"), Pac::new("abc123456").unwrap())
        .cancel_line(number("+447700900124"));

    let result = provider.amend(&port_id(CREATED_ID), &amendment).await;

    assert!(matches!(result, Ok(())), "{result:?}");
    assert_requests(
        &t.server,
        &[Seen::api("PATCH", &format!("/port/{CREATED_ID}")).json(update_body())],
    )
    .await;
}

#[tokio::test]
async fn cancel_port_deletes_the_port() {
    let t = setup().await;
    Mock::given(method("DELETE"))
        .and(path(api_path(&format!("/port/{CREATED_ID}"))))
        .respond_with(ResponseTemplate::new(202))
        .expect(2)
        .mount(&t.server)
        .await;

    let direct = t.client.cancel_port(&port_id(CREATED_ID)).await;
    let provider: Arc<dyn PortProvider> = Arc::new(t.client.clone());
    let through_trait = provider.cancel(&port_id(CREATED_ID)).await;

    assert!(matches!(direct, Ok(())), "{direct:?}");
    assert!(matches!(through_trait, Ok(())), "{through_trait:?}");
    let delete = Seen::api("DELETE", &format!("/port/{CREATED_ID}"));
    assert_requests(&t.server, &[delete.clone(), delete]).await;
}

// ---------------------------------------------------------------- provider

#[tokio::test]
async fn the_client_as_a_dyn_port_provider() {
    let t = setup().await;
    let provider: Arc<dyn PortProvider> = Arc::new(t.client.clone());

    assert_eq!(provider.carrier(), Carrier::Cellhire);
    let mut want = Capabilities::NONE;
    want.submit = true;
    want.order = true;
    want.orders = true;
    want.amend = true;
    want.cancel = true;
    want.reconcile = true;
    want.multi_line_orders = true;
    assert_eq!(provider.capabilities(), want);
    assert!(!provider.capabilities().check_portability);

    let err = provider
        .check_portability(&[number("+447700900123")])
        .await
        .unwrap_err();
    match err {
        Error::Unsupported { carrier, operation } => {
            assert_eq!(carrier, Carrier::Cellhire);
            assert_eq!(operation, Operation::CheckPortability);
        }
        other => panic!("expected Unsupported, got {other:?}"),
    }
    assert_requests(&t.server, &[]).await;
}

#[tokio::test]
async fn the_order_carries_the_message_of_the_row_asking_for_action() {
    let t = setup().await;
    mount_details(&t.server, CREATED_ID, "port_details_pac_failed.json").await;
    let provider: &dyn PortProvider = &t.client;

    let order = provider.order(&port_id(CREATED_ID)).await.unwrap();

    assert_eq!(
        order.message.as_deref(),
        Some("PAC does not match the MSISDN")
    );
    assert_eq!(
        order.lines[1].message.as_deref(),
        Some("PAC does not match the MSISDN")
    );
}

#[tokio::test]
async fn an_order_whose_rows_say_nothing_has_no_message() {
    let t = setup().await;
    mount_details(&t.server, DETAILS_ID, "port_details.json").await;
    let provider: &dyn PortProvider = &t.client;

    let order = provider.order(&port_id(DETAILS_ID)).await.unwrap();

    assert_eq!(order.message, None);
}

#[tokio::test]
async fn watch_events_carry_the_carriers_message() {
    use numport::{PortProviderExt, WatchOptions};
    let t = setup().await;
    let mut cancelled = fixture("port_details_pac_failed.json");
    cancelled["status"] = serde_json::json!(7);
    cancelled["statusName"] = serde_json::json!("Cancelled");
    cancelled["rows"][1]["message"] =
        serde_json::json!("Rejected by the source network: account closed");
    for (n, body) in [(1, fixture("port_details_pac_failed.json")), (2, cancelled)] {
        Mock::given(method("GET"))
            .and(path(api_path(&format!("/port/{CREATED_ID}"))))
            .respond_with(json(200, &body))
            .up_to_n_times(1)
            .with_priority(n)
            .mount(&t.server)
            .await;
    }
    let options =
        WatchOptions::default().with_intervals(Duration::from_millis(1), Duration::from_millis(2));
    let provider: &dyn PortProvider = &t.client;

    let events: Vec<_> = provider
        .watch(&port_id(CREATED_ID), options)
        .map(|e| e.unwrap())
        .collect()
        .await;

    let seen: Vec<(PortStatus, Option<&str>)> = events
        .iter()
        .map(|e| (e.to, e.message.as_deref()))
        .collect();
    assert_eq!(
        seen,
        [
            (
                PortStatus::ActionRequired,
                Some("PAC does not match the MSISDN")
            ),
            (
                PortStatus::Cancelled,
                Some("Rejected by the source network: account closed")
            ),
        ]
    );
}

#[tokio::test]
async fn concurrent_first_creates_read_the_network_list_once() {
    let t = setup().await;
    // `mount_networks` expects exactly one GET.
    mount_networks(&t.server).await;
    Mock::given(method("POST"))
        .and(path(api_path("")))
        .respond_with(json(201, &json!(CREATED_ID)))
        .expect(8)
        .mount(&t.server)
        .await;

    let request = doc_create();
    let results = futures::future::join_all((0..8).map(|_| t.client.create_port(&request))).await;

    assert!(results.iter().all(Result::is_ok), "{results:?}");
    let requests = t.server.received_requests().await.unwrap();
    let networks = requests
        .iter()
        .filter(|r| r.url.path().ends_with("/networks"))
        .count();
    assert_eq!((networks, requests.len()), (1, 9));
}

#[tokio::test]
async fn the_next_page_is_requested_while_the_current_one_is_read_and_no_further() {
    let t = setup().await;
    for n in 1..=3 {
        Mock::given(method("GET"))
            .and(path(api_path("")))
            .and(header("x-pagenumber", n.to_string()))
            .respond_with(json(200, &fixture(&format!("list_page{n}.json"))))
            .mount(&t.server)
            .await;
    }
    let mut stream = t.client.list_ports(50);

    // Read the first port of page 1, then stop reading for a while.
    stream.next().await.unwrap().unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let pages = |requests: &[wiremock::Request]| -> Vec<String> {
        requests
            .iter()
            .map(|r| r.headers["x-pagenumber"].to_str().unwrap().to_owned())
            .collect()
    };
    // Page 2 was asked for ahead of time; page 3 was not (one ahead at most).
    assert_eq!(
        pages(&t.server.received_requests().await.unwrap()),
        ["1", "2"]
    );
    let rest: Vec<_> = stream.collect().await;
    assert_eq!(rest.len(), 4);
    assert_eq!(
        pages(&t.server.received_requests().await.unwrap()),
        ["1", "2", "3"]
    );
}

#[tokio::test]
async fn a_list_entry_with_an_unusable_id_is_yielded_as_an_error_in_its_place() {
    let t = setup().await;
    let mut body = fixture("list_page3.json");
    body["totalPages"] = json!(1);
    body["total"] = json!(3);
    let good = body["data"][0].clone();
    let mut spaced = good.clone();
    spaced["id"] = json!("not a guid / with a slash");
    let mut numeric = good.clone();
    numeric["id"] = json!(42);
    body["data"] = json!([good, spaced, numeric]);
    Mock::given(method("GET"))
        .and(path(api_path("")))
        .respond_with(json(200, &body))
        .expect(1)
        .mount(&t.server)
        .await;

    let items: Vec<_> = t.client.list_ports(50).collect().await;

    assert_eq!(items.len(), 3, "{items:?}");
    assert!(items[0].is_ok());
    let problems: Vec<String> = items[1..]
        .iter()
        .map(|i| match i {
            Err(Error::Decode { message, .. }) => message.clone(),
            other => panic!("expected Decode, got {other:?}"),
        })
        .collect();
    assert_eq!(
        problems,
        [
            "List Ports page 1 entry 2 could not be read: its id may not hold white space, '/', '?', '#' or '%'",
            "List Ports page 1 entry 3 could not be read: its id is not a string",
        ]
    );
}

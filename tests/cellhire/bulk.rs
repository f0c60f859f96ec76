//! Cellhire bulk submission: compatible requests merge into as few Create
//! Port calls as the row limit allows; a bad request fails alone.

use std::sync::Arc;

use numport::BulkOptions;
use numport::carrier::cellhire::{CellhireClient, CellhireOptions, Service};
use numport::clock::ManualClock;
use numport::http::HttpConfig;
use numport::{PortProvider, PortRequest};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::support::mock::strict_server;
use crate::support::requests::uk_line;

fn networks() -> Value {
    json!([{ "portTypeName": "Port", "portType": 2, "targetNetworks": [{
        "id": 1, "name": "Vodafone", "maxPortDays": 30, "minPortDays": 1, "allowEsim": false,
        "networkNumber": 200, "sourceNetworks": [{"id": 5, "name": "O2"}],
        "upcomingHolidays": ["2026-05-04T00:00:00"] }]}])
}

fn request(n: u32, tariff: i64, pac: &str) -> PortRequest {
    let line = uk_line(
        &format!("+4477009{n:05}"),
        &format!("894410003012{n:07}"),
        pac,
    );
    PortRequest::new(vec![line]).with_cellhire(
        CellhireOptions::new("Bulk", 1, 5, tariff)
            .with_provisioning_order(3630)
            .with_service(Service::new("voice", "true")),
    )
}

/// An order id and its numbers, or the fields a validation error names.
type Outcome = Result<(String, Vec<String>), Vec<String>>;

#[tokio::test]
async fn merges_into_few_creates_and_keeps_input_order() {
    let server = strict_server().await;
    Mock::given(method("GET"))
        .and(path("/api/porting/40001/networks"))
        .respond_with(ResponseTemplate::new(200).set_body_json(networks()))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/porting/40001"))
        .respond_with(
            ResponseTemplate::new(201).set_body_json(json!("550e8400-e29b-41d4-a716-446655440000")),
        )
        .expect(2)
        .mount(&server)
        .await;
    let clock = Arc::new(ManualClock::new("2026-05-01T09:00:00Z".parse().unwrap()));
    let client = CellhireClient::builder()
        .base_url(server.uri())
        .account_id(40001)
        .bearer_token("tok")
        .http_config(HttpConfig::default().with_clock(clock))
        .build()
        .unwrap();

    let mut bad = request(4, 7, "ABC123456");
    bad.cellhire.as_mut().unwrap().provisioning_order = None;
    let requests = vec![
        request(1, 7, "ABC123456"),
        request(2, 8, "DEF123456"),
        request(3, 7, "GHI123456"),
        bad,
    ];
    let options = BulkOptions::default()
        .with_max_in_flight(2)
        .with_max_lines_per_order(2);
    let results = client.submit_many(&requests, &options).await;

    let summary: Vec<Outcome> = results
        .iter()
        .map(|r| match r {
            Ok(s) => Ok((
                s.orders[0].id.to_string(),
                s.orders[0].numbers.iter().map(|n| n.e164()).collect(),
            )),
            Err(e) => Err(e.field_errors().iter().map(|f| f.field.clone()).collect()),
        })
        .collect();
    let id = "550e8400-e29b-41d4-a716-446655440000".to_string();
    assert_eq!(
        summary,
        vec![
            Ok((id.clone(), vec!["+447700900001".into()])),
            Ok((id.clone(), vec!["+447700900002".into()])),
            Ok((id.clone(), vec!["+447700900003".into()])),
            Err(vec!["cellhire.provisioning_order".into()]),
        ]
    );

    let posts: Vec<Value> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.method.as_str() == "POST")
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect();
    let rows: Vec<Vec<(String, String)>> = posts
        .iter()
        .map(|p| {
            p["rows"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| {
                    (
                        r["msisdn"].as_str().unwrap().to_owned(),
                        r["groupName"].as_str().unwrap().to_owned(),
                    )
                })
                .collect()
        })
        .collect();
    let mut rows = rows;
    rows.sort();
    // Three valid requests, two lines per port at most: one port of two rows
    // (different tariffs, so different groups) and one of one row.
    assert_eq!(
        rows,
        vec![
            vec![
                ("07700900001".into(), "T7-Svoice=true".into()),
                ("07700900002".into(), "T8-Svoice=true".into())
            ],
            vec![("07700900003".into(), "T7-Svoice=true".into())],
        ]
    );
    assert!(
        posts
            .iter()
            .all(|p| p["connectionDate"] == "2026-05-05T00:00:00.000Z"),
        "{posts:?}"
    );
}

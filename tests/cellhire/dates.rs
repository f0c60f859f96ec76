//! Cellhire's date rules count in London time: both sides of midnight and
//! both daylight-saving changes.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use numport::carrier::cellhire::{CellhireClient, DEFAULT_TIMEZONE, PortType};
use numport::clock::ManualClock;
use numport::http::HttpConfig;

use common::{TOKEN, api_path, fixture, json, server};
use wiremock::Mock;
use wiremock::matchers::{method, path};

use crate::support::cellhire as common;

fn at(instant: &str) -> DateTime<Utc> {
    instant.parse().unwrap()
}

fn day(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

fn client(base: &str, now: DateTime<Utc>) -> CellhireClient {
    CellhireClient::builder()
        .base_url(base)
        .account_id(40001)
        .bearer_token(TOKEN)
        .http_config(HttpConfig::default().with_clock(Arc::new(ManualClock::new(now))))
        .build()
        .unwrap()
}

#[test]
fn today_is_the_london_date_on_both_sides_of_midnight_and_of_each_change() {
    let rows = [
        // Winter: London is UTC.
        ("2026-01-14T23:59:59Z", "2026-01-14"),
        ("2026-01-15T00:00:00Z", "2026-01-15"),
        // Summer: 23:30 UTC is already 00:30 the next day in London.
        ("2026-07-01T22:59:59Z", "2026-07-01"),
        ("2026-07-01T23:00:00Z", "2026-07-02"),
        ("2026-07-01T23:30:00Z", "2026-07-02"),
        // Clocks go forward at 01:00 UTC on 29 March 2026.
        ("2026-03-28T23:59:59Z", "2026-03-28"),
        ("2026-03-29T00:30:00Z", "2026-03-29"),
        ("2026-03-29T22:59:59Z", "2026-03-29"),
        ("2026-03-29T23:00:00Z", "2026-03-30"),
        // Clocks go back at 01:00 UTC on 25 October 2026.
        ("2026-10-24T22:59:59Z", "2026-10-24"),
        ("2026-10-24T23:00:00Z", "2026-10-25"),
        ("2026-10-25T23:30:00Z", "2026-10-25"),
        ("2026-10-26T00:00:00Z", "2026-10-26"),
    ];
    for (instant, expected) in rows {
        let c = client("https://api.cellhire.com", at(instant));
        assert_eq!(c.today(), day(expected), "at {instant}");
        assert_eq!(c.timezone(), DEFAULT_TIMEZONE);
    }
    println!("{} instants checked", rows.len());
}

#[test]
fn another_zone_can_be_configured() {
    let c = CellhireClient::builder()
        .account_id(40001)
        .bearer_token(TOKEN)
        .timezone(chrono_tz::UTC)
        .http_config(
            HttpConfig::default()
                .with_clock(Arc::new(ManualClock::new(at("2026-07-01T23:30:00Z")))),
        )
        .build()
        .unwrap();
    assert_eq!(c.today(), day("2026-07-01"));
}

#[tokio::test]
async fn just_after_midnight_in_summer_the_window_opens_from_the_london_day() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(api_path("/networks")))
        .respond_with(json(200, &fixture("networks.json")))
        .mount(&server)
        .await;
    // 00:30 BST on Thursday 2 July 2026 (still Wednesday 1 July in UTC).
    // Port to Vodafone (id 1, minPortDays 1): the earliest date is Friday 3 July;
    // counting from the UTC date would book Thursday 2 July, a day short.
    let c = client(&server.uri(), at("2026-07-01T23:30:00Z"));
    let earliest = c.plan_connection_date(&PortType::PortIn, 1).await.unwrap();
    assert_eq!(earliest, day("2026-07-03"));
}

//! Cellhire authentication: OAuth2 client credentials (grant, cache, refresh
//! on 401, concurrency) and a caller's static token.

use std::time::Duration;

use futures::future::join_all;
use numport::{Carrier, Error, PortId};
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use common::{
    DETAILS_ID, Seen, TOKEN_PATH, api_path, assert_requests, fixture, json, received, setup,
    setup_oauth,
};

use crate::support::cellhire as common;

/// The `access_token` of `token.json`.
const FIRST: &str = "eyJhbGciOiJSUzI1NiJ9.first";
const SECOND: &str = "eyJhbGciOiJSUzI1NiJ9.second";

fn token_answer(access_token: &str, expires_in: u64) -> ResponseTemplate {
    json(
        200,
        &json!({
            "access_token": access_token,
            "expires_in": expires_in,
            "token_type": "Bearer",
            "scope": "porting"
        }),
    )
}

/// The token endpoint answers `token.json`, and is expected `times` times.
async fn mount_token(server: &MockServer, times: u64) {
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(json(200, &fixture("token.json")))
        .expect(times)
        .named("token")
        .mount(server)
        .await;
}

/// The token endpoint hands out FIRST once, then SECOND.
async fn mount_two_tokens(server: &MockServer, expires_in: u64) {
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(token_answer(FIRST, expires_in))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .named("first token")
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(token_answer(SECOND, expires_in))
        .with_priority(2)
        .expect(1)
        .named("second token")
        .mount(server)
        .await;
}

/// Get Porting Networks, answered only for `Bearer {token}`.
async fn mount_networks_for(server: &MockServer, token: &str, times: u64) {
    Mock::given(method("GET"))
        .and(path(api_path("/networks")))
        .and(header("authorization", format!("Bearer {token}")))
        .respond_with(json(200, &fixture("networks.json")))
        .expect(times)
        .mount(server)
        .await;
}

fn details_path() -> String {
    api_path(&format!("/port/{DETAILS_ID}"))
}

#[tokio::test]
async fn the_grant_posts_exactly_the_client_credentials_form_and_the_token_is_used() {
    let t = setup_oauth().await;
    mount_token(&t.server, 1).await;
    mount_networks_for(&t.server, FIRST, 1).await;

    let networks = t.client.networks().await.unwrap();

    assert_eq!(networks.len(), 3);
    assert_eq!(t.client.token_grants(), 1);
    // The secret's '/', '+', '&' and '=' survive form encoding.
    assert_requests(
        &t.server,
        &[Seen::token_grant(), Seen::networks().bearer(FIRST)],
    )
    .await;
}

#[tokio::test]
async fn the_token_is_cached_across_calls_and_clones() {
    let t = setup_oauth().await;
    mount_token(&t.server, 1).await;
    mount_networks_for(&t.server, FIRST, 2).await;

    let first = t.client.networks().await.unwrap();
    let second = t.client.clone().networks().await.unwrap();

    assert_eq!(first, second);
    assert_eq!(t.client.token_grants(), 1);
    assert_requests(
        &t.server,
        &[
            Seen::token_grant(),
            Seen::networks().bearer(FIRST),
            Seen::networks().bearer(FIRST),
        ],
    )
    .await;
}

#[tokio::test]
async fn a_401_fetches_one_new_token_and_retries_once() {
    let t = setup_oauth().await;
    mount_two_tokens(&t.server, 3600).await;
    Mock::given(method("GET"))
        .and(path(details_path()))
        .and(header("authorization", format!("Bearer {FIRST}")))
        .respond_with(ResponseTemplate::new(401))
        .expect(1)
        .mount(&t.server)
        .await;
    Mock::given(method("GET"))
        .and(path(details_path()))
        .and(header("authorization", format!("Bearer {SECOND}")))
        .respond_with(json(200, &fixture("port_details.json")))
        .expect(1)
        .mount(&t.server)
        .await;

    let details = t
        .client
        .port_details(&PortId::new(DETAILS_ID).unwrap())
        .await
        .unwrap();

    assert_eq!(details.id.as_str(), DETAILS_ID);
    assert_eq!(details.name.as_deref(), Some("Example Port"));
    assert_eq!(t.client.token_grants(), 2);
    let get = Seen::api("GET", &format!("/port/{DETAILS_ID}"));
    assert_requests(
        &t.server,
        &[
            Seen::token_grant(),
            get.clone().bearer(FIRST),
            Seen::token_grant(),
            get.bearer(SECOND),
        ],
    )
    .await;
}

#[tokio::test]
async fn a_second_401_after_the_refresh_is_an_auth_error() {
    let t = setup_oauth().await;
    mount_two_tokens(&t.server, 3600).await;
    Mock::given(method("GET"))
        .and(path(details_path()))
        .respond_with(json(401, &json!({"title": "Unauthorized", "status": 401})))
        .expect(2)
        .mount(&t.server)
        .await;

    let err = t
        .client
        .port_details(&PortId::new(DETAILS_ID).unwrap())
        .await
        .unwrap_err();

    match err {
        Error::Auth {
            carrier,
            status,
            message,
        } => {
            assert_eq!(carrier, Carrier::Cellhire);
            assert_eq!(status, Some(401));
            assert_eq!(message, "Unauthorized");
        }
        other => panic!("expected Auth, got {other:?}"),
    }
    assert_eq!(t.client.token_grants(), 2);
    let get = Seen::api("GET", &format!("/port/{DETAILS_ID}"));
    assert_requests(
        &t.server,
        &[
            Seen::token_grant(),
            get.clone().bearer(FIRST),
            Seen::token_grant(),
            get.bearer(SECOND),
        ],
    )
    .await;
}

#[tokio::test]
async fn a_static_token_refused_with_401_is_an_auth_error_without_refresh() {
    let t = setup().await;
    Mock::given(method("GET"))
        .and(path(details_path()))
        .respond_with(ResponseTemplate::new(401).set_body_string("token expired"))
        .expect(1)
        .mount(&t.server)
        .await;

    let err = t
        .client
        .port_details(&PortId::new(DETAILS_ID).unwrap())
        .await
        .unwrap_err();

    match err {
        Error::Auth {
            carrier,
            status,
            message,
        } => {
            assert_eq!(carrier, Carrier::Cellhire);
            assert_eq!(status, Some(401));
            assert_eq!(message, "token expired");
        }
        other => panic!("expected Auth, got {other:?}"),
    }
    assert_eq!(t.client.token_grants(), 0);
    assert_requests(
        &t.server,
        &[Seen::api("GET", &format!("/port/{DETAILS_ID}"))],
    )
    .await;
}

#[tokio::test]
async fn an_invalid_client_at_the_token_endpoint_is_an_auth_error() {
    let t = setup_oauth().await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(json(400, &json!({"error": "invalid_client"})))
        .expect(1)
        .mount(&t.server)
        .await;

    let err = t.client.networks().await.unwrap_err();

    match err {
        Error::Auth {
            carrier,
            status,
            message,
        } => {
            assert_eq!(carrier, Carrier::Cellhire);
            assert_eq!(status, Some(400));
            assert_eq!(message, "invalid_client");
        }
        other => panic!("expected Auth, got {other:?}"),
    }
    assert_eq!(t.client.token_grants(), 0);
    // No API call is made without a token.
    assert_requests(&t.server, &[Seen::token_grant()]).await;
}

#[tokio::test]
async fn concurrent_calls_share_one_grant() {
    let t = setup_oauth().await;
    // A slow grant, so that every call arrives while it is in flight.
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(json(200, &fixture("token.json")).set_delay(Duration::from_millis(200)))
        .expect(1)
        .mount(&t.server)
        .await;
    mount_networks_for(&t.server, FIRST, 10).await;

    let calls = (0..10).map(|_| {
        let client = t.client.clone();
        async move { client.networks().await }
    });
    let results = join_all(calls).await;

    let first = results[0].as_ref().unwrap();
    assert_eq!(first.len(), 3);
    for result in &results {
        assert_eq!(result.as_ref().unwrap(), first);
    }
    assert_eq!(t.client.token_grants(), 1);
    let mut want = vec![Seen::token_grant()];
    want.extend((0..10).map(|_| Seen::networks().bearer(FIRST)));
    assert_requests(&t.server, &want).await;
}

#[tokio::test]
async fn an_expired_token_is_fetched_again() {
    let t = setup_oauth().await;
    // One second of life: refreshed after 0.9 s.
    mount_two_tokens(&t.server, 1).await;
    mount_networks_for(&t.server, FIRST, 1).await;
    mount_networks_for(&t.server, SECOND, 1).await;

    t.client.networks().await.unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let networks = t.client.networks().await.unwrap();

    assert_eq!(networks.len(), 3);
    assert_eq!(t.client.token_grants(), 2);
    assert_requests(
        &t.server,
        &[
            Seen::token_grant(),
            Seen::networks().bearer(FIRST),
            Seen::token_grant(),
            Seen::networks().bearer(SECOND),
        ],
    )
    .await;
}

#[tokio::test]
async fn a_token_endpoint_outage_is_retried_like_a_read() {
    let t = setup_oauth().await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&t.server)
        .await;
    mount_token(&t.server, 1).await;
    mount_networks_for(&t.server, FIRST, 1).await;

    let networks = t.client.networks().await.unwrap();

    assert_eq!(networks.len(), 3);
    assert_eq!(t.client.token_grants(), 1);
    assert_eq!(t.sleeps.delays(), [Duration::from_millis(1)]);
    assert_requests(
        &t.server,
        &[
            Seen::token_grant(),
            Seen::token_grant(),
            Seen::networks().bearer(FIRST),
        ],
    )
    .await;
}

#[tokio::test]
async fn a_huge_expires_in_does_not_panic() {
    let t = setup_oauth().await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(token_answer(FIRST, u64::MAX))
        .expect(1)
        .mount(&t.server)
        .await;
    mount_networks_for(&t.server, FIRST, 1).await;

    // Run on its own task so that a panic is reported, not propagated.
    let client = t.client.clone();
    let outcome = tokio::spawn(async move { client.networks().await }).await;

    let networks = outcome
        .expect("the client must not panic on a carrier's answer")
        .unwrap();
    assert_eq!(networks.len(), 3);
    assert_eq!(received(&t.server).await.len(), 2);
}

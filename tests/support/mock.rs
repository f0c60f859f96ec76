//! The catch-all every mock server mounts: a request no test asked for is
//! answered 599 with a body naming it, and the test fails when the server is
//! dropped (the catch-all expects no call).

use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// The status the catch-all answers.
pub const UNEXPECTED: u16 = 599;

/// Answers [`UNEXPECTED`] with `unexpected request: METHOD /path`.
struct Unexpected;

impl Respond for Unexpected {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        ResponseTemplate::new(UNEXPECTED).set_body_string(format!(
            "unexpected request: {} {}",
            request.method,
            request.url.path()
        ))
    }
}

/// Mounts the catch-all on `server`, at the lowest priority: any request no
/// other mock matches is answered 599, and the server's verification on drop
/// fails the test.
pub async fn mount_catch_all(server: &MockServer) {
    Mock::given(any())
        .respond_with(Unexpected)
        .with_priority(u8::MAX)
        .expect(0)
        .named("catch-all (a request no test mounted)")
        .mount(server)
        .await;
}

/// A mock server with the catch-all mounted.
pub async fn strict_server() -> MockServer {
    let server = MockServer::start().await;
    mount_catch_all(&server).await;
    server
}

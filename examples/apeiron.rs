//! Apeiron port-ins: a JSON submission, a multipart one with a Letter of
//! Authorization, and a rejection handled.
//!
//! With `APEIRON_USERNAME` and `APEIRON_API_TOKEN` set it talks to Apeiron
//! (`APEIRON_BASE_URL` overrides the host). Otherwise it starts the crate's
//! Apeiron sandbox on loopback and runs against that.
//!
//! ```text
//! cargo run --example apeiron
//! ```

use std::process::ExitCode;

use numport::carrier::apeiron::{ApeironClient, ApeironOptions};
use numport::sandbox::ApeironSandbox;
use numport::{
    AccountNumber, Address, Document, DocumentKind, Error, Iccid, PhoneNumber, Pin, PortLine,
    PortProvider, PortRequest, Subscriber,
};

/// A one-page PDF, made in memory, standing in for a signed LoA.
fn letter_of_authorization() -> Vec<u8> {
    let body = "BT /F1 12 Tf 72 720 Td (Letter of Authorization: Jane Roe, 212-555-0135) Tj ET";
    format!(
        "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n\
         2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n\
         3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]/Contents 4 0 R>>endobj\n\
         4 0 obj<</Length {}>>stream\n{body}\nendstream endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n",
        body.len()
    )
    .into_bytes()
}

fn request(number: &str, serial: u32, name: (&str, &str)) -> Result<PortRequest, Error> {
    let sim = Iccid::with_check_digit(&format!("89012601234567{serial:05}"))?;
    let address = Address::new("350 5th Ave", "New York", "NY", "10118", "US").with_line2("Fl 20");
    Ok(PortRequest::new(vec![
        PortLine::new(PhoneNumber::nanp(number)?).with_sim(sim),
    ])
    .with_subscriber(Subscriber::new(name.0, name.1).with_address(address))
    .with_authorization_name(format!("{} {}", name.0, name.1))
    .with_losing_account(AccountNumber::new("778812340")?, Pin::new("4821")?)
    .with_reference("numport example")
    .with_apeiron(ApeironOptions::new("UTT5GB").with_create_subscriber(true)))
}

/// Submits and prints what Apeiron answered; a refusal is printed, not fatal.
async fn submit(
    provider: &dyn PortProvider,
    what: &str,
    request: &PortRequest,
) -> Result<(), Error> {
    println!("{what}");
    match provider.submit(request).await {
        Ok(submission) => {
            for order in &submission.orders {
                println!("   accepted: port order {} ({})", order.id, order.raw);
            }
            for failure in &submission.failures {
                println!("   refused for {}: {}", failure.number, failure.message);
            }
            Ok(())
        }
        Err(e) if e.is_rejected() => {
            let reason = e
                .reject_reason()
                .map(|r| format!("{r:?}"))
                .unwrap_or_default();
            println!("   Apeiron refused it ({reason}): {e}");
            Ok(())
        }
        Err(e) => Err(e),
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let configured = std::env::var_os("APEIRON_USERNAME").is_some()
        && std::env::var_os("APEIRON_API_TOKEN").is_some();
    let mut _sandbox = None;
    let client = if configured {
        println!("Using Apeiron as configured in the environment.");
        ApeironClient::from_env()?
    } else {
        let sandbox = ApeironSandbox::start().await?;
        println!(
            "No APEIRON_* credentials set: started the Apeiron sandbox at {}",
            sandbox.base_url()
        );
        let client = ApeironClient::builder()
            .base_url(sandbox.base_url())
            .username(sandbox.username())
            .api_token(sandbox.api_token())
            .build()?;
        _sandbox = Some(sandbox);
        client
    };
    let provider: &dyn PortProvider = &client;
    let caps = provider.capabilities();
    println!(
        "Apeiron supports: submit {}, documents {}, status {}, cancel {}",
        caps.submit, caps.documents, caps.order, caps.cancel
    );

    let first = request("2125550134", 1, ("John", "Doe"))?;
    submit(provider, "1. JSON port-in of (212) 555-0134", &first).await?;

    let with_loa = request("2125550135", 2, ("Jane", "Roe"))?.with_document(Document::new(
        DocumentKind::LetterOfAuthorization,
        "loa.pdf",
        "application/pdf",
        letter_of_authorization(),
    ));
    submit(
        provider,
        "2. Multipart port-in of (212) 555-0135 with its LoA",
        &with_loa,
    )
    .await?;

    println!("3. The same number again, while its first port is pending");
    let again = request("2125550134", 3, ("John", "Doe"))?;
    submit(provider, "   resubmitting (212) 555-0134", &again).await?;

    println!("4. A request missing what the checklist needs is refused before sending");
    let mut incomplete = request("2125550136", 4, ("Ann", "Lee"))?;
    incomplete.pin = None;
    if let Some(options) = incomplete.apeiron.as_mut() {
        options.subscriber_service_plan_id = Some("1001".into());
    }
    match provider.submit(&incomplete).await {
        Err(Error::Validation(problems)) => {
            for p in problems {
                println!("   {}: {}", p.field, p.problem);
            }
        }
        other => return Err(format!("expected a validation error, got {other:?}").into()),
    }
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => {
            println!("Done.");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

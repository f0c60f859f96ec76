//! Apeiron's pre-submission checklist, run once before anything is sent:
//! on a [`CellularPort`] (the native call; problems named after Apeiron's
//! fields) and on a [`PortRequest`] (the trait's submit; problems named
//! after the request's own fields). The same rules in both.

use super::request::{e911_part, e911_parts};
use super::types::{CellularPort, E911, ServicePlan};
use crate::error::{Problems, Result};
use crate::model::options::apeiron::ApeironOptions;
use crate::model::{DocumentKind, PhoneNumber, PortRequest, check_text, is_us_state, is_zip};

/// Longest free-text field accepted (Apeiron names no limit; this keeps a
/// runaway value from being sent).
const MAX_TEXT: usize = 255;

/// The names the five parts of an address are reported under: line 1,
/// line 2, city, state, postal code.
type AddressNames = [&'static str; 5];

const PORT_ADDRESS: AddressNames = ["address1", "address2", "city", "state", "postal_code"];
const PORT_E911: AddressNames = [
    "e911_address1",
    "e911_address2",
    "e911_city",
    "e911_state",
    "e911_postal_code",
];
const SUBSCRIBER_ADDRESS: AddressNames = [
    "subscriber.address.line1",
    "subscriber.address.line2",
    "subscriber.address.city",
    "subscriber.address.state",
    "subscriber.address.postal_code",
];
const OPTIONS_E911: AddressNames = [
    "apeiron.e911.address1",
    "apeiron.e911.address2",
    "apeiron.e911.city",
    "apeiron.e911.state",
    "apeiron.e911.postal_code",
];

fn text(p: &mut Problems, field: &str, value: &str) {
    p.take("", check_text(field, value, MAX_TEXT));
}

fn optional(p: &mut Problems, field: &str, value: Option<&str>) {
    if let Some(value) = value {
        text(p, field, value);
    }
}

fn number(p: &mut Problems, field: impl FnOnce() -> String, number: &PhoneNumber) {
    if !number.is_nanp() {
        p.add(field(), format!("{number} is not a 10-digit NANP number"));
    }
}

fn state(p: &mut Problems, field: &str, value: &str) {
    if !is_us_state(value) {
        p.add(
            field,
            format!("{value:?} is not a two-letter US state code"),
        );
    }
}

fn zip(p: &mut Problems, field: &str, value: &str) {
    if !is_zip(value) {
        p.add(field, format!("{value:?} is not a ZIP or ZIP+4 code"));
    }
}

/// The parts of a US address as they are sent; `line2` only when it is.
struct Address<'a> {
    line1: &'a str,
    line2: Option<&'a str>,
    city: &'a str,
    state: &'a str,
    postal_code: &'a str,
}

/// Lines and city as text, a state code, a ZIP code.
fn address(p: &mut Problems, names: &AddressNames, a: Address<'_>) {
    let [line1, line2, city, code, postal_code] = names;
    text(p, line1, a.line1);
    optional(p, line2, a.line2);
    text(p, city, a.city);
    state(p, code, a.state);
    zip(p, postal_code, a.postal_code);
}

/// The checklist on one port, problems named after Apeiron's fields.
pub(super) fn port(port: &CellularPort, p: &mut Problems) {
    number(p, || "mdn".to_owned(), &port.mdn);
    text(p, "authorization_name", &port.authorization_name);
    text(p, "first_name", &port.first_name);
    text(p, "last_name", &port.last_name);
    address(
        p,
        &PORT_ADDRESS,
        Address {
            line1: &port.address1,
            line2: port.address2.as_deref().filter(|l| !l.is_empty()),
            city: &port.city,
            state: &port.state,
            postal_code: &port.postal_code,
        },
    );
    match &port.plan {
        ServicePlan::Code(code) => text(p, "service_plan", code),
        ServicePlan::SubscriberPlanId(id) => text(p, "subscriber_service_plan_id", id),
    }
    optional(p, "ticket_id", port.ticket_id.as_deref());
    optional(p, "reference", port.reference.as_deref());
    optional(p, "business_name", port.business_name.as_deref());
    if let E911::Address {
        address1,
        address2,
        city,
        state: code,
        postal_code,
    } = &port.e911
    {
        address(
            p,
            &PORT_E911,
            Address {
                line1: address1,
                line2: address2.as_deref(),
                city,
                state: code,
                postal_code,
            },
        );
    }
    for (field, doc) in [("loa", &port.loa), ("bill", &port.bill)] {
        if let Some(doc) = doc {
            if let Err(e) = doc.validate() {
                p.push(e.at(field));
            }
        }
    }
}

/// The checklist on a request for Apeiron, problems named after the
/// request's own fields; nothing is to be sent unless it passes. What is
/// missing is reported first, then what is wrong with what is there, for
/// every line and field at once.
pub(super) fn request(request: &PortRequest) -> Result<()> {
    let mut p = Problems::new();
    request.validate_common(&mut p);
    documents(request, &mut p);
    let Some(options) = &request.apeiron else {
        p.add(
            "apeiron",
            "options are missing: set PortRequest::with_apeiron",
        );
        return p.finish();
    };
    let plan = plan_choice(options, &mut p);
    let e911 = e911_choice(options, &mut p);
    let subscriber = request.subscriber.as_ref();
    if subscriber.is_none() {
        p.add(
            "subscriber",
            "is missing: Apeiron needs the subscriber's name and service address",
        );
    }
    let address_given = subscriber.and_then(|s| s.address.as_ref());
    if subscriber.is_some() && address_given.is_none() {
        p.add(
            "subscriber.address",
            "is missing: Apeiron needs the service address",
        );
    }
    if request.authorization_name.is_none() {
        p.add(
            "authorization_name",
            "is missing: the name on the Letter of Authorization",
        );
    }
    if request.account_number.is_none() {
        p.add(
            "account_number",
            "is missing: the losing carrier's account number",
        );
    }
    if request.pin.is_none() {
        p.add("pin", "is missing: the losing carrier's account PIN");
    }
    for (i, line) in request.lines.iter().enumerate() {
        if line.sim.is_none() {
            p.add(
                format!("lines[{i}].sim"),
                "is missing: Apeiron needs the SIM's ICCID",
            );
        }
    }
    // What is there, under the rules of the port it becomes.
    for (i, line) in request.lines.iter().enumerate() {
        number(&mut p, || format!("lines[{i}].number"), &line.number);
    }
    optional(
        &mut p,
        "authorization_name",
        request.authorization_name.as_deref(),
    );
    if let Some(s) = subscriber {
        text(&mut p, "subscriber.first_name", &s.first_name);
        text(&mut p, "subscriber.last_name", &s.last_name);
    }
    if let Some(a) = address_given {
        address(
            &mut p,
            &SUBSCRIBER_ADDRESS,
            Address {
                line1: &a.line1,
                line2: a.line2.as_deref().filter(|l| !l.is_empty()),
                city: &a.city,
                state: &a.state,
                postal_code: &a.postal_code,
            },
        );
    }
    if let Some((field, value)) = plan {
        text(&mut p, field, value);
    }
    optional(&mut p, "apeiron.ticket_id", options.ticket_id.as_deref());
    optional(&mut p, "reference", request.reference.as_deref());
    optional(
        &mut p,
        "subscriber.business_name",
        subscriber.and_then(|s| s.business_name.as_deref()),
    );
    if let Some(a) = e911 {
        address(&mut p, &OPTIONS_E911, a);
    }
    p.finish()
}

/// Exactly one of the plan code and the plan id: the one set, with its
/// field.
fn plan_choice<'a>(
    options: &'a ApeironOptions,
    p: &mut Problems,
) -> Option<(&'static str, &'a str)> {
    match (&options.service_plan, &options.subscriber_service_plan_id) {
        (Some(code), None) => Some(("apeiron.service_plan", code)),
        (None, Some(id)) => Some(("apeiron.subscriber_service_plan_id", id)),
        (Some(_), Some(_)) => {
            p.add(
                "apeiron.subscriber_service_plan_id",
                "is set together with apeiron.service_plan: set exactly one",
            );
            None
        }
        (None, None) => {
            p.add(
                "apeiron.service_plan",
                "is not set, nor is apeiron.subscriber_service_plan_id: set exactly one",
            );
            None
        }
    }
}

/// The E911 choice is one of none, the subscriber's address, or a complete
/// address; the address when it is a complete one.
fn e911_choice<'a>(options: &'a ApeironOptions, p: &mut Problems) -> Option<Address<'a>> {
    let parts = e911_parts(options);
    match (options.use_subscriber_address_for_e911, parts) {
        (true, Some(_)) => {
            p.add(
                "apeiron.e911",
                "cannot be combined with use_subscriber_address_for_e911: set one or the other",
            );
            None
        }
        (_, None) => None,
        (false, Some(a)) => {
            let mut part = |name: &str, value: &'a Option<String>| {
                let part = e911_part(value);
                if part.is_none() {
                    p.add(
                        format!("apeiron.e911.{name}"),
                        "is missing: a partial E911 address is not accepted",
                    );
                }
                part
            };
            let line1 = part("address1", &a.address1);
            let city = part("city", &a.city);
            let state = part("state", &a.state);
            let postal_code = part("postal_code", &a.postal_code);
            Some(Address {
                line1: line1?,
                line2: e911_part(&a.address2),
                city: city?,
                state: state?,
                postal_code: postal_code?,
            })
        }
    }
}

/// Apeiron takes one `loa` and one `bill`.
fn documents(request: &PortRequest, p: &mut Problems) {
    for kind in [DocumentKind::LetterOfAuthorization, DocumentKind::Bill] {
        let of_kind: Vec<usize> = request
            .documents
            .iter()
            .enumerate()
            .filter(|(_, d)| d.kind == kind)
            .map(|(i, _)| i)
            .collect();
        for i in of_kind.iter().skip(1) {
            p.add(
                format!("documents[{i}]"),
                format!("is a second {kind:?}: Apeiron takes one loa and one bill"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::options::apeiron::E911Address;
    use crate::model::{AccountNumber, Address as Postal, Document, Iccid, PortLine, Subscriber};

    fn valid() -> PortRequest {
        PortRequest::new(vec![
            PortLine::new(PhoneNumber::nanp("4246346488").unwrap())
                .with_sim(Iccid::parse("89012601234567000010").unwrap()),
        ])
        .with_subscriber(Subscriber::new("John", "Doe").with_address(Postal::new(
            "123 Main St",
            "Anytown",
            "CA",
            "12345",
            "US",
        )))
        .with_authorization_name("John Doe")
        .with_losing_account(
            AccountNumber::new("123456789").unwrap(),
            crate::model::Pin::new("1234").unwrap(),
        )
        .with_apeiron(ApeironOptions::new("UTT5GB"))
    }

    /// Whether the native checklist refuses a port the request maps to.
    fn native_refuses(request: &PortRequest) -> bool {
        super::super::request::ports(request).is_some_and(|ports| {
            ports.iter().any(|port| {
                let mut p = Problems::new();
                super::port(port, &mut p);
                !p.is_empty()
            })
        })
    }

    /// Every rule of the native checklist, broken through a request: the
    /// request's own pass refuses each, so the trait never sends a port
    /// the native call would refuse.
    #[test]
    fn the_request_pass_covers_every_native_rule() {
        let long = "x".repeat(MAX_TEXT + 1);
        let mut broken: Vec<(&str, PortRequest)> = Vec::new();
        let mut edit = |name, f: &dyn Fn(&mut PortRequest)| {
            let mut r = valid();
            f(&mut r);
            broken.push((name, r));
        };
        fn sub(r: &mut PortRequest) -> &mut Subscriber {
            r.subscriber.as_mut().unwrap()
        }
        edit("mdn", &|r| {
            r.lines[0].number = PhoneNumber::parse("+447700900123").unwrap()
        });
        edit("authorization_name", &|r| {
            r.authorization_name = Some(" ".into())
        });
        edit("first_name", &|r| sub(r).first_name = long.clone());
        edit("last_name", &|r| sub(r).last_name = "a\u{7}b".into());
        edit("address1", &|r| {
            sub(r).address.as_mut().unwrap().line1 = "".into()
        });
        edit("address2", &|r| {
            sub(r).address.as_mut().unwrap().line2 = Some(" ".into())
        });
        edit("city", &|r| {
            sub(r).address.as_mut().unwrap().city = long.clone()
        });
        edit("state", &|r| {
            sub(r).address.as_mut().unwrap().state = "ZZ".into()
        });
        edit("postal_code", &|r| {
            sub(r).address.as_mut().unwrap().postal_code = "123".into()
        });
        edit("service_plan", &|r| {
            r.apeiron = Some(ApeironOptions::new(" "))
        });
        edit("subscriber_service_plan_id", &|r| {
            r.apeiron = Some(ApeironOptions {
                subscriber_service_plan_id: Some(long.clone()),
                ..ApeironOptions::default()
            });
        });
        edit("ticket_id", &|r| {
            r.apeiron.as_mut().unwrap().ticket_id = Some("".into())
        });
        edit("reference", &|r| r.reference = Some(long.clone()));
        edit("business_name", &|r| {
            sub(r).business_name = Some(" ".into())
        });
        let e911 = |set: &dyn Fn(&mut E911Address)| {
            let mut a = E911Address::new("1 Way", "Springfield", "IL", "62701");
            set(&mut a);
            a
        };
        edit("e911_address1", &|r| {
            r.apeiron.as_mut().unwrap().e911 = Some(e911(&|a| a.address1 = Some(long.clone())))
        });
        edit("e911_address2", &|r| {
            r.apeiron.as_mut().unwrap().e911 = Some(e911(&|a| a.address2 = Some(long.clone())))
        });
        edit("e911_city", &|r| {
            r.apeiron.as_mut().unwrap().e911 = Some(e911(&|a| a.city = Some("a\u{0}".into())))
        });
        edit("e911_state", &|r| {
            r.apeiron.as_mut().unwrap().e911 = Some(e911(&|a| a.state = Some("Illinois".into())))
        });
        edit("e911_postal_code", &|r| {
            r.apeiron.as_mut().unwrap().e911 = Some(e911(&|a| a.postal_code = Some("6270".into())))
        });
        edit("loa", &|r| {
            r.documents.push(Document::new(
                DocumentKind::LetterOfAuthorization,
                "loa.pdf",
                "application/pdf",
                Vec::new(),
            ))
        });
        edit("bill", &|r| {
            r.documents.push(Document::new(
                DocumentKind::Bill,
                "bill.docx",
                "application/msword",
                b"doc".to_vec(),
            ))
        });

        assert!(request(&valid()).is_ok());
        assert!(!native_refuses(&valid()));
        for (rule, r) in &broken {
            assert!(
                native_refuses(r),
                "{rule}: the native checklist should refuse it"
            );
            assert!(
                request(r).is_err(),
                "{rule}: the request pass let it through"
            );
        }
    }

    #[test]
    fn zip_codes() {
        assert!(is_zip("90210"));
        assert!(is_zip("90210-1234"));
        assert!(!is_zip("9021"));
        assert!(!is_zip("90210 1234"));
        assert!(!is_zip("ABCDE"));
        assert!(!is_zip("90210-12é"));
    }
}

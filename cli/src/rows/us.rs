//! Apeiron and iNumbering rows: subscriber, service address, losing account.

use std::path::Path;

use numport::carrier::apeiron::{ApeironOptions, E911Address, ServicePlan};
use numport::carrier::inumbering::{INumberingOptions, MAX_CALLER_NAME, NameType, StreetParts};
use numport::{
    AccountNumber, Address, Document, DocumentKind, Iccid, PhoneNumber, Pin, PortLine, PortRequest,
    Subscriber,
};

use super::Cells;

/// USPS codes of the states, DC and the inhabited territories: the codes
/// the US carriers accept in a service address.
const US_STATES: &[&str] = &[
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA",
    "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM",
    "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA",
    "WV", "WI", "WY", "PR", "GU", "VI", "AS", "MP",
];

/// True for a USPS state or territory code in capitals (`IL`). The
/// library checks the same before sending; checking here names the column.
fn is_us_state(code: &str) -> bool {
    US_STATES.contains(&code)
}

/// True for a ZIP code, `12345` or `12345-6789`.
fn is_zip(code: &str) -> bool {
    let b = code.as_bytes();
    let digits = |s: &[u8]| s.iter().all(u8::is_ascii_digit);
    match b.len() {
        5 => digits(b),
        10 => digits(&b[..5]) && b[5] == b'-' && digits(&b[6..]),
        _ => false,
    }
}

fn state(c: &mut Cells<'_>, column: &str, required: bool) -> Option<String> {
    let value = if required {
        c.required(column, "the service address's state")?
    } else {
        c.text(column)?
    };
    if is_us_state(&value) {
        Some(value)
    } else {
        c.problem(
            column,
            format!("{value:?} is not a two-letter US state code"),
        );
        None
    }
}

fn zip(c: &mut Cells<'_>, column: &str, required: bool) -> Option<String> {
    let value = if required {
        c.required(column, "the service address's ZIP code")?
    } else {
        c.text(column)?
    };
    if is_zip(&value) {
        Some(value)
    } else {
        c.problem(column, format!("{value:?} is not a ZIP or ZIP+4 code"));
        None
    }
}

/// The service address (every part checked, so each problem is named).
fn address(c: &mut Cells<'_>) -> Option<Address> {
    let line1 = c.required("address1", "the service address");
    let city = c.required("city", "the service address's city");
    let state = state(c, "state", true);
    let zip = zip(c, "postal_code", true);
    let country = c.text("country").unwrap_or_else(|| "US".to_owned());
    let mut address = Address::new(line1?, city?, state?, zip?, country);
    if let Some(line2) = c.text("address2") {
        address = address.with_line2(line2);
    }
    Some(address)
}

/// The losing carrier's account number, and its PIN when `pin_required`
/// or given.
fn account(c: &mut Cells<'_>, pin_required: bool) -> Option<(AccountNumber, Option<Pin>)> {
    let account = match c.has("account_number") {
        true => c.parsed("account_number", |v| AccountNumber::new(v)),
        false => {
            c.problem(
                "account_number",
                "is missing: the losing carrier's account number",
            );
            None
        }
    };
    let pin = match (c.has("pin"), pin_required) {
        (true, _) => Some(c.parsed("pin", |v| Pin::new(v))?),
        (false, true) => {
            c.problem("pin", "is missing: the losing carrier's account PIN");
            return None;
        }
        (false, false) => None,
    };
    Some((account?, pin))
}

fn with_account(request: PortRequest, account: AccountNumber, pin: Option<Pin>) -> PortRequest {
    let mut request = request;
    request.account_number = Some(account);
    request.pin = pin;
    request
}

/// The request of an Apeiron row.
pub fn apeiron(c: &mut Cells<'_>, number: Option<PhoneNumber>, base: &Path) -> Option<PortRequest> {
    let sim = match c.has("sim") {
        true => c.parsed("sim", Iccid::parse),
        false => {
            c.problem("sim", "is missing: Apeiron needs the SIM's ICCID");
            None
        }
    };
    let first = c.required("first_name", "the subscriber's first name");
    let last = c.required("last_name", "the subscriber's last name");
    let address = address(c);
    let authorization = c.required(
        "authorization_name",
        "who signs the Letter of Authorization",
    );
    let account = account(c, true);
    let options = apeiron_options(c);
    let loa = document(c, "loa", DocumentKind::LetterOfAuthorization, base);
    let bill = document(c, "bill", DocumentKind::Bill, base);
    let mut subscriber = Subscriber::new(first?, last?).with_address(address?);
    if let Some(business) = c.text("business_name") {
        subscriber = subscriber.with_business_name(business);
    }
    let (account, pin) = account?;
    let mut request = PortRequest::new(vec![PortLine::new(number?).with_sim(sim?)])
        .with_subscriber(subscriber)
        .with_authorization_name(authorization?)
        .with_apeiron(options?);
    for document in [loa?, bill?].into_iter().flatten() {
        request = request.with_document(document);
    }
    Some(with_account(request, account, pin))
}

fn apeiron_options(c: &mut Cells<'_>) -> Option<ApeironOptions> {
    let mut options = match (c.text("service_plan"), c.text("service_plan_id")) {
        (Some(code), None) => ApeironOptions::new(code),
        (None, Some(id)) => ApeironOptions::new(ServicePlan::SubscriberPlanId(id)),
        (Some(_), Some(_)) => {
            c.problem(
                "service_plan_id",
                "is set together with service_plan: set one",
            );
            return None;
        }
        (None, None) => {
            c.problem(
                "service_plan",
                "is missing, and so is service_plan_id: set one",
            );
            return None;
        }
    };
    if let Some(ticket) = c.text("ticket_id") {
        options = options.with_ticket_id(ticket);
    }
    if let Some(create) = c.bool("create_subscriber") {
        options = options.with_create_subscriber(create);
    }
    let parts = [
        "e911_address1",
        "e911_address2",
        "e911_city",
        "e911_state",
        "e911_postal_code",
    ];
    let any_part = parts.iter().any(|p| c.has(p));
    if c.bool("e911_subscriber_address") == Some(true) {
        if any_part {
            c.problem(
                "e911_subscriber_address",
                "cannot be combined with e911_* columns",
            );
            return None;
        }
        options = options.with_subscriber_address_for_e911();
    } else if any_part {
        let line1 = c.required("e911_address1", "a partial E911 address is not accepted");
        let city = c.required("e911_city", "a partial E911 address is not accepted");
        let state = state(c, "e911_state", true);
        let zip = zip(c, "e911_postal_code", true);
        let mut e911 = E911Address::new(line1?, city?, state?, zip?);
        if let Some(line2) = c.text("e911_address2") {
            e911 = e911.with_address2(line2);
        }
        options = options.with_e911(e911);
    }
    Some(options)
}

/// A document named by `column`, read from disk (relative to `base`).
fn document(
    c: &mut Cells<'_>,
    column: &str,
    kind: DocumentKind,
    base: &Path,
) -> Option<Option<Document>> {
    let Some(name) = c.text(column) else {
        return Some(None);
    };
    let path = base.join(&name);
    let media = match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
    {
        Some(ext) if ext == "pdf" => "application/pdf",
        Some(ext) if ext == "png" => "image/png",
        Some(ext) if ext == "jpg" || ext == "jpeg" => "image/jpeg",
        Some(ext) if ext == "gif" => "image/gif",
        Some(ext) if ext == "tif" || ext == "tiff" => "image/tiff",
        _ => {
            c.problem(column, "must be a .pdf, .png, .jpg, .gif or .tiff file");
            return None;
        }
    };
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) => {
            c.problem(column, format!("cannot read {}: {e}", path.display()));
            return None;
        }
    };
    let file_name = path
        .file_name()
        .map_or_else(|| name.clone(), |n| n.to_string_lossy().into_owned());
    let document = Document::new(kind, file_name, media, bytes);
    match document.validate() {
        Ok(()) => Some(Some(document)),
        Err(e) => {
            c.problem(column, e.to_string());
            None
        }
    }
}

/// The request of an iNumbering row.
pub fn inumbering(c: &mut Cells<'_>, number: Option<PhoneNumber>) -> Option<PortRequest> {
    let name_type = match c.text("name_type").map(|t| t.to_ascii_lowercase()) {
        None => Some(NameType::Residential),
        Some(t) if t == "residential" => Some(NameType::Residential),
        Some(t) if t == "business" => Some(NameType::Business),
        Some(_) => {
            c.problem("name_type", "must be residential or business");
            None
        }
    };
    let (first, last, business) = match name_type {
        Some(NameType::Business) => (
            c.text("first_name"),
            c.text("last_name"),
            c.required("business_name", "a business port names the business"),
        ),
        _ => (
            c.required("first_name", "the subscriber's first name"),
            c.required("last_name", "the subscriber's last name"),
            c.text("business_name"),
        ),
    };
    let address = address(c);
    if let Some(line1) = address.as_ref().map(|a| a.line1.clone()) {
        if StreetParts::parse(&line1).is_none() {
            c.problem(
                "address1",
                "cannot be split into house number, street and street type (such as 233 S Wacker Dr)",
            );
        }
    }
    let authorization = c.required(
        "authorization_name",
        "who signs the Letter of Authorization",
    );
    let account = account(c, false);
    let options = inumbering_options(c);
    if c.has("sim") {
        c.parsed("sim", Iccid::parse);
    }
    if name_type == Some(NameType::Business) && business.is_none() {
        return None;
    }
    let mut subscriber =
        Subscriber::new(first.unwrap_or_default(), last.unwrap_or_default()).with_address(address?);
    if let Some(business) = business {
        subscriber = subscriber.with_business_name(business);
    }
    let (account, pin) = account?;
    let request = PortRequest::new(vec![PortLine::new(number?)])
        .with_subscriber(subscriber)
        .with_authorization_name(authorization?)
        .with_inumbering(options?.with_name_type(name_type?));
    Some(with_account(request, account, pin))
}

fn inumbering_options(c: &mut Cells<'_>) -> Option<INumberingOptions> {
    let mut options = INumberingOptions::new();
    let mut ok = true;
    if c.has("lidb_name") {
        match c.short_text("lidb_name", MAX_CALLER_NAME) {
            Some(name) => options = options.with_lidb_name(name),
            None => ok = false,
        }
    }
    if c.has("billing_number") {
        match c.parsed("billing_number", PhoneNumber::parse) {
            Some(n) if n.is_nanp() => options = options.with_billing_number(n),
            Some(n) => {
                c.problem("billing_number", format!("{n} is not a NANP (+1) number"));
                ok = false;
            }
            None => ok = false,
        }
    }
    if c.has("gateway_id") {
        match c.int("gateway_id") {
            Some(id) => options = options.with_gateway_id(id),
            None => ok = false,
        }
    }
    if let Some(campaign) = c.text("sms_campaign_id") {
        options = options.with_sms_campaign_id(campaign);
    }
    if c.has("check_portability") {
        match c.bool("check_portability") {
            Some(check) => options = options.with_portability_check(check),
            None => ok = false,
        }
    }
    ok.then_some(options)
}

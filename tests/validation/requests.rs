//! Every public constructor, fed the spellings people write, checked against
//! the exact normalised value or the exact field error (field and problem).
//!
//! Each table test prints a one-line total of its rows.

use numport::http::BaseUrl;
use numport::{
    AccountNumber, Address, Credential, Document, DocumentKind, FieldError, Iccid, Pac,
    PhoneNumber, Pin, PortId,
};

/// What a row expects: the normalised value, or the field and problem.
type Want = Result<&'static str, (&'static str, &'static str)>;

fn ok(value: &'static str) -> Want {
    Ok(value)
}

fn err(field: &'static str, problem: &'static str) -> Want {
    Err((field, problem))
}

/// Runs `rows` of `(input, want)` through `f`, failing with every mismatch
/// at once; prints and returns the row count.
fn run<I: std::fmt::Debug>(
    table: &str,
    rows: &[(I, Want)],
    f: impl Fn(&I) -> Result<String, FieldError>,
) -> usize {
    let mut failures = Vec::new();
    for (input, want) in rows {
        let got = f(input);
        let matches = match (&got, want) {
            (Ok(value), Ok(expected)) => value == expected,
            (Err(e), Err((field, problem))) => e.field == *field && e.problem == *problem,
            _ => false,
        };
        if !matches {
            failures.push(format!("{input:?}: got {got:?}, want {want:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{table}: {} of {} rows failed:\n{}",
        failures.len(),
        rows.len(),
        failures.join("\n")
    );
    println!("{table}: {} rows", rows.len());
    rows.len()
}

#[test]
fn phone_number_parse() {
    let rows = [
        // International, as people write it.
        ("+447700900123", ok("+447700900123")),
        ("+44 7700 900123", ok("+447700900123")),
        ("+44 (0) 7700 900123", ok("+447700900123")),
        ("+44 (0)7700 900123", ok("+447700900123")),
        ("+44(0)7700900123", ok("+447700900123")),
        ("0044 7700 900123", ok("+447700900123")),
        ("0044 (0) 7700 900123", ok("+447700900123")),
        ("+44-7700-900-123", ok("+447700900123")),
        ("+44.7700.900.123", ok("+447700900123")),
        ("  +44 7700 900123  ", ok("+447700900123")),
        ("+44\u{a0}7700\u{a0}900123", ok("+447700900123")),
        ("+44 7700\u{2013}900123", ok("+447700900123")),
        ("+33 6 12 34 56 78", ok("+33612345678")),
        ("+33 (0)6 12 34 56 78", ok("+33612345678")),
        ("+49 (0) 151 2345 6789", ok("+4915123456789")),
        ("+39 06 6988 4857", ok("+390669884857")),
        ("+39 (06) 6988 4857", ok("+390669884857")),
        ("+353 (0)87 123 4567", ok("+353871234567")),
        // NANP, with and without the country code.
        ("(212) 555-0123", ok("+12125550123")),
        ("212-555-0123", ok("+12125550123")),
        ("212.555.0123", ok("+12125550123")),
        ("212 555 0123", ok("+12125550123")),
        ("212/555-0123", ok("+12125550123")),
        ("2125550123", ok("+12125550123")),
        ("1 (212) 555-0123", ok("+12125550123")),
        ("1-212-555-0123", ok("+12125550123")),
        ("+1 (212) 555-0123", ok("+12125550123")),
        ("+1 212 555 0123", ok("+12125550123")),
        ("+1-212-555-0123", ok("+12125550123")),
        ("001 212 555 0123", ok("+12125550123")),
        ("+1 (0) 212 555 0123", ok("+12125550123")),
        // +1 is held to NANP rules.
        (
            "+1 123 555 0123",
            err(
                "number",
                "has a NANP area code that does not start with 2-9",
            ),
        ),
        (
            "(212) 055-0123",
            err("number", "has a NANP exchange that does not start with 2-9"),
        ),
        (
            "+1 212 155 0123",
            err("number", "has a NANP exchange that does not start with 2-9"),
        ),
        (
            "(911) 555-0123",
            err("number", "has an N11 service code as its NANP area code"),
        ),
        (
            "+1 212 411 0123",
            err("number", "has an N11 service code as its NANP exchange"),
        ),
        (
            "+1 212 555 012",
            err("number", "is not a 10-digit NANP number"),
        ),
        (
            "+1 212 555 01234",
            err("number", "is not a 10-digit NANP number"),
        ),
        ("+1234", err("number", "is not a 10-digit NANP number")),
        // National numbers need their country.
        (
            "07700 900123",
            err(
                "number",
                "is a national number without a country code; \
                 write it with + and the country code, or use PhoneNumber::from_national",
            ),
        ),
        (
            "447700900123",
            err(
                "number",
                "is neither a 10-digit NANP number nor an international number \
                 starting with + or 00",
            ),
        ),
        // Malformed.
        ("", err("number", "is empty")),
        ("   ", err("number", "is empty")),
        ("+", err("number", "has no digits")),
        ("00", err("number", "has no digits")),
        ("+()", err("number", "has no digits")),
        ("+44 7700 90012x", err("number", "holds the character 'x'")),
        (
            "+44 7700 900123 ext 4",
            err("number", "holds the character 'e'"),
        ),
        (
            "+44 7700\n900123",
            err("number", "holds the character '\\n'"),
        ),
        (
            "+44 7700\r900123",
            err("number", "holds the character '\\r'"),
        ),
        (
            "+44 7700\0900123",
            err("number", "holds the character '\\0'"),
        ),
        ("+44 +7700 900123", err("number", "holds the character '+'")),
        ("1-800-FLOWERS", err("number", "holds the character 'F'")),
        ("(212 555-0123", err("number", "has a ( without a )")),
        ("212) 555-0123", err("number", "has a ) without a (")),
        (
            "((212)) 555-0123",
            err("number", "has brackets inside brackets"),
        ),
        (
            "+44 7700 900123 4567 89012",
            err("number", "has too many digits for a phone number"),
        ),
        (
            "+44 7700 9001234567",
            err("number", "must have 8 to 15 digits with its country code"),
        ),
        (
            "+44 770",
            err("number", "must have 8 to 15 digits with its country code"),
        ),
        (
            "+0 7700 900123",
            err("number", "has a country code starting with 0"),
        ),
        (
            "000 7700 900123",
            err("number", "has a country code starting with 0"),
        ),
    ];
    let n = run("PhoneNumber::parse", &rows, |s| {
        PhoneNumber::parse(s).map(|p| p.e164())
    });
    // `FromStr` and serde read numbers the same way.
    let n2 = run("PhoneNumber::from_str", &rows, |s| {
        s.parse::<PhoneNumber>().map(|p| p.e164())
    });
    assert_eq!(n, n2);
}

#[test]
fn phone_number_from_national() {
    let rows = [
        // International input is read as international; the country argument
        // is only the country of national numbers.
        (("+44 7700 900123", "44"), ok("+447700900123")),
        (("+44 (0) 7700 900123", "44"), ok("+447700900123")),
        (("0044 7700 900123", "44"), ok("+447700900123")),
        (("+44 7700 900123", "1"), ok("+447700900123")),
        (("+33 6 12 34 56 78", "44"), ok("+33612345678")),
        (("+1 (212) 555-0123", "44"), ok("+12125550123")),
        // National forms, with and without the trunk 0.
        (("07700 900123", "44"), ok("+447700900123")),
        (("07700-900-123", "44"), ok("+447700900123")),
        (("(07700) 900123", "44"), ok("+447700900123")),
        (("7700 900123", "44"), ok("+447700900123")),
        (("06 12 34 56 78", "33"), ok("+33612345678")),
        (("06.12.34.56.78", "33"), ok("+33612345678")),
        (("0151 2345 6789", "49"), ok("+4915123456789")),
        (("070000000000", "44"), ok("+4470000000000")),
        // NANP: the trunk is 1, and the rules apply.
        (("(212) 555-0123", "1"), ok("+12125550123")),
        (("1 (212) 555-0123", "1"), ok("+12125550123")),
        (("212.555.0123", "1"), ok("+12125550123")),
        (
            ("(212) 055-0123", "1"),
            err("number", "has a NANP exchange that does not start with 2-9"),
        ),
        (
            ("555-0123", "1"),
            err("number", "is not a 10-digit NANP number"),
        ),
        // Errors.
        (
            ("0", "44"),
            err("number", "has no digits after its trunk 0"),
        ),
        (
            ("07700 9001x3", "44"),
            err("number", "holds the character 'x'"),
        ),
        (
            ("0770", "44"),
            err("number", "must have 8 to 15 digits with its country code"),
        ),
        (("", "44"), err("number", "is empty")),
        (
            ("07700 900123", ""),
            err("country_code", "is not a 1-3 digit calling code"),
        ),
        (
            ("07700 900123", "+44"),
            err("country_code", "is not a 1-3 digit calling code"),
        ),
        (
            ("07700 900123", "044"),
            err("country_code", "is not a 1-3 digit calling code"),
        ),
        (
            ("07700 900123", "4444"),
            err("country_code", "is not a 1-3 digit calling code"),
        ),
        (
            ("+44 7700 900123", "x"),
            err("country_code", "is not a 1-3 digit calling code"),
        ),
    ];
    run("PhoneNumber::from_national", &rows, |(national, cc)| {
        PhoneNumber::from_national(national, cc).map(|p| p.e164())
    });
}

#[test]
fn phone_number_nanp() {
    let rows = [
        ("(212) 555-0123", ok("2125550123")),
        ("212-555-0123", ok("2125550123")),
        ("212.555.0123", ok("2125550123")),
        ("1 212 555 0123", ok("2125550123")),
        ("+1 (212) 555-0123", ok("2125550123")),
        ("001 212 555 0123", ok("2125550123")),
        ("4246346488", ok("4246346488")),
        (
            "+44 7700 900123",
            err("number", "is an international number outside NANP (+1)"),
        ),
        (
            "0044 7700 900123",
            err("number", "is an international number outside NANP (+1)"),
        ),
        ("555-0123", err("number", "is not a 10-digit NANP number")),
        (
            "07700 900123",
            err("number", "is not a 10-digit NANP number"),
        ),
        (
            "(112) 555-0123",
            err(
                "number",
                "has a NANP area code that does not start with 2-9",
            ),
        ),
        (
            "(212) 911-0123",
            err("number", "has an N11 service code as its NANP exchange"),
        ),
        ("", err("number", "is empty")),
        ("(212) 555-012x", err("number", "holds the character 'x'")),
    ];
    run("PhoneNumber::nanp", &rows, |s| {
        PhoneNumber::nanp(s).map(|p| p.nanp_digits().unwrap_or_default().to_owned())
    });
}

#[test]
fn phone_number_accessors_and_serde() {
    let rows = [
        ("+44 (0) 7700 900123", ok("447700900123 07700900123 false")),
        ("(212) 555-0123", ok("12125550123 2125550123 true")),
        ("+33 6 12 34 56 78", ok("33612345678 - false")),
    ];
    run("PhoneNumber accessors", &rows, |s| {
        let n = PhoneNumber::parse(s)?;
        let national = n
            .national("44")
            .or_else(|| n.national("1"))
            .unwrap_or_else(|| "-".to_owned());
        Ok(format!("{} {national} {}", n.msisdn(), n.is_nanp()))
    });
    let serde_rows = [
        ("\"+44 (0) 7700 900123\"", ok("\"+447700900123\"")),
        ("\"(212) 555-0123\"", ok("\"+12125550123\"")),
        ("\"07700 900123\"", err("json", "refused")),
    ];
    run("PhoneNumber serde", &serde_rows, |s| {
        let n: PhoneNumber =
            serde_json::from_str(s).map_err(|_| FieldError::new("json", "refused"))?;
        serde_json::to_string(&n).map_err(|_| FieldError::new("json", "unwritable"))
    });
}

#[test]
fn iccid() {
    let rows = [
        ("8901260123456789011", ok("8901260123456789011 checked")),
        ("8901 2601 2345 6789 011", ok("8901260123456789011 checked")),
        ("8901-2601-2345-6789-011", ok("8901260123456789011 checked")),
        (
            "  89441100123456789014 ",
            ok("89441100123456789014 checked"),
        ),
        (
            "8901260123456789012",
            err("iccid", "has an invalid Luhn check digit"),
        ),
        ("1901260123456789011", err("iccid", "must start with 89")),
        ("89012601234", err("iccid", "must have 18 to 22 digits")),
        (
            "89012601234567890112345",
            err("iccid", "must have 18 to 22 digits"),
        ),
        (
            "8901.2601.2345.6789.011",
            err("iccid", "holds the character '.'"),
        ),
        (
            "8901260123456789O11",
            err("iccid", "holds the character 'O'"),
        ),
        ("", err("iccid", "is empty")),
    ];
    run("Iccid::parse", &rows, |s| {
        Iccid::parse(s).map(|i| format!("{} {}", i.as_str(), checked(&i)))
    });
    let unchecked_rows = [
        ("8901260123456789012", ok("8901260123456789012 unchecked")),
        ("2358880040200", ok("2358880040200 unchecked")),
        ("12 34-5", ok("12345 unchecked")),
        ("7", ok("7 unchecked")),
        (
            "89012601234567890112345",
            err("iccid", "has more than 22 digits"),
        ),
        ("SIM-1", err("iccid", "holds the character 'S'")),
        ("  ", err("iccid", "is empty")),
    ];
    run("Iccid::unchecked", &unchecked_rows, |s| {
        Iccid::unchecked(s).map(|i| format!("{} {}", i.as_str(), checked(&i)))
    });
    let check_digit_rows = [
        ("890126012345678901", ok("8901260123456789011 checked")),
        (
            "8944 1100 1234 5678 901",
            ok("89441100123456789014 checked"),
        ),
        ("190126012345678901", err("iccid", "must start with 89")),
        ("", err("iccid", "is empty")),
    ];
    run("Iccid::with_check_digit", &check_digit_rows, |s| {
        Iccid::with_check_digit(s).map(|i| format!("{} {}", i.as_str(), checked(&i)))
    });
}

fn checked(i: &Iccid) -> &'static str {
    if i.is_checked() {
        "checked"
    } else {
        "unchecked"
    }
}

#[test]
fn pac() {
    let rows = [
        ("ABC123456", ok("ABC123456 uk")),
        ("abc123456", ok("ABC123456 uk")),
        ("  ABC123456\n", ok("ABC123456 uk")),
        ("01AB23CD45EF", ok("01AB23CD45EF rio")),
        ("X1", ok("X1 other")),
        (
            "ABC 123 456",
            err("pac", "may hold only letters and digits"),
        ),
        ("ABC-123456", err("pac", "may hold only letters and digits")),
        ("ÄBC123456", err("pac", "may hold only letters and digits")),
        ("", err("pac", "is empty")),
        (" \t ", err("pac", "is empty")),
        (
            "A23456789012345678901234567890123",
            err("pac", "is longer than 32 characters"),
        ),
    ];
    run("Pac::new", &rows, |s| {
        Pac::new(*s).map(|p| {
            let shape = if p.is_uk_format() {
                "uk"
            } else if p.is_rio_format() {
                "rio"
            } else {
                "other"
            };
            format!("{} {shape}", p.expose())
        })
    });
}

#[test]
fn pin_account_number_credential() {
    let pins = [
        ("4826", ok("4826")),
        ("a-b.c_9", ok("a-b.c_9")),
        ("", err("pin", "is empty")),
        (
            "48 26",
            err("pin", "holds white space or a control character"),
        ),
        (
            " 4826",
            err("pin", "holds white space or a control character"),
        ),
        (
            "4826\n",
            err("pin", "holds white space or a control character"),
        ),
        (
            "123456789012345678901234567890123",
            err("pin", "is longer than 32 characters"),
        ),
    ];
    run("Pin::new", &pins, |s| {
        Pin::new(*s).map(|p| p.expose().to_owned())
    });

    let accounts = [
        ("123456789", ok("123456789")),
        ("  ACC 123-456 ", ok("ACC 123-456")),
        ("", err("account_number", "is empty")),
        ("   ", err("account_number", "is empty")),
        (
            "123\r\n456",
            err("account_number", "holds a control character"),
        ),
        (
            "123\u{0}456",
            err("account_number", "holds a control character"),
        ),
    ];
    let long_account = "9".repeat(65);
    let mut accounts = accounts.to_vec();
    accounts.push((
        long_account.as_str(),
        err("account_number", "is longer than 64 characters"),
    ));
    run("AccountNumber::new", &accounts, |s| {
        AccountNumber::new(*s).map(|a| a.expose().to_owned())
    });

    let long_credential = "x".repeat(4097);
    let credentials = [
        (("password", "s3cret pass"), ok("s3cret pass")),
        (("token", ""), err("token", "is empty")),
        (
            ("token", "abc\ndef"),
            err("token", "holds a control character"),
        ),
        (
            ("client_secret", long_credential.as_str()),
            err("client_secret", "is longer than 4096 bytes"),
        ),
    ];
    run("Credential::new", &credentials, |(field, value)| {
        Credential::new(field, *value).map(|c| c.expose().to_owned())
    });
}

#[test]
fn port_id() {
    let long = "a".repeat(129);
    let rows = [
        ("A-1", ok("A-1")),
        (
            "8f16f79a-cd5a-40a5-0938-08dca4c4f4ff",
            ok("8f16f79a-cd5a-40a5-0938-08dca4c4f4ff"),
        ),
        ("ORD_123.45", ok("ORD_123.45")),
        ("", err("id", "must have 1 to 128 characters")),
        (long.as_str(), err("id", "must have 1 to 128 characters")),
        (
            "A 1",
            err("id", "may not hold white space, '/', '?', '#' or '%'"),
        ),
        (
            "A/1",
            err("id", "may not hold white space, '/', '?', '#' or '%'"),
        ),
        (
            "A?1",
            err("id", "may not hold white space, '/', '?', '#' or '%'"),
        ),
        (
            "A#1",
            err("id", "may not hold white space, '/', '?', '#' or '%'"),
        ),
        (
            "A%2F1",
            err("id", "may not hold white space, '/', '?', '#' or '%'"),
        ),
        (
            "A\n1",
            err("id", "may not hold white space, '/', '?', '#' or '%'"),
        ),
    ];
    run("PortId::new", &rows, |s| {
        PortId::new(*s).map(|p| p.as_str().to_owned())
    });
}

#[test]
fn document() {
    let long = format!("{}.pdf", "n".repeat(252));
    let rows = [
        ("loa.pdf", ok("loa.pdf")),
        (
            "LOA - Jane Roe (signed).pdf",
            ok("LOA - Jane Roe (signed).pdf"),
        ),
        ("Jane \"JJ\" Roe; LOA.pdf", ok("Jane \"JJ\" Roe; LOA.pdf")),
        ("facture-électricité.pdf", ok("facture-électricité.pdf")),
        ("請求書.pdf", ok("請求書.pdf")),
        (".loa.pdf", ok(".loa.pdf")),
        ("", err("file_name", "is empty")),
        ("   ", err("file_name", "is empty")),
        (".", err("file_name", "is not a file name")),
        ("..", err("file_name", "is not a file name")),
        (
            "loa.pdf\r\nContent-Type: text/html",
            err("file_name", "holds the control character '\\r'"),
        ),
        (
            "loa\n.pdf",
            err("file_name", "holds the control character '\\n'"),
        ),
        (
            "loa\0.pdf",
            err("file_name", "holds the control character '\\0'"),
        ),
        (
            "loa\t.pdf",
            err("file_name", "holds the control character '\\t'"),
        ),
        (
            "loa\u{1b}.pdf",
            err("file_name", "holds the control character '\\u{1b}'"),
        ),
        (
            "../loa.pdf",
            err(
                "file_name",
                "holds the path separator '/'; give the file's name only",
            ),
        ),
        (
            "/etc/passwd",
            err(
                "file_name",
                "holds the path separator '/'; give the file's name only",
            ),
        ),
        (
            "C:\\scans\\loa.pdf",
            err(
                "file_name",
                "holds the path separator '\\\\'; give the file's name only",
            ),
        ),
        (long.as_str(), err("file_name", "is longer than 255 bytes")),
    ];
    let n = run("Document file_name", &rows, |name| {
        Document::new(
            DocumentKind::LetterOfAuthorization,
            *name,
            "application/pdf",
            b"%PDF-1.4".to_vec(),
        )
        .validate()
        .map(|()| (*name).to_owned())
    });
    assert_eq!(n, rows.len());

    let other = [
        (("bill.png", "image/png", "PNG"), ok("ok")),
        (("bill.jpg", "image/jpeg", "JPG"), ok("ok")),
        (
            ("bill.pdf", "application/pdf", ""),
            err("bytes", "is empty"),
        ),
        (
            ("bill.docx", "application/msword", "doc"),
            err(
                "media_type",
                "must be one of application/pdf, image/png, image/jpeg, image/gif, image/tiff",
            ),
        ),
        // The bytes are checked first, then the name, then the media type.
        (("bad\n", "text/plain", ""), err("bytes", "is empty")),
        (
            ("bad\n", "text/plain", "x"),
            err("file_name", "holds the control character '\\n'"),
        ),
    ];
    run("Document::validate", &other, |(name, media, bytes)| {
        Document::new(DocumentKind::Bill, *name, *media, bytes.as_bytes())
            .validate()
            .map(|()| "ok".to_owned())
    });
}

#[test]
fn address_keeps_fields_as_given() {
    let rows = [
        (
            ("233 S Wacker Dr", "Chicago", "IL", "60606", "US"),
            ok("233 S Wacker Dr|Suite 100|Chicago|IL|60606|US"),
        ),
        (
            ("10 Downing St", "London", "", "SW1A 2AA", "GB"),
            ok("10 Downing St|Suite 100|London||SW1A 2AA|GB"),
        ),
    ];
    run(
        "Address::new",
        &rows,
        |(line1, city, state, postal, country)| {
            let a = Address::new(*line1, *city, *state, *postal, *country).with_line2("Suite 100");
            Ok(format!(
                "{}|{}|{}|{}|{}|{}",
                a.line1,
                a.line2.as_deref().unwrap_or(""),
                a.city,
                a.state,
                a.postal_code,
                a.country
            ))
        },
    );
}

#[test]
fn base_url() {
    let rows = [
        ("https://api.example.com", ok("https://api.example.com/")),
        (
            "  https://api.example.com/v2/ ",
            ok("https://api.example.com/v2/"),
        ),
        ("HTTPS://API.Example.com", ok("https://api.example.com/")),
        ("http://localhost:8080", ok("http://localhost:8080/")),
        ("http://127.0.0.1:3000/api", ok("http://127.0.0.1:3000/api")),
        ("http://[::1]:3000", ok("http://[::1]:3000/")),
        (
            "http://api.example.com",
            err(
                "base_url",
                "must use https (plain http is accepted only for loopback hosts)",
            ),
        ),
        (
            "https://user:pass@api.example.com",
            err("base_url", "must not carry credentials"),
        ),
        (
            "https://api.example.com/?key=1",
            err("base_url", "must not have a query or fragment"),
        ),
        (
            "https://api.example.com/#top",
            err("base_url", "must not have a query or fragment"),
        ),
        (
            "ftp://api.example.com",
            err("base_url", "has unsupported scheme \"ftp\""),
        ),
        (
            "api.example.com",
            err(
                "base_url",
                "is not a valid URL (relative URL without a base)",
            ),
        ),
        (
            "",
            err(
                "base_url",
                "is not a valid URL (relative URL without a base)",
            ),
        ),
    ];
    run("BaseUrl::parse", &rows, |s| {
        BaseUrl::parse("base_url", s).map(|u| u.as_url().to_string())
    });
}

//! The people and lines the tests port, with realistic data: the US
//! subscriber of the iNumbering and Apeiron documents (Maria Lopez in
//! Chicago, John Doe in Anytown) and Cellhire's UK options.

use numport::carrier::apeiron::ApeironOptions;
use numport::carrier::cellhire::CellhireOptions;
use numport::{
    AccountNumber, Address, Iccid, Pac, PhoneNumber, Pin, PortLine, PortRequest, Subscriber,
};

/// The US subscriber's losing account number.
pub const US_ACCOUNT: &str = "5512098734";
/// The US subscriber's losing account PIN.
pub const US_PIN: &str = "7731";

/// A NANP number from its ten digits.
pub fn nanp(digits: &str) -> PhoneNumber {
    PhoneNumber::nanp(digits).unwrap()
}

/// `312nnnnnnn`: a Chicago number.
pub fn chicago(n: u32) -> PhoneNumber {
    nanp(&format!("312{n:07}"))
}

/// A UK number from its E.164 form.
pub fn uk(e164: &str) -> PhoneNumber {
    PhoneNumber::parse(e164).unwrap()
}

/// Maria Lopez, 233 S Wacker Dr, Chicago IL 60606.
pub fn maria_lopez() -> Subscriber {
    Subscriber::new("Maria", "Lopez").with_address(Address::new(
        "233 S Wacker Dr",
        "Chicago",
        "IL",
        "60606",
        "US",
    ))
}

/// Maria Lopez at iNumbering's example address: 233 S Wacker Drive, STE
/// 4700, Chicago IL 60606.
pub fn maria_lopez_suite() -> Subscriber {
    Subscriber::new("Maria", "Lopez").with_address(
        Address::new("233 S Wacker Drive", "Chicago", "IL", "60606", "US").with_line2("STE 4700"),
    )
}

/// `lines` ported for [`maria_lopez`], who authorizes it, from account
/// [`US_ACCOUNT`] with PIN [`US_PIN`]; no date, no carrier options.
pub fn us_request(lines: Vec<PortLine>) -> PortRequest {
    PortRequest::new(lines)
        .with_subscriber(maria_lopez())
        .with_authorization_name("Maria Lopez")
        .with_losing_account(
            AccountNumber::new(US_ACCOUNT).unwrap(),
            Pin::new(US_PIN).unwrap(),
        )
}

/// One line per number, for [`us_request`].
pub fn lines(numbers: impl IntoIterator<Item = PhoneNumber>) -> Vec<PortLine> {
    numbers.into_iter().map(PortLine::new).collect()
}

/// John Doe, 123 Main St, Anytown CA `postal_code` (the Apeiron document's
/// subscriber; its example uses 12345).
pub fn john_doe(postal_code: &str) -> Subscriber {
    Subscriber::new("John", "Doe").with_address(Address::new(
        "123 Main St",
        "Anytown",
        "CA",
        postal_code,
        "US",
    ))
}

/// `lines` ported for [`john_doe`] at `postal_code`, who authorizes it, from
/// account 123456789 with PIN 1234, on service plan UTT5GB.
pub fn apeiron_request(lines: Vec<PortLine>, postal_code: &str) -> PortRequest {
    PortRequest::new(lines)
        .with_subscriber(john_doe(postal_code))
        .with_authorization_name("John Doe")
        .with_losing_account(
            AccountNumber::new("123456789").unwrap(),
            Pin::new("1234").unwrap(),
        )
        .with_apeiron(ApeironOptions::new("UTT5GB"))
}

/// A SIM's ICCID from its first 19 digits and the Luhn check digit.
pub fn iccid(first_19: &str) -> Iccid {
    Iccid::with_check_digit(first_19).unwrap()
}

/// A UK line with its SIM (`iccid_19`: the ICCID without its check digit)
/// and PAC.
pub fn uk_line(e164: &str, iccid_19: &str, pac: &str) -> PortLine {
    PortLine::new(uk(e164))
        .with_sim(iccid(iccid_19))
        .with_pac(Pac::new(pac).unwrap())
}

/// Cellhire's options of the document's example: port `name` from network 5
/// to Vodafone (1), tariff 102344, provisioning order 3630.
pub fn cellhire_options(name: impl Into<String>) -> CellhireOptions {
    CellhireOptions::new(name, 1, 5, 102344).with_provisioning_order(3630)
}

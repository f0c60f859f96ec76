//! US postal codes as the US carriers check them (USPS state codes, ZIP
//! codes), for the carriers' validation passes.

/// USPS codes of the states, DC and the inhabited territories.
pub(crate) const US_STATES: &[&str] = &[
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA",
    "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM",
    "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA",
    "WV", "WI", "WY", "PR", "GU", "VI", "AS", "MP",
];

/// True for a USPS state or territory code in capitals (`IL`).
pub(crate) fn is_us_state(code: &str) -> bool {
    US_STATES.contains(&code)
}

/// True for a ZIP code, `12345` or `12345-6789`.
pub(crate) fn is_zip(code: &str) -> bool {
    let b = code.as_bytes();
    let digits = |s: &[u8]| s.iter().all(u8::is_ascii_digit);
    match b.len() {
        5 => digits(b),
        10 => digits(&b[..5]) && b[5] == b'-' && digits(&b[6..]),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_and_zips() {
        assert!(is_us_state("IL"));
        assert!(!is_us_state("il"));
        assert!(is_zip("60606-1234"));
        assert!(is_zip("60606"));
        assert!(!is_zip("6060"));
        assert!(!is_zip("60606 1234"));
    }
}

//! US address codes as the US carriers' documents accept them, written
//! for the sandboxes apart from the client's own checks, so that a mistake
//! in one is caught by the other.

/// The USPS codes of the states, DC and the inhabited territories.
const STATES: &str = "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO \
                      MT NE NV NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY \
                      PR GU VI AS MP";

/// True for a USPS state or territory code, in capitals.
pub(crate) fn is_state(code: &str) -> bool {
    code.len() == 2 && STATES.split_ascii_whitespace().any(|s| s == code)
}

/// True for `12345` or `12345-6789`.
pub(crate) fn is_zip(code: &str) -> bool {
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    match code.split_once('-') {
        None => code.len() == 5 && all_digits(code),
        Some((zip, plus4)) => {
            zip.len() == 5 && plus4.len() == 4 && all_digits(zip) && all_digits(plus4)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes() {
        assert!(is_state("IL") && is_state("MP") && is_state("AL"));
        assert!(!is_state("il") && !is_state("ILL") && !is_state("") && !is_state("AL AK"));
        assert!(is_zip("60606") && is_zip("60606-1234"));
        assert!(
            !is_zip("6060") && !is_zip("60606-123") && !is_zip("6060a") && !is_zip("60606 1234")
        );
        assert!(!is_zip("-1234") && !is_zip("60606-"));
    }
}

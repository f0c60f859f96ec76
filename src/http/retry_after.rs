//! Reading the `Retry-After` header in both of its forms.

use std::time::Duration;

use chrono::{DateTime, Utc};

/// Parses `Retry-After` as delay-seconds (`120`) or an HTTP date
/// (`Wed, 21 Oct 2026 07:28:00 GMT`), relative to `now`, clamped to
/// `[0, max]`. `None` when the value is neither.
pub fn parse_retry_after(value: &str, now: DateTime<Utc>, max: Duration) -> Option<Duration> {
    let value = value.trim();
    let wait = if let Ok(secs) = value.parse::<u64>() {
        Duration::from_secs(secs)
    } else {
        let when = DateTime::parse_from_rfc2822(value)
            .ok()?
            .with_timezone(&Utc);
        (when - now).to_std().unwrap_or(Duration::ZERO)
    };
    Some(wait.min(max))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-10-21T07:28:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn seconds_and_dates() {
        let max = Duration::from_secs(60);
        assert_eq!(
            parse_retry_after("7", now(), max),
            Some(Duration::from_secs(7))
        );
        assert_eq!(parse_retry_after(" 0 ", now(), max), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2026 07:28:30 GMT", now(), max),
            Some(Duration::from_secs(30))
        );
    }

    #[test]
    fn clamped_both_ways() {
        let max = Duration::from_secs(60);
        assert_eq!(parse_retry_after("3600", now(), max), Some(max));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2026 07:00:00 GMT", now(), max),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now(), max), None);
        assert_eq!(parse_retry_after("-5", now(), max), None);
    }
}

//! When a webhook is sent again after a failed attempt.

use std::fmt;
use std::time::Duration;

use super::error::WebhookError;

/// The most steps a [`RetrySchedule`] may have: 20 attempts.
pub const MAX_SCHEDULE_STEPS: usize = 20;

/// The longest one step may be: a day.
pub const MAX_SCHEDULE_STEP: Duration = Duration::from_secs(24 * 3600);

/// The delays of a relay's attempts at one event: the first step is the
/// wait before the first attempt (from when the relay took the event),
/// each next one the wait after a failed attempt before the next. After
/// the last attempt fails, the event is dead-lettered.
///
/// The default is Svix's: immediately, 5 s, 5 min, 30 min, 2 h, 5 h,
/// 10 h, 10 h (8 attempts over about 27.6 hours). Bounded: 1 to
/// [`MAX_SCHEDULE_STEPS`] steps, each at most [`MAX_SCHEDULE_STEP`].
///
/// ```
/// use numport::webhook::RetrySchedule;
///
/// let schedule: RetrySchedule = "0s,5s,5m,30m,2h,5h,10h,10h".parse().unwrap();
/// assert_eq!(schedule, RetrySchedule::default());
/// assert_eq!(schedule.attempts(), 8);
/// assert_eq!(schedule.to_string(), "0s,5s,5m,30m,2h,5h,10h,10h");
/// assert!("1s,".repeat(21).trim_end_matches(',').parse::<RetrySchedule>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetrySchedule(Vec<Duration>);

impl RetrySchedule {
    /// A schedule of these steps; out of bounds is
    /// [`WebhookError::Schedule`].
    pub fn new(steps: Vec<Duration>) -> Result<Self, WebhookError> {
        if steps.is_empty() {
            return Err(WebhookError::Schedule("it has no step".into()));
        }
        if steps.len() > MAX_SCHEDULE_STEPS {
            return Err(WebhookError::Schedule(format!(
                "it has {} steps, over the bound of {MAX_SCHEDULE_STEPS}",
                steps.len()
            )));
        }
        if let Some(long) = steps.iter().find(|s| **s > MAX_SCHEDULE_STEP) {
            return Err(WebhookError::Schedule(format!(
                "a step of {} s is longer than a day",
                long.as_secs()
            )));
        }
        Ok(Self(steps))
    }

    /// The steps.
    pub fn steps(&self) -> &[Duration] {
        &self.0
    }

    /// How many attempts an event gets: one a step.
    pub fn attempts(&self) -> usize {
        self.0.len()
    }

    /// The wait before attempt `n` (0 for the first); `None` past the
    /// last.
    pub fn delay_before(&self, attempt: usize) -> Option<Duration> {
        self.0.get(attempt).copied()
    }

    /// Every step added up: the longest an event is tried for.
    pub fn total(&self) -> Duration {
        self.0
            .iter()
            .fold(Duration::ZERO, |sum, step| sum.saturating_add(*step))
    }
}

impl Default for RetrySchedule {
    fn default() -> Self {
        let m = 60;
        let h = 3600;
        Self(
            [0, 5, 5 * m, 30 * m, 2 * h, 5 * h, 10 * h, 10 * h]
                .into_iter()
                .map(Duration::from_secs)
                .collect(),
        )
    }
}

impl std::str::FromStr for RetrySchedule {
    type Err = WebhookError;

    /// Steps separated by commas, each a whole number and a unit: `ms`,
    /// `s`, `m`, `h` or `d` (`0s,5s,5m,30m,2h,5h,10h,10h`).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let mut steps = Vec::new();
        for (at, part) in text.split(',').enumerate() {
            if at >= MAX_SCHEDULE_STEPS {
                return Err(WebhookError::Schedule(format!(
                    "it has more than {MAX_SCHEDULE_STEPS} steps"
                )));
            }
            steps.push(parse_step(part.trim())?);
        }
        Self::new(steps)
    }
}

fn parse_step(part: &str) -> Result<Duration, WebhookError> {
    let bad = || {
        WebhookError::Schedule(format!(
            "{part:?} is not a step (a whole number and ms, s, m, h or d)"
        ))
    };
    let split = part
        .find(|c: char| !c.is_ascii_digit())
        .filter(|at| *at > 0)
        .ok_or_else(bad)?;
    let (number, unit) = part.split_at(split);
    let number: u64 = number.parse().map_err(|_| bad())?;
    let millis_per = match unit {
        "ms" => 1,
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => return Err(bad()),
    };
    let millis = number.checked_mul(millis_per).ok_or_else(bad)?;
    Ok(Duration::from_millis(millis))
}

impl fmt::Display for RetrySchedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (at, step) in self.0.iter().enumerate() {
            if at > 0 {
                f.write_str(",")?;
            }
            let ms = step.as_millis();
            let (n, unit) = if ms % 86_400_000 == 0 && ms > 0 {
                (ms / 86_400_000, "d")
            } else if ms % 3_600_000 == 0 && ms > 0 {
                (ms / 3_600_000, "h")
            } else if ms % 60_000 == 0 && ms > 0 {
                (ms / 60_000, "m")
            } else if ms % 1_000 == 0 {
                (ms / 1_000, "s")
            } else {
                (ms, "ms")
            };
            write!(f, "{n}{unit}")?;
        }
        Ok(())
    }
}

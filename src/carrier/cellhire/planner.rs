//! Connection dates: Cellhire's booking window, working days and holidays.
//!
//! The document says a connection date must fall between `minPortDays` and
//! `maxPortDays` "from now", on a working day (Monday to Friday), and not on
//! one of the network's `upcomingHolidays`. It is silent on two points, and
//! this planner chooses:
//! - the window counts *calendar* days from today (today + min ..= today + max);
//! - "today" is the date in Cellhire's time zone (Europe/London, BST aware;
//!   see [`super::CellhireClient::today`]), since Cellhire is a UK carrier.

use chrono::{Datelike, Days, NaiveDate, Weekday};

use crate::carrier::cellhire::TargetNetwork;

/// Why a proposed connection date is not allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DateProblem {
    /// Earlier than today + `minPortDays`.
    TooSoon {
        /// The earliest date the window allows.
        earliest: NaiveDate,
    },
    /// Later than today + `maxPortDays`.
    TooLate {
        /// The latest date the window allows.
        latest: NaiveDate,
    },
    /// A Saturday or Sunday.
    Weekend,
    /// One of the network's upcoming holidays.
    Holiday,
}

impl std::fmt::Display for DateProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::TooSoon { earliest } => {
                write!(f, "is before the earliest bookable date {earliest}")
            }
            Self::TooLate { latest } => write!(f, "is after the latest bookable date {latest}"),
            Self::Weekend => f.write_str("falls on a weekend; Cellhire ports on working days only"),
            Self::Holiday => f.write_str("is one of the target network's upcoming holidays"),
        }
    }
}

/// Plans and checks connection dates for one target network.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionDatePlanner<'a> {
    min_days: u32,
    max_days: u32,
    holidays: &'a [NaiveDate],
}

impl<'a> ConnectionDatePlanner<'a> {
    /// A planner for `network`'s rules.
    pub fn new(network: &'a TargetNetwork) -> Self {
        Self::from_rules(
            network.min_port_days,
            network.max_port_days,
            &network.upcoming_holidays,
        )
    }

    /// A planner from the raw rules.
    pub fn from_rules(min_days: u32, max_days: u32, holidays: &'a [NaiveDate]) -> Self {
        Self {
            min_days,
            max_days,
            holidays,
        }
    }

    /// The first and last dates of the window that opens on `today`.
    pub fn window(&self, today: NaiveDate) -> (NaiveDate, NaiveDate) {
        let add = |n: u32| {
            today
                .checked_add_days(Days::new(u64::from(n)))
                .unwrap_or(NaiveDate::MAX)
        };
        (add(self.min_days), add(self.max_days))
    }

    /// Checks `date` as a connection date booked on `today`.
    pub fn check(&self, today: NaiveDate, date: NaiveDate) -> Result<(), DateProblem> {
        let (earliest, latest) = self.window(today);
        if date < earliest {
            return Err(DateProblem::TooSoon { earliest });
        }
        if date > latest {
            return Err(DateProblem::TooLate { latest });
        }
        if matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
            return Err(DateProblem::Weekend);
        }
        if self.holidays.contains(&date) {
            return Err(DateProblem::Holiday);
        }
        Ok(())
    }

    /// The earliest valid connection date booked on `today`, or `None` when
    /// the window holds no working, non-holiday day.
    pub fn earliest(&self, today: NaiveDate) -> Option<NaiveDate> {
        let (earliest, latest) = self.window(today);
        earliest
            .iter_days()
            .take_while(|d| *d <= latest)
            .find(|d| self.check(today, *d).is_ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn earliest_skips_weekend_and_holiday() {
        // Friday 2026-05-01; min 1 day lands on Saturday; Monday 4th is a holiday.
        let holidays = [d("2026-05-04")];
        let p = ConnectionDatePlanner::from_rules(1, 30, &holidays);
        assert_eq!(p.earliest(d("2026-05-01")), Some(d("2026-05-05")));
    }

    #[test]
    fn check_names_the_problem() {
        let holidays = [d("2026-05-04")];
        let p = ConnectionDatePlanner::from_rules(2, 10, &holidays);
        let today = d("2026-04-30");
        assert_eq!(
            p.check(today, d("2026-05-01")),
            Err(DateProblem::TooSoon {
                earliest: d("2026-05-02")
            })
        );
        assert_eq!(p.check(today, d("2026-05-02")), Err(DateProblem::Weekend));
        assert_eq!(p.check(today, d("2026-05-04")), Err(DateProblem::Holiday));
        assert_eq!(
            p.check(today, d("2026-05-11")),
            Err(DateProblem::TooLate {
                latest: d("2026-05-10")
            })
        );
        assert_eq!(p.check(today, d("2026-05-05")), Ok(()));
    }

    #[test]
    fn empty_window() {
        let p = ConnectionDatePlanner::from_rules(5, 6, &[]);
        // Monday + 5 = Saturday, + 6 = Sunday.
        assert_eq!(p.earliest(d("2026-05-04")), None);
    }
}

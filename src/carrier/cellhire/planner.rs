//! Connection dates: Cellhire's booking window, working days and holidays.
//!
//! The document says a connection date must fall between `minPortDays` and
//! `maxPortDays` "from now", on a working day (Monday to Friday), and not on
//! one of the network's `upcomingHolidays`. It is silent on two points, and
//! this planner chooses:
//! - the window counts *calendar* days from today (today + min ..= today + max);
//! - "today" is the date in Cellhire's time zone (Europe/London, BST aware;
//!   see [`super::CellhireClient::today`]), since Cellhire is a UK carrier.
//!
//! The document bounds neither the window nor the holiday list; the crate
//! believes a window of at most [`MAX_PORT_DAYS`] days and at most
//! [`MAX_HOLIDAYS`] holidays for one target network. A networks list
//! outside these bounds is not used: from Cellhire it is an
//! [`crate::Error::Decode`], from a store it is dropped and read again
//! from Cellhire. The planner itself stays cheap whatever it is given: its
//! cost grows with the holidays inside the window, never with their
//! product with the window's length.

use chrono::{Datelike, Days, NaiveDate, Weekday};

use crate::carrier::cellhire::TargetNetwork;

/// The longest booking window believed, in days from today (`maxPortDays`):
/// a year. The document's example books up to 30 days ahead; a window
/// longer than a year is no porting rule.
pub const MAX_PORT_DAYS: u32 = 366;

/// The most upcoming holidays believed for one target network. The
/// document lists only the non-working days inside the booking window,
/// so a list within bounds holds at most one date for each of the
/// [`MAX_PORT_DAYS`]` + 1` days of the longest window; the rest is room
/// for a list made a little earlier, or one that names a few days more.
pub const MAX_HOLIDAYS: usize = 400;

/// Up to this many holidays are looked up one by one; more are sorted
/// once per plan.
const LINEAR_HOLIDAYS: usize = 32;

/// What makes `network`'s rules unbelievable, if anything: a booking
/// window longer than [`MAX_PORT_DAYS`] or more than [`MAX_HOLIDAYS`]
/// holidays.
pub(crate) fn rules_problem(network: &TargetNetwork) -> Option<String> {
    if network.max_port_days > MAX_PORT_DAYS {
        return Some(format!(
            "target network {} books up to {} days ahead (maxPortDays), more than the \
             {MAX_PORT_DAYS} believed",
            network.id, network.max_port_days
        ));
    }
    if network.upcoming_holidays.len() > MAX_HOLIDAYS {
        return Some(format!(
            "target network {} names {} upcoming holidays, more than the {MAX_HOLIDAYS} believed",
            network.id,
            network.upcoming_holidays.len()
        ));
    }
    None
}

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
    ///
    /// Its cost grows with the holidays inside the window, whatever the
    /// window's length or the list's: the days looked at are at most those
    /// holidays and the weekends between them, and a long list is sorted
    /// once rather than searched for every day.
    pub fn earliest(&self, today: NaiveDate) -> Option<NaiveDate> {
        let (earliest, latest) = self.window(today);
        let sorted: Option<Vec<NaiveDate>> = (self.holidays.len() > LINEAR_HOLIDAYS).then(|| {
            let mut inside: Vec<NaiveDate> = self
                .holidays
                .iter()
                .copied()
                .filter(|d| (earliest..=latest).contains(d))
                .collect();
            inside.sort_unstable();
            inside.dedup();
            inside
        });
        let holiday = |d: &NaiveDate| match &sorted {
            Some(inside) => inside.binary_search(d).is_ok(),
            None => self.holidays.contains(d),
        };
        earliest
            .iter_days()
            .take_while(|d| *d <= latest)
            .find(|d| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) && !holiday(d))
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
    fn a_long_holiday_list_plans_the_same_date_as_a_short_one() {
        // Every day for 3,000 days is a holiday but one Wednesday, in
        // reverse order and repeated: the sorted lookup finds what the
        // day-by-day lookup finds, without a search of the whole list for
        // every day of the window.
        let today = d("2026-05-01");
        let free = d("2032-06-16");
        let mut holidays: Vec<NaiveDate> = today
            .iter_days()
            .take(3_000)
            .filter(|day| *day != free)
            .collect();
        holidays.reverse();
        holidays.extend(holidays.clone());
        let p = ConnectionDatePlanner::from_rules(0, u32::MAX, &holidays);
        assert_eq!(p.earliest(today), Some(free));
        let short = [d("2026-05-04")];
        let p = ConnectionDatePlanner::from_rules(1, 30, &short);
        assert_eq!(p.earliest(today), Some(d("2026-05-05")));
    }

    #[test]
    fn rules_outside_the_believed_bounds_are_named() {
        let network = |max_port_days: u32, holidays: usize| TargetNetwork {
            id: 7,
            name: "Vodafone".into(),
            max_port_days,
            min_port_days: 1,
            allow_esim: true,
            network_number: 200,
            source_networks: vec![],
            upcoming_holidays: d("2026-05-01").iter_days().take(holidays).collect(),
        };
        assert_eq!(rules_problem(&network(30, 2)), None);
        assert_eq!(rules_problem(&network(MAX_PORT_DAYS, MAX_HOLIDAYS)), None);
        assert!(
            rules_problem(&network(MAX_PORT_DAYS + 1, 0))
                .unwrap()
                .contains("maxPortDays")
        );
        assert!(
            rules_problem(&network(30, MAX_HOLIDAYS + 1))
                .unwrap()
                .contains("401 upcoming holidays")
        );
    }

    #[test]
    fn empty_window() {
        let p = ConnectionDatePlanner::from_rules(5, 6, &[]);
        // Monday + 5 = Saturday, + 6 = Sunday.
        assert_eq!(p.earliest(d("2026-05-04")), None);
    }
}

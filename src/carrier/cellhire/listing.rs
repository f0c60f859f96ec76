//! When a List Ports walk is complete: the rules that let
//! [`super::CellhireClient::list_ports`] tell "every port was read" from
//! "the carrier stopped answering as asked".
//!
//! The document gives each page `total` (ports on the account) and
//! `totalPages` (pages at the asked size), and serves at most the asked
//! `x-pagesize` entries a page. A walk is complete only when every page was
//! served as asked: the page number honoured (no page repeats the previous
//! one), the same totals on every page, every page but the last as full as
//! the first, and the last page ending exactly at `total`. Anything else is
//! [`Verdict::Incomplete`]: the entries read so far are real, but nothing
//! may be concluded from what is missing.
//!
//! Every number here comes from the carrier; every operation on it is
//! checked or saturating.

/// What the walk does after a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Verdict {
    /// Yield the page and ask for the next.
    Next,
    /// Yield the page; the listing is complete.
    End,
    /// Yield the page's entries when `keep` is true, then end the listing
    /// with [`crate::Error::Incomplete`] carrying the message.
    Incomplete { keep: bool, message: String },
}

/// One page as the walk sees it.
#[derive(Debug, Clone, Copy)]
pub(super) struct PageFacts {
    /// The page number asked for (from 1).
    pub page: u32,
    /// `total` as the page named it (0: not named).
    pub total: u64,
    /// `totalPages` as the page named it (0: not named).
    pub total_pages: u64,
    /// Entries on the page, readable or not.
    pub entries: u64,
    /// A hash of the page's entry ids, in order.
    pub fingerprint: u64,
}

/// The walk's memory: the first page's facts and a count.
#[derive(Debug, Clone)]
pub(super) struct Walk {
    /// The page size asked for.
    asked: u64,
    /// The most pages one walk reads.
    max_pages: u32,
    /// The first page's totals.
    totals: Option<(u64, u64)>,
    /// The page size served, read from the first page.
    served: u64,
    /// The pages the totals name, when they name any.
    expected_pages: Option<u64>,
    /// Entries read so far.
    seen: u64,
    /// The previous page's fingerprint.
    previous: Option<u64>,
}

impl Walk {
    /// A walk asking `asked` entries a page, reading at most `max_pages`.
    pub fn new(asked: u32, max_pages: u32) -> Self {
        Self {
            asked: u64::from(asked.max(1)),
            max_pages,
            totals: None,
            served: 0,
            expected_pages: None,
            seen: 0,
            previous: None,
        }
    }

    /// Entries read so far.
    #[cfg(test)]
    pub fn seen(&self) -> u64 {
        self.seen
    }

    /// What to do after `facts`, the answer to page `facts.page`.
    pub fn page(&mut self, facts: PageFacts) -> Verdict {
        let PageFacts {
            page,
            total,
            total_pages,
            entries,
            fingerprint,
        } = facts;
        let incomplete = |keep: bool, message: String| Verdict::Incomplete { keep, message };
        if page == 1 {
            return self.first(facts);
        }
        if self.totals != Some((total, total_pages)) {
            let (t, p) = self.totals.unwrap_or_default();
            return incomplete(
                false,
                format!(
                    "the listing changed while it was read (page 1 named {t} ports on {p} \
                     pages, page {page} {total} on {total_pages}); read it again"
                ),
            );
        }
        if self.previous == Some(fingerprint) && entries > 0 {
            return incomplete(
                false,
                format!(
                    "page {page} repeated page {}: the page number was not honoured",
                    page - 1
                ),
            );
        }
        self.previous = Some(fingerprint);
        if entries > self.served {
            return incomplete(
                false,
                format!(
                    "page {page} held {entries} entries where page 1 held {}: the page \
                     size was not honoured",
                    self.served
                ),
            );
        }
        if entries == 0 {
            return match self.expected_pages {
                None => Verdict::End,
                Some(_) => incomplete(
                    false,
                    format!(
                        "page {page} was empty after {} of the {} ports named",
                        self.seen,
                        self.named()
                    ),
                ),
            };
        }
        self.seen = self.seen.saturating_add(entries);
        self.after(page, entries)
    }

    fn first(&mut self, facts: PageFacts) -> Verdict {
        let PageFacts {
            total,
            total_pages,
            entries,
            fingerprint,
            ..
        } = facts;
        self.totals = Some((total, total_pages));
        self.previous = Some(fingerprint);
        if entries > self.asked {
            return Verdict::Incomplete {
                keep: false,
                message: format!(
                    "page 1 held {entries} entries, more than the {} asked for: the page \
                     size was not honoured",
                    self.asked
                ),
            };
        }
        if entries == 0 {
            return if total == 0 {
                Verdict::End
            } else {
                Verdict::Incomplete {
                    keep: false,
                    message: format!("page 1 was empty, yet {total} ports were named"),
                }
            };
        }
        self.served = entries;
        self.seen = entries;
        self.expected_pages = if total > 0 {
            let pages = total.div_ceil(entries);
            if total_pages > 0 && total_pages != pages {
                return Verdict::Incomplete {
                    keep: true,
                    message: format!(
                        "page 1 named {total} ports on {total_pages} pages, which pages of \
                         {entries} cannot hold"
                    ),
                };
            }
            Some(pages)
        } else if total_pages > 0 {
            Some(total_pages)
        } else {
            None
        };
        if let Some(pages) = self.expected_pages {
            if pages > u64::from(self.max_pages) {
                return Verdict::Incomplete {
                    keep: true,
                    message: format!(
                        "the listing names {pages} pages, more than the {} read",
                        self.max_pages
                    ),
                };
            }
        }
        self.after(1, entries)
    }

    /// The verdict once page `page` with `entries` entries was counted.
    fn after(&self, page: u32, entries: u64) -> Verdict {
        let page_no = u64::from(page);
        match self.expected_pages {
            Some(pages) if page_no >= pages => {
                let (total, _) = self.totals.unwrap_or_default();
                if total == 0 || self.seen == total {
                    Verdict::End
                } else {
                    Verdict::Incomplete {
                        keep: true,
                        message: format!(
                            "the {pages} pages named held {} entries where {total} ports \
                             were named",
                            self.seen
                        ),
                    }
                }
            }
            Some(pages) if entries < self.served => Verdict::Incomplete {
                keep: true,
                message: format!(
                    "page {page} of {pages} held {entries} entries where page 1 held {}",
                    self.served
                ),
            },
            None if entries < self.served => Verdict::End,
            _ if page >= self.max_pages => Verdict::Incomplete {
                keep: true,
                message: format!(
                    "the listing was cut after {} pages: Cellhire named no end",
                    self.max_pages
                ),
            },
            _ => Verdict::Next,
        }
    }

    fn named(&self) -> u64 {
        self.totals.map_or(0, |(t, _)| t)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn facts(page: u32, total: u64, total_pages: u64, entries: u64, fp: u64) -> PageFacts {
        PageFacts {
            page,
            total,
            total_pages,
            entries,
            fingerprint: fp,
        }
    }

    /// Walks pages served by `serve` until the verdict is not `Next`.
    fn walk(asked: u32, max: u32, serve: impl Fn(u32) -> PageFacts) -> (u32, Verdict) {
        let mut w = Walk::new(asked, max);
        let mut page = 1;
        loop {
            match w.page(serve(page)) {
                Verdict::Next => page += 1,
                other => return (page, other),
            }
        }
    }

    #[test]
    fn an_honest_listing_ends_at_its_total() {
        // 5 ports, 2 a page (the carrier serves 2 where 50 were asked).
        let (pages, v) = walk(50, 100, |p| {
            facts(p, 5, 3, if p < 3 { 2 } else { 1 }, u64::from(p))
        });
        assert_eq!((pages, v), (3, Verdict::End));
        // The document's example: 10 ports on 1 page of 10.
        assert_eq!(walk(10, 100, |p| facts(p, 10, 1, 10, 1)), (1, Verdict::End));
        // No totals: a short page is the last.
        let (pages, v) = walk(2, 100, |p| {
            facts(p, 0, 0, if p < 4 { 2 } else { 1 }, p.into())
        });
        assert_eq!((pages, v), (4, Verdict::End));
        // No totals: an empty page ends it.
        let (pages, v) = walk(2, 100, |p| {
            facts(p, 0, 0, if p < 3 { 2 } else { 0 }, p.into())
        });
        assert_eq!((pages, v), (3, Verdict::End));
        // An empty account.
        assert_eq!(walk(50, 100, |p| facts(p, 0, 0, 0, 0)), (1, Verdict::End));
    }

    fn incomplete(v: &Verdict) -> Option<(bool, &str)> {
        match v {
            Verdict::Incomplete { keep, message } => Some((*keep, message)),
            _ => None,
        }
    }

    #[test]
    fn a_listing_not_served_as_asked_is_incomplete() {
        // Every page answers page 1 (150 ports, 3 pages of 50).
        let (pages, v) = walk(50, 100, |p| facts(p, 150, 3, 50, 7));
        assert_eq!(pages, 2);
        assert_eq!(
            incomplete(&v),
            Some((
                false,
                "page 2 repeated page 1: the page number was not honoured"
            ))
        );
        // No totals, page 2 repeats page 1.
        let (pages, v) = walk(50, 100, |p| facts(p, 0, 0, 50, 7));
        assert_eq!(pages, 2);
        assert!(incomplete(&v).is_some());
        // 5,000 entries where 50 were asked.
        let (pages, v) = walk(50, 100, |p| facts(p, 0, u64::MAX, 5_000, p.into()));
        assert_eq!(pages, 1);
        assert_eq!(incomplete(&v).map(|(keep, _)| keep), Some(false));
        // total u64::MAX, one entry a page: more pages than are read.
        let (pages, v) = walk(50, 20_000, |p| facts(p, u64::MAX, 0, 1, p.into()));
        assert_eq!(pages, 1);
        assert_eq!(
            incomplete(&v),
            Some((
                true,
                "the listing names 18446744073709551615 pages, more than the 20000 read"
            ))
        );
        // A total that grows while the listing is read.
        let (pages, v) = walk(2, 100, |p| facts(p, 100 * u64::from(p), 0, 2, p.into()));
        assert_eq!(pages, 2);
        assert!(incomplete(&v).is_some());
    }

    #[test]
    fn totals_that_contradict_each_other_are_incomplete() {
        // 6 ports on 3 pages of 2, but the last page holds 1.
        let (pages, v) = walk(2, 100, |p| {
            facts(p, 6, 3, if p < 3 { 2 } else { 1 }, p.into())
        });
        assert_eq!(pages, 3);
        assert_eq!(
            incomplete(&v),
            Some((
                true,
                "the 3 pages named held 5 entries where 6 ports were named"
            ))
        );
        // 5 ports named on 10 pages of 2.
        let (pages, v) = walk(2, 100, |p| facts(p, 5, 10, 2, p.into()));
        assert_eq!(pages, 1);
        assert!(incomplete(&v).is_some());
        // An empty page before the total is reached.
        let (pages, v) = walk(2, 100, |p| {
            facts(p, 10, 5, if p < 2 { 2 } else { 0 }, p.into())
        });
        assert_eq!(pages, 2);
        assert_eq!(
            incomplete(&v),
            Some((false, "page 2 was empty after 2 of the 10 ports named"))
        );
        // The first page empty though ports are named.
        let (pages, v) = walk(2, 100, |p| facts(p, 10, 5, 0, 0));
        assert_eq!(pages, 1);
        assert!(incomplete(&v).is_some());
    }

    #[test]
    fn no_end_named_is_cut_at_the_page_limit() {
        let (pages, v) = walk(2, 30, |p| facts(p, 0, 0, 2, p.into()));
        assert_eq!(pages, 30);
        assert_eq!(
            incomplete(&v),
            Some((
                true,
                "the listing was cut after 30 pages: Cellhire named no end"
            ))
        );
    }

    proptest! {
        /// Whatever the carrier names, a walk never panics, never reads past
        /// its page limit, never counts more entries than it was served, and
        /// ends complete only when the totals it was given add up.
        #[test]
        fn any_answers_end_within_the_limit(
            asked in 1u32..=50,
            max in 1u32..=40,
            pages in proptest::collection::vec(
                (any::<u64>(), any::<u64>(), prop_oneof![Just(0u64), 1u64..=60, Just(u64::MAX)],
                 0u64..4),
                1..45,
            ),
        ) {
            let mut w = Walk::new(asked, max);
            let mut served = 0u64;
            let mut page = 1u32;
            let verdict = loop {
                let (total, total_pages, entries, fp) =
                    pages[(page as usize - 1) % pages.len()];
                let total = if page == 1 { total } else { pages[0].0 };
                let total_pages = if page == 1 { total_pages } else { pages[0].1 };
                served = served.saturating_add(entries);
                let v = w.page(facts(page, total, total_pages, entries, fp));
                prop_assert!(page <= max, "read page {page} past the limit {max}");
                prop_assert!(w.seen() <= served);
                if v != Verdict::Next {
                    break v;
                }
                page += 1;
            };
            if verdict == Verdict::End {
                let (total, _) = (pages[0].0, pages[0].1);
                prop_assert!(total == 0 || w.seen() == total);
            }
        }
    }
}

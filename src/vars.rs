//! Reading a client's settings from variables named as in the environment
//! (`from_vars` of each carrier's builder): every problem is collected, by
//! variable name, and reported at once.

use std::str::FromStr;

use crate::error::{Problems, Result};

/// Variables looked up with `get`, and the problems found so far.
pub(crate) struct Vars<G> {
    get: G,
    problems: Problems,
}

impl<G: Fn(&str) -> Option<String>> Vars<G> {
    /// Variables read with `get`.
    pub fn new(get: G) -> Self {
        Self {
            get,
            problems: Problems::new(),
        }
    }

    /// `name`'s value, if set.
    pub fn optional(&self, name: &str) -> Option<String> {
        (self.get)(name)
    }

    /// `name`'s value; "is not set" when it is not.
    pub fn required(&mut self, name: &str) -> Option<String> {
        let value = (self.get)(name);
        if value.is_none() {
            self.problems.add(name, "is not set");
        }
        value
    }

    /// `name`'s value as a whole number; "is not set" or "is not a whole
    /// number" when it is not one.
    pub fn number<T: FromStr>(&mut self, name: &str) -> Option<T> {
        let value = self.required(name)?.trim().parse().ok();
        if value.is_none() {
            self.problems.add(name, "is not a whole number");
        }
        value
    }

    /// A flag: unset, empty, `0` or `false` is false; `1` or `true` is
    /// true; anything else is "must be 1 or 0".
    pub fn flag(&mut self, name: &str) -> bool {
        match (self.get)(name).as_deref().map(str::trim) {
            None | Some("" | "0" | "false") => false,
            Some("1" | "true") => true,
            Some(_) => {
                self.problems.add(name, "must be 1 or 0");
                false
            }
        }
    }

    /// Records a problem with `name`.
    pub fn problem(&mut self, name: &str, problem: &str) {
        self.problems.add(name, problem);
    }

    /// `Ok` when every variable read was usable, else every problem.
    pub fn finish(self) -> Result<()> {
        self.problems.finish()
    }
}

//! An incremental JSON splitter for listing answers: a byte state machine
//! that reads a body as it arrives, finds one array field of the top-level
//! object and hands over each of its elements, whole, as soon as its last
//! byte has arrived; it also keeps a few named top-level fields (the
//! carrier's status and error fields), wherever they come, before or after
//! the array.
//!
//! Memory stays bounded whatever the body's size: the splitter keeps only
//! the element being read (at most `max_element` bytes; a longer element is
//! reported as [`Event::Oversized`] and skipped), the captured fields (at
//! most `max_capture` bytes each) and 128 bits of nesting.
//!
//! The document is validated as `serde_json::from_slice::<Value>` would
//! (strings and their escapes, UTF-8, surrogate pairs, numbers and their
//! range, literals, nesting up to serde_json's 127 levels, nothing but white
//! space after the top-level value), with one division of labour for speed:
//! inside a listing element that is an object or an array, the splitter
//! only follows strings and brackets, and the element's own decoder
//! (serde_json reading it into its type) checks its syntax. Where that
//! reading would let something through unchecked (a byte beyond ASCII, an
//! escape, an exponent, a number of more than 300 digits), or the element
//! is over its bound, the splitter validates the element itself; and when
//! the decoder refuses an element's shape, [`validate`] tells whether it
//! was well-formed. So a body serde_json refuses is refused, here or by the
//! decoder, and a body it accepts yields the same elements and fields (the
//! unit tests check both on arbitrary and mutated documents split into
//! arbitrary chunks).

use bytes::Bytes;

/// The deepest nesting accepted: serde_json's recursion limit (its 128th
/// nested array or object is an error).
pub(crate) const MAX_DEPTH: u8 = 127;

/// The longest raw top-level key kept to compare with the names looked for
/// (escaped names take up to six bytes a character).
const MAX_KEY: usize = 256;

/// Significant digits kept of one number, to tell whether it fits an `f64`
/// as serde_json requires.
const MAX_DIGITS: usize = 800;

/// The longest number kept as written, for serde_json itself to tell
/// whether it fits when it comes close to `f64::MAX`.
const MAX_NUMBER_TEXT: usize = 4096;

/// What the splitter looks for.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields {
    /// The top-level array whose elements are handed over.
    pub listing: &'static str,
    /// Top-level fields kept whole (the last occurrence wins, as in a
    /// `serde_json::Value`).
    pub captured: &'static [&'static str],
    /// The largest element kept, in bytes.
    pub max_element: usize,
    /// The largest captured field, in bytes; a longer one reads as absent.
    pub max_capture: usize,
}

/// One thing found while feeding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Event {
    /// The listing array opened, with the captured fields that came
    /// before it (in [`Fields::captured`]'s order), whatever follows in the
    /// same chunk.
    ListingOpened(Vec<Option<Bytes>>),
    /// One complete element of the listing array: its bytes, from its
    /// first byte to its last. Its brackets balance; unless the splitter
    /// validated it (see the module's documentation), its decoder's
    /// reading confirms its syntax, and on a refused shape [`validate`]
    /// tells whether it was well-formed.
    Element(Bytes),
    /// An element longer than [`Fields::max_element`]: its length in bytes.
    Oversized(u64),
}

/// Where the listing field stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Listing {
    /// The top-level object has no such field (yet).
    Absent,
    /// The field is there but is not an array.
    NotArray,
    /// The field is an array.
    Array,
}

/// Why a document was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SplitError {
    /// The body holds nothing but white space.
    Empty,
    /// The top-level value is not an object; `first` is its first byte.
    NotAnObject {
        /// The first byte that is not white space.
        first: u8,
    },
    /// Not well-formed JSON at this byte offset.
    Syntax {
        /// The offset of the offending byte.
        offset: u64,
    },
    /// A number too large for an `f64`, ending at this offset.
    NumberOutOfRange {
        /// The offset just past the number.
        offset: u64,
    },
    /// Nesting deeper than [`MAX_DEPTH`] at this offset.
    TooDeep {
        /// The offset of the bracket that went too deep.
        offset: u64,
    },
    /// Something other than white space after the top-level object.
    Trailing {
        /// The offset of the first such byte.
        offset: u64,
    },
    /// The body ended before the top-level object closed.
    Truncated {
        /// The body's length.
        offset: u64,
    },
}

impl SplitError {
    /// The error in words, without quoting the body.
    pub(crate) fn describe(&self) -> String {
        match self {
            Self::Empty => "the body is empty where JSON was expected".into(),
            Self::NotAnObject { first: b'<' } => {
                "the body is an HTML or XML page where JSON was expected".into()
            }
            Self::NotAnObject { .. } => "the body is not a JSON object".into(),
            Self::Syntax { offset } => format!("the body is not well-formed JSON at byte {offset}"),
            Self::NumberOutOfRange { offset } => {
                format!("the body holds a number out of range before byte {offset}")
            }
            Self::TooDeep { offset } => {
                format!("the body nests more than {MAX_DEPTH} levels deep at byte {offset}")
            }
            Self::Trailing { offset } => {
                format!("the body goes on after its JSON object ends (at byte {offset})")
            }
            Self::Truncated { offset } => {
                format!("the body ends after {offset} bytes, before its JSON object closes")
            }
        }
    }

    /// True when the top-level object had begun: what was read of it may
    /// have been handed over already.
    pub(crate) fn object_begun(&self) -> bool {
        !matches!(self, Self::Empty | Self::NotAnObject { .. })
    }
}

/// What a complete document held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Finished {
    /// The listing field.
    pub listing: Listing,
    /// How many times the listing field appeared at the top level.
    pub listing_fields: u32,
    /// Each captured field's bytes, in [`Fields::captured`]'s order.
    pub captured: Vec<Option<Bytes>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Num {
    /// After `-`: a digit must follow.
    Minus,
    /// After a leading `0`.
    Zero,
    /// In the integer digits.
    Int,
    /// After `.`: a digit must follow.
    Dot,
    /// In the fraction digits.
    Frac,
    /// After `e`: a sign or a digit must follow.
    Exp,
    /// After the exponent's sign: a digit must follow.
    ExpSign,
    /// In the exponent digits.
    ExpDigits,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum St {
    /// Before the top-level value.
    Start,
    /// A value must come (after `:`, or `,` in an array).
    Value,
    /// After `[`: a value or `]`.
    ArrayFirst,
    /// After `{`: a key or `}`.
    ObjectFirst,
    /// After `,` in an object: a key.
    ObjectKey,
    /// After a key: `:`.
    Colon,
    /// After a value: `,` or the closing bracket.
    After,
    /// After the top-level value: white space only.
    End,
    /// In a string.
    Str,
    /// After `\` in a string.
    Esc,
    /// In `\uXXXX`: `n` digits read so far.
    Hex { n: u8, acc: u16 },
    /// After a leading surrogate: `\` must follow.
    LowBackslash,
    /// After a leading surrogate and `\`: `u` must follow.
    LowU,
    /// In the trailing surrogate's digits.
    LowHex { n: u8, acc: u16 },
    /// In a multi-byte UTF-8 character: `need` more bytes, the next one in
    /// `lo..=hi`.
    Utf8 { need: u8, lo: u8, hi: u8 },
    /// In a number.
    Number(Num),
    /// In `true` (0), `false` (1) or `null` (2), `pos` letters read.
    Literal { word: u8, pos: u8 },
    /// Inside a listing element that is an object or an array (see
    /// [`Skip`]).
    Skip,
}

/// Where the splitter stands inside a listing element it only follows.
#[derive(Debug, Clone, Copy, Default)]
struct Skip {
    /// Brackets open inside the element, its own included.
    depth: u8,
    in_str: bool,
    /// The previous byte was a backslash in a string.
    escaped: bool,
    /// Digits in a row outside strings.
    digits: u16,
    /// The element holds something its decoder would not check (a byte
    /// beyond ASCII, an escape, an exponent or a `true`/`false`, a number
    /// of more than 300 digits): the splitter validates it.
    hard: bool,
}

const WORDS: [&[u8]; 3] = [b"true", b"false", b"null"];

/// What the current top-level value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Other,
    Listing,
    Captured(usize),
}

/// Bytes of one value being kept across chunks.
#[derive(Debug, Default)]
struct Span {
    /// Bytes from earlier chunks.
    buf: Vec<u8>,
    /// Where the value starts in the current chunk (0 after the first).
    start: usize,
    /// Length so far.
    len: u64,
    /// Longer than its bound: its bytes are not kept.
    over: bool,
    /// Open.
    open: bool,
    /// Validates a skipped element over its bound as its bytes go by.
    validator: Option<Box<Splitter>>,
}

impl Span {
    fn begin(&mut self, at: usize) {
        self.buf.clear();
        self.start = at;
        self.len = 0;
        self.over = false;
        self.open = true;
        self.validator = None;
    }

    /// Takes `part`, the value's next bytes, within `limit`; past it, the
    /// bytes are dropped, or with `validate` handed to a validator.
    fn take(&mut self, part: &Bytes, limit: usize, validate: bool) -> Result<(), SplitError> {
        self.len = self.len.saturating_add(part.len() as u64);
        let mut none = Vec::new();
        if self.over {
            if let Some(v) = self.validator.as_mut() {
                v.feed(part, &mut none)?;
            }
        } else if self.len > limit as u64 {
            self.over = true;
            let kept = Bytes::from(std::mem::take(&mut self.buf));
            if validate {
                let mut v = Box::new(Splitter::any_value());
                v.feed(&kept, &mut none)?;
                v.feed(part, &mut none)?;
                self.validator = Some(v);
            }
        } else {
            self.buf.extend_from_slice(part);
        }
        Ok(())
    }

    /// Keeps what the current chunk holds of the value (from `start` to
    /// the chunk's end), within `limit`.
    fn carry(&mut self, chunk: &Bytes, limit: usize, validate: bool) -> Result<(), SplitError> {
        let part = chunk.slice(self.start.min(chunk.len())..);
        self.start = 0;
        self.take(&part, limit, validate)
    }

    /// Closes the value at `end` (exclusive) of the current chunk: its
    /// bytes, or `None` when over `limit` (its validation, with
    /// `validate`, done).
    fn end(
        &mut self,
        chunk: &Bytes,
        end: usize,
        limit: usize,
        validate: bool,
    ) -> Result<Option<Bytes>, SplitError> {
        self.open = false;
        let start = self.start.min(end);
        if !self.over && self.buf.is_empty() && (end - start) as u64 <= limit as u64 {
            // The whole value is in this chunk: no copy.
            self.len = (end - start) as u64;
            return Ok(Some(chunk.slice(start..end)));
        }
        self.take(&chunk.slice(start..end), limit, validate)?;
        if self.over {
            if let Some(mut v) = self.validator.take() {
                v.finish()?;
            }
            return Ok(None);
        }
        Ok(Some(Bytes::from(std::mem::take(&mut self.buf))))
    }
}

/// Validates `bytes` as one JSON value, as `serde_json::from_slice::<Value>`
/// would.
pub(crate) fn validate(bytes: &[u8]) -> Result<(), SplitError> {
    let mut v = Splitter::any_value();
    v.feed(&Bytes::copy_from_slice(bytes), &mut Vec::new())?;
    v.finish().map(|_| ())
}

/// The range check of one number: its first significant digits, where its
/// decimal point falls and its exponent.
#[derive(Debug, Default)]
struct NumberRange {
    /// The number as written, while it is at most [`MAX_NUMBER_TEXT`] long.
    text: Vec<u8>,
    text_over: bool,
    digits: Vec<u8>,
    /// Significant digits before the decimal point (saturating).
    int_sig: i64,
    /// Zeros after the point before the first significant digit.
    frac_zeros: i64,
    exp: i64,
    exp_neg: bool,
}

impl NumberRange {
    fn reset(&mut self, first: u8) {
        self.text.clear();
        self.text.push(first);
        self.text_over = false;
        self.digits.clear();
        self.int_sig = 0;
        self.frac_zeros = 0;
        self.exp = 0;
        self.exp_neg = false;
    }

    fn push(&mut self, b: u8) {
        if self.text.len() < MAX_NUMBER_TEXT {
            self.text.push(b);
        } else {
            self.text_over = true;
        }
    }

    fn int_digit(&mut self, d: u8) {
        if d != b'0' || !self.digits.is_empty() || self.int_sig > 0 {
            self.int_sig = self.int_sig.saturating_add(1);
            if self.digits.len() < MAX_DIGITS {
                self.digits.push(d);
            }
        }
    }

    fn frac_digit(&mut self, d: u8) {
        if self.int_sig == 0 && self.digits.is_empty() && d == b'0' {
            self.frac_zeros = self.frac_zeros.saturating_add(1);
            return;
        }
        if self.digits.len() < MAX_DIGITS {
            self.digits.push(d);
        }
    }

    fn exp_digit(&mut self, d: u8) {
        self.exp = self
            .exp
            .saturating_mul(10)
            .saturating_add(i64::from(d - b'0'));
    }

    /// True when the number is finite as an `f64` (serde_json refuses the
    /// others).
    fn fits(&self) -> bool {
        if self.digits.iter().all(|&d| d == b'0') {
            return true;
        }
        let exp = if self.exp_neg {
            self.exp.saturating_neg()
        } else {
            self.exp
        };
        // The value is 0.<digits> x 10^point.
        let point = if self.int_sig > 0 {
            self.int_sig
        } else {
            self.frac_zeros.saturating_neg()
        }
        .saturating_add(exp);
        if point <= 308 {
            return true;
        }
        if point > 310 {
            return false;
        }
        // Close to `f64::MAX`, where serde_json's own (fast, not always
        // exactly rounded) reading decides.
        if !self.text_over {
            return serde_json::from_slice::<f64>(&self.text).is_ok();
        }
        let mut text = String::with_capacity(self.digits.len() + 8);
        text.push_str("0.");
        text.extend(self.digits.iter().map(|&d| char::from(d)));
        text.push('e');
        text.push_str(&point.to_string());
        text.parse::<f64>().is_ok_and(f64::is_finite)
    }
}

/// The splitter. Feed it the body's chunks in order, then call
/// [`Splitter::finish`].
#[derive(Debug)]
pub(crate) struct Splitter {
    fields: Fields,
    state: St,
    /// Open containers: bit `i` set when level `i + 1` is an object.
    stack: u128,
    depth: u8,
    /// Bytes fed before the current chunk.
    offset: u64,
    /// True while reading a key (the string ends in `Colon`).
    in_key: bool,
    /// The raw top-level key being read (between its quotes).
    key: Vec<u8>,
    key_over: bool,
    key_escaped: bool,
    slot: Slot,
    listing: Listing,
    listing_fields: u32,
    /// True while inside the listing array (its elements are at depth 2).
    in_listing: bool,
    element: Span,
    capture: Span,
    captured: Vec<Option<Bytes>>,
    number: NumberRange,
    skip: Skip,
    /// The current element is followed with [`Skip`].
    skipping: bool,
    /// Any JSON value is a document (to validate one element).
    any_value: bool,
    failed: Option<SplitError>,
}

impl Splitter {
    /// A splitter for `fields`.
    pub(crate) fn new(fields: Fields) -> Self {
        Self {
            fields,
            state: St::Start,
            stack: 0,
            depth: 0,
            offset: 0,
            in_key: false,
            key: Vec::new(),
            key_over: false,
            key_escaped: false,
            slot: Slot::Other,
            listing: Listing::Absent,
            listing_fields: 0,
            in_listing: false,
            element: Span::default(),
            capture: Span::default(),
            captured: vec![None; fields.captured.len()],
            number: NumberRange::default(),
            skip: Skip::default(),
            skipping: false,
            any_value: false,
            failed: None,
        }
    }

    /// A splitter that validates one value of any kind.
    fn any_value() -> Self {
        let mut s = Self::new(Fields {
            listing: "",
            captured: &[],
            max_element: 0,
            max_capture: 0,
        });
        s.any_value = true;
        s
    }

    /// Reads `chunk`, appending what it completes to `out`. After an error
    /// every later call returns it again; events found before the error are
    /// in `out`.
    pub(crate) fn feed(&mut self, chunk: &Bytes, out: &mut Vec<Event>) -> Result<(), SplitError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let result = self.run(chunk, out);
        match result {
            Ok(()) => {
                let mut kept = Ok(());
                if self.element.open {
                    kept = self
                        .element
                        .carry(chunk, self.fields.max_element, self.skipping)
                        .map_err(|_| SplitError::Syntax {
                            offset: self.at(chunk.len()),
                        });
                }
                if self.capture.open {
                    // Captured fields are validated byte by byte.
                    let _ = self.capture.carry(chunk, self.fields.max_capture, false);
                }
                self.offset = self.offset.saturating_add(chunk.len() as u64);
                if let Err(e) = kept {
                    self.failed = Some(e.clone());
                    return Err(e);
                }
                Ok(())
            }
            Err(e) => {
                self.failed = Some(e.clone());
                Err(e)
            }
        }
    }

    /// Ends the document: what it held, or why it is refused.
    pub(crate) fn finish(&mut self) -> Result<Finished, SplitError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let e = match self.state {
            St::End => {
                return Ok(Finished {
                    listing: self.listing,
                    listing_fields: self.listing_fields,
                    captured: self.captured.clone(),
                });
            }
            St::Number(Num::Zero | Num::Int | Num::Frac | Num::ExpDigits)
                if self.any_value && self.depth == 0 =>
            {
                if self.number.fits() {
                    return Ok(Finished {
                        listing: self.listing,
                        listing_fields: self.listing_fields,
                        captured: Vec::new(),
                    });
                }
                SplitError::NumberOutOfRange {
                    offset: self.offset,
                }
            }
            St::Start => SplitError::Empty,
            _ => SplitError::Truncated {
                offset: self.offset,
            },
        };
        self.failed = Some(e.clone());
        Err(e)
    }

    #[inline]
    fn at(&self, i: usize) -> u64 {
        self.offset.saturating_add(i as u64)
    }

    fn syntax(&self, i: usize) -> SplitError {
        SplitError::Syntax { offset: self.at(i) }
    }

    #[inline]
    fn is_object(&self) -> bool {
        self.depth > 0 && (self.stack >> (self.depth - 1)) & 1 == 1
    }

    /// A value begins at byte `i` whose first byte is `b`.
    #[inline]
    fn value_start(&mut self, i: usize, b: u8, out: &mut Vec<Event>) {
        match self.depth {
            1 => match self.slot {
                Slot::Listing => {
                    if b == b'[' {
                        self.listing = Listing::Array;
                        self.in_listing = true;
                        out.push(Event::ListingOpened(self.captured.clone()));
                    } else {
                        self.listing = Listing::NotArray;
                    }
                }
                Slot::Captured(_) => self.capture.begin(i),
                Slot::Other => {}
            },
            2 if self.in_listing => self.element.begin(i),
            _ => {}
        }
    }

    /// A value ended just before byte `end` of `chunk`; `depth` is now its
    /// parent's.
    #[inline]
    fn value_end(&mut self, chunk: &Bytes, end: usize, out: &mut Vec<Event>) {
        match self.depth {
            1 => match self.slot {
                Slot::Listing => self.in_listing = false,
                Slot::Captured(idx) => {
                    let kept = self
                        .capture
                        .end(chunk, end, self.fields.max_capture, false)
                        .ok()
                        .flatten();
                    if let Some(slot) = self.captured.get_mut(idx) {
                        *slot = kept;
                    }
                }
                Slot::Other => {}
            },
            2 if self.in_listing && self.element.open => {
                // A scalar, validated byte by byte.
                match self.element.end(chunk, end, self.fields.max_element, false) {
                    Ok(Some(bytes)) => out.push(Event::Element(bytes)),
                    _ => out.push(Event::Oversized(self.element.len)),
                }
            }
            _ => {}
        }
    }

    /// The top-level key just read: which slot its value goes to.
    fn key_done(&mut self) {
        if self.depth != 1 {
            return;
        }
        let name: Option<String> = if self.key_over {
            None
        } else if self.key_escaped {
            let mut quoted = Vec::with_capacity(self.key.len() + 2);
            quoted.push(b'"');
            quoted.extend_from_slice(&self.key);
            quoted.push(b'"');
            serde_json::from_slice::<String>(&quoted).ok()
        } else {
            std::str::from_utf8(&self.key).ok().map(str::to_owned)
        };
        self.slot = match name {
            Some(n) if n == self.fields.listing => {
                self.listing_fields = self.listing_fields.saturating_add(1);
                Slot::Listing
            }
            Some(n) => self
                .fields
                .captured
                .iter()
                .position(|c| *c == n)
                .map_or(Slot::Other, Slot::Captured),
            None => Slot::Other,
        };
    }

    fn open(&mut self, i: usize, object: bool) -> Result<(), SplitError> {
        if self.depth >= MAX_DEPTH {
            return Err(SplitError::TooDeep { offset: self.at(i) });
        }
        if object {
            self.stack |= 1u128 << self.depth;
        } else {
            self.stack &= !(1u128 << self.depth);
        }
        self.depth += 1;
        self.state = if object {
            St::ObjectFirst
        } else {
            St::ArrayFirst
        };
        Ok(())
    }

    /// Closes the innermost container at byte `i` (its bracket).
    #[inline]
    fn close(&mut self, chunk: &Bytes, i: usize, out: &mut Vec<Event>) {
        self.depth -= 1;
        self.after_value(chunk, i + 1, out);
    }

    /// A value ended just before `end`.
    #[inline]
    fn after_value(&mut self, chunk: &Bytes, end: usize, out: &mut Vec<Event>) {
        self.value_end(chunk, end, out);
        self.state = if self.depth == 0 { St::End } else { St::After };
    }

    #[inline]
    fn begin_string(&mut self, key: bool) {
        self.in_key = key;
        if key && self.depth == 1 {
            self.key.clear();
            self.key_over = false;
            self.key_escaped = false;
        }
        self.state = St::Str;
    }

    /// Starts a value at byte `i`.
    fn start_value(&mut self, i: usize, b: u8, out: &mut Vec<Event>) -> Result<(), SplitError> {
        match b {
            b'{' | b'[' if self.depth == 2 && self.in_listing => {
                // An element: followed, not parsed (see `Skip`).
                self.element.begin(i);
                self.skipping = true;
                self.skip = Skip {
                    depth: 1,
                    ..Skip::default()
                };
                self.state = St::Skip;
                Ok(())
            }
            b'{' | b'[' => {
                self.value_start(i, b, out);
                self.open(i, b == b'{')
            }
            b'"' => {
                self.value_start(i, b, out);
                self.begin_string(false);
                Ok(())
            }
            b'-' | b'0'..=b'9' => {
                self.value_start(i, b, out);
                self.number.reset(b);
                self.state = St::Number(match b {
                    b'-' => Num::Minus,
                    b'0' => Num::Zero,
                    d => {
                        self.number.int_digit(d);
                        Num::Int
                    }
                });
                Ok(())
            }
            b't' | b'f' | b'n' => {
                self.value_start(i, b, out);
                let word = match b {
                    b't' => 0,
                    b'f' => 1,
                    _ => 2,
                };
                self.state = St::Literal { word, pos: 1 };
                Ok(())
            }
            _ => Err(self.syntax(i)),
        }
    }

    fn run(&mut self, chunk: &Bytes, out: &mut Vec<Event>) -> Result<(), SplitError> {
        let bytes: &[u8] = chunk;
        let len = bytes.len();
        let mut i = 0usize;
        while i < len {
            let b = bytes[i];
            match self.state {
                St::Str => {
                    // The common case, read in a tight loop: printable
                    // ASCII that is neither a quote nor a backslash.
                    let run_start = i;
                    i = plain_run(bytes, i);
                    if self.in_key && self.depth == 1 {
                        self.key_bytes(&bytes[run_start..i]);
                    }
                    if i >= len {
                        break;
                    }
                    let c = bytes[i];
                    match c {
                        b'"' => {
                            if self.in_key {
                                self.key_done();
                                self.in_key = false;
                                self.state = St::Colon;
                            } else {
                                self.after_value(chunk, i + 1, out);
                            }
                        }
                        b'\\' => {
                            if self.in_key && self.depth == 1 {
                                self.key_escaped = true;
                                self.key_bytes(b"\\");
                            }
                            self.state = St::Esc;
                        }
                        0xC2..=0xDF => self.utf8_start(c, 1, 0x80, 0xBF),
                        0xE0 => self.utf8_start(c, 2, 0xA0, 0xBF),
                        0xE1..=0xEC | 0xEE..=0xEF => self.utf8_start(c, 2, 0x80, 0xBF),
                        0xED => self.utf8_start(c, 2, 0x80, 0x9F),
                        0xF0 => self.utf8_start(c, 3, 0x90, 0xBF),
                        0xF1..=0xF3 => self.utf8_start(c, 3, 0x80, 0xBF),
                        0xF4 => self.utf8_start(c, 3, 0x80, 0x8F),
                        _ => return Err(self.syntax(i)),
                    }
                    i += 1;
                    continue;
                }
                St::Utf8 { need, lo, hi } => {
                    if !(lo..=hi).contains(&b) {
                        return Err(self.syntax(i));
                    }
                    self.key_byte(b);
                    self.state = if need > 1 {
                        St::Utf8 {
                            need: need - 1,
                            lo: 0x80,
                            hi: 0xBF,
                        }
                    } else {
                        St::Str
                    };
                }
                St::Esc => {
                    self.key_byte(b);
                    self.state = match b {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => St::Str,
                        b'u' => St::Hex { n: 0, acc: 0 },
                        _ => return Err(self.syntax(i)),
                    };
                }
                St::Hex { n, acc } | St::LowHex { n, acc } => {
                    let Some(d) = hex(b) else {
                        return Err(self.syntax(i));
                    };
                    self.key_byte(b);
                    let acc = (acc << 4) | d;
                    let low = matches!(self.state, St::LowHex { .. });
                    self.state = if n < 3 {
                        if low {
                            St::LowHex { n: n + 1, acc }
                        } else {
                            St::Hex { n: n + 1, acc }
                        }
                    } else if low {
                        if !(0xDC00..=0xDFFF).contains(&acc) {
                            return Err(self.syntax(i));
                        }
                        St::Str
                    } else if (0xDC00..=0xDFFF).contains(&acc) {
                        // A trailing surrogate alone.
                        return Err(self.syntax(i));
                    } else if (0xD800..=0xDBFF).contains(&acc) {
                        St::LowBackslash
                    } else {
                        St::Str
                    };
                }
                St::LowBackslash => {
                    if b != b'\\' {
                        return Err(self.syntax(i));
                    }
                    self.key_byte(b);
                    self.state = St::LowU;
                }
                St::LowU => {
                    if b != b'u' {
                        return Err(self.syntax(i));
                    }
                    self.key_byte(b);
                    self.state = St::LowHex { n: 0, acc: 0 };
                }
                St::Number(n) => {
                    let next = match (n, b) {
                        (Num::Minus, b'0') => Some(Num::Zero),
                        (Num::Minus | Num::Int, b'1'..=b'9') | (Num::Int, b'0') => {
                            self.number.int_digit(b);
                            Some(Num::Int)
                        }
                        (Num::Zero | Num::Int, b'.') => Some(Num::Dot),
                        (Num::Dot | Num::Frac, b'0'..=b'9') => {
                            self.number.frac_digit(b);
                            Some(Num::Frac)
                        }
                        (Num::Zero | Num::Int | Num::Frac, b'e' | b'E') => Some(Num::Exp),
                        (Num::Exp, b'+') => Some(Num::ExpSign),
                        (Num::Exp, b'-') => {
                            self.number.exp_neg = true;
                            Some(Num::ExpSign)
                        }
                        (Num::Exp | Num::ExpSign | Num::ExpDigits, b'0'..=b'9') => {
                            self.number.exp_digit(b);
                            Some(Num::ExpDigits)
                        }
                        (Num::Zero | Num::Int | Num::Frac | Num::ExpDigits, _) => None,
                        _ => return Err(self.syntax(i)),
                    };
                    match next {
                        Some(next) => {
                            self.number.push(b);
                            self.state = St::Number(next);
                        }
                        None => {
                            if !self.number.fits() {
                                return Err(SplitError::NumberOutOfRange { offset: self.at(i) });
                            }
                            // The byte after the number is read again.
                            self.after_value(chunk, i, out);
                            continue;
                        }
                    }
                }
                St::Literal { word, pos } => {
                    let w = WORDS[usize::from(word)];
                    if w.get(usize::from(pos)) != Some(&b) {
                        return Err(self.syntax(i));
                    }
                    if usize::from(pos) + 1 == w.len() {
                        self.after_value(chunk, i + 1, out);
                    } else {
                        self.state = St::Literal { word, pos: pos + 1 };
                    }
                }
                St::Skip => {
                    let (next, closed) = self.skip_element(bytes, i)?;
                    i = next;
                    if closed {
                        self.element_closed(chunk, i, out)?;
                        self.state = St::After;
                    }
                    continue;
                }
                St::Start if self.any_value => match b {
                    b' ' | b'\t' | b'\n' | b'\r' => {}
                    _ => self.start_value(i, b, out)?,
                },
                St::Start => match b {
                    b' ' | b'\t' | b'\n' | b'\r' => {}
                    b'{' => self.open(i, true)?,
                    other => return Err(SplitError::NotAnObject { first: other }),
                },
                St::Value => match b {
                    b' ' | b'\t' | b'\n' | b'\r' => {}
                    _ => self.start_value(i, b, out)?,
                },
                St::ArrayFirst => match b {
                    b' ' | b'\t' | b'\n' | b'\r' => {}
                    b']' => self.close(chunk, i, out),
                    _ => self.start_value(i, b, out)?,
                },
                St::ObjectFirst | St::ObjectKey => match b {
                    b' ' | b'\t' | b'\n' | b'\r' => {}
                    b'"' => self.begin_string(true),
                    b'}' if self.state == St::ObjectFirst => self.close(chunk, i, out),
                    _ => return Err(self.syntax(i)),
                },
                St::Colon => match b {
                    b' ' | b'\t' | b'\n' | b'\r' => {}
                    b':' => self.state = St::Value,
                    _ => return Err(self.syntax(i)),
                },
                St::After => match b {
                    b' ' | b'\t' | b'\n' | b'\r' => {}
                    b',' => {
                        self.state = if self.is_object() {
                            St::ObjectKey
                        } else {
                            St::Value
                        }
                    }
                    b'}' if self.is_object() => self.close(chunk, i, out),
                    b']' if !self.is_object() => self.close(chunk, i, out),
                    _ => return Err(self.syntax(i)),
                },
                St::End => match b {
                    b' ' | b'\t' | b'\n' | b'\r' => {}
                    _ => return Err(SplitError::Trailing { offset: self.at(i) }),
                },
            }
            i += 1;
        }
        Ok(())
    }

    /// Follows a listing element from byte `i`: where reading stopped,
    /// and whether the element closed (just before that index).
    #[inline]
    fn skip_element(&mut self, bytes: &[u8], mut i: usize) -> Result<(usize, bool), SplitError> {
        // Read into locals (registers) and written back once.
        let mut k = self.skip;
        let len = bytes.len();
        let closed = 'element: loop {
            if k.in_str {
                loop {
                    if k.escaped {
                        if i >= len {
                            break 'element false;
                        }
                        k.escaped = false;
                        i += 1;
                    }
                    i = plain_run(bytes, i);
                    let Some(&c) = bytes.get(i) else {
                        break 'element false;
                    };
                    i += 1;
                    match c {
                        b'"' => {
                            k.in_str = false;
                            break;
                        }
                        b'\\' => {
                            k.escaped = true;
                            k.hard = true;
                        }
                        0x80.. => k.hard = true,
                        // A control character: the decoder refuses it.
                        _ => {}
                    }
                }
            }
            loop {
                let Some(&c) = bytes.get(i) else {
                    break 'element false;
                };
                i += 1;
                match c {
                    b'"' => {
                        k.in_str = true;
                        k.digits = 0;
                        continue 'element;
                    }
                    b'{' | b'[' => {
                        // The listing array's own two levels are around it.
                        if k.depth >= MAX_DEPTH - 2 {
                            let offset = self.offset.saturating_add(i as u64 - 1);
                            return Err(SplitError::TooDeep { offset });
                        }
                        k.depth += 1;
                        k.digits = 0;
                    }
                    b'}' | b']' => {
                        k.depth -= 1;
                        k.digits = 0;
                        if k.depth == 0 {
                            break 'element true;
                        }
                    }
                    b'0'..=b'9' => {
                        k.digits = k.digits.saturating_add(1);
                        if k.digits > 300 {
                            k.hard = true;
                        }
                    }
                    b'e' | b'E' | 0x80.. => {
                        k.hard = true;
                        k.digits = 0;
                    }
                    _ => k.digits = 0,
                }
            }
        };
        self.skip = k;
        Ok((i, closed))
    }

    /// A followed element closed just before `end`: its bytes (validated
    /// here when it is hard for its decoder, or over its bound).
    fn element_closed(
        &mut self,
        chunk: &Bytes,
        end: usize,
        out: &mut Vec<Event>,
    ) -> Result<(), SplitError> {
        self.skipping = false;
        let at = self.at(end);
        let malformed = |_| SplitError::Syntax { offset: at };
        match self
            .element
            .end(chunk, end, self.fields.max_element, true)
            .map_err(malformed)?
        {
            Some(bytes) => {
                if self.skip.hard {
                    validate(&bytes).map_err(malformed)?;
                }
                out.push(Event::Element(bytes));
            }
            None => out.push(Event::Oversized(self.element.len)),
        }
        Ok(())
    }

    fn utf8_start(&mut self, c: u8, need: u8, lo: u8, hi: u8) {
        self.key_byte(c);
        self.state = St::Utf8 { need, lo, hi };
    }

    /// Keeps `b` of a top-level key.
    #[inline]
    fn key_byte(&mut self, b: u8) {
        if self.in_key && self.depth == 1 {
            self.key_bytes(&[b]);
        }
    }

    #[inline]
    fn key_bytes(&mut self, part: &[u8]) {
        if self.key_over {
            return;
        }
        if self.key.len() + part.len() > MAX_KEY {
            self.key_over = true;
            self.key = Vec::new();
        } else {
            self.key.extend_from_slice(part);
        }
    }
}

/// Where the run of plain string bytes (printable ASCII but `"` and `\`)
/// that starts at `i` ends: eight bytes at a time while none of them is
/// special, then byte by byte.
#[inline]
fn plain_run(bytes: &[u8], mut i: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const QUOTES: u64 = ONES * b'"' as u64;
    const SLASHES: u64 = ONES * b'\\' as u64;
    const SPACES: u64 = ONES * 0x20;
    while let Some(word) = bytes.get(i..i + 8) {
        let Ok(word) = <[u8; 8]>::try_from(word) else {
            break;
        };
        let w = u64::from_le_bytes(word);
        let q = w ^ QUOTES;
        let b = w ^ SLASHES;
        // A byte of `q` or `b` is zero where `w` has a quote or a
        // backslash; a byte below 0x20 borrows; a byte of 0x80 or more has
        // its high bit set. Each test is exact as to whether any byte hits.
        let special = ((q.wrapping_sub(ONES) & !q)
            | (b.wrapping_sub(ONES) & !b)
            | (w.wrapping_sub(SPACES) & !w)
            | w)
            & HIGH;
        if special != 0 {
            // The lowest flagged byte is a true hit.
            return i + (special.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while let Some(&c) = bytes.get(i) {
        if c == b'"' || c == b'\\' || !(0x20..0x80).contains(&c) {
            break;
        }
        i += 1;
    }
    i
}

fn hex(b: u8) -> Option<u16> {
    match b {
        b'0'..=b'9' => Some(u16::from(b - b'0')),
        b'a'..=b'f' => Some(u16::from(b - b'a' + 10)),
        b'A'..=b'F' => Some(u16::from(b - b'A' + 10)),
        _ => None,
    }
}

#[cfg(test)]
mod tests;

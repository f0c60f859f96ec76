//! The unified port request.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::{FieldError, Problems, Result};
use crate::model::options::apeiron::ApeironOptions;
use crate::model::options::cellhire::CellhireOptions;
use crate::model::options::inumbering::INumberingOptions;
use crate::model::{AccountNumber, Document, Iccid, Pac, PhoneNumber, Pin, Subscriber};

/// One number to port, with the SIM it moves onto.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortLine {
    /// The number to port in.
    pub number: PhoneNumber,
    /// The SIM (ICCID or serial number) on the new network.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sim: Option<Iccid>,
    /// The PAC / RIO, where the market uses one (UK, France).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pac: Option<Pac>,
    /// True when the new SIM is an eSIM.
    #[serde(default)]
    pub esim: bool,
}

impl PortLine {
    /// A line with no SIM, PAC or eSIM flag yet.
    pub fn new(number: PhoneNumber) -> Self {
        Self {
            number,
            sim: None,
            pac: None,
            esim: false,
        }
    }

    setters! {
        /// Sets the SIM.
        with_sim(sim: Iccid) => sim = Some(sim);

        /// Sets the PAC.
        with_pac(pac: Pac) => pac = Some(pac);

        /// Marks the SIM as an eSIM.
        esim(esim: bool) => esim = esim;
    }
}

/// A request to port numbers in, the same for every carrier.
///
/// Carrier-specific settings go in the per-carrier option fields; an adapter
/// reads its own and reports a [`crate::Error::Validation`] naming anything it
/// needs and lacks, before sending anything.
///
/// ```
/// use numport::{PhoneNumber, Pac, Iccid, PortLine, PortRequest};
/// use numport::carrier::cellhire::CellhireOptions;
///
/// let line = PortLine::new(PhoneNumber::parse("+447700900123")?)
///     .with_sim(Iccid::with_check_digit("8944500102030405060")?)
///     .with_pac(Pac::new("ABC123456")?);
/// let request = PortRequest::new(vec![line])
///     .with_cellhire(CellhireOptions::new("Fleet batch 7", 1, 5, 102344).with_provisioning_order(3630));
/// assert_eq!(request.lines.len(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PortRequest {
    /// The numbers to port; at least one.
    pub lines: Vec<PortLine>,
    /// The subscriber, where the carrier needs one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscriber: Option<Subscriber>,
    /// The name on the Letter of Authorization.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_name: Option<String>,
    /// The account number at the losing carrier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_number: Option<AccountNumber>,
    /// The account PIN or passcode at the losing carrier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pin: Option<Pin>,
    /// The date the caller wants the port to happen. Carriers that plan dates
    /// themselves (Cellhire) use the earliest valid date when this is `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desired_date: Option<NaiveDate>,
    /// Documents (LoA, bill) to send with it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub documents: Vec<Document>,
    /// The caller's own reference for the order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// Settings for Cellhire.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cellhire: Option<CellhireOptions>,
    /// Settings for Apeiron.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apeiron: Option<ApeironOptions>,
    /// Settings for iNumbering.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inumbering: Option<INumberingOptions>,
}

impl PortRequest {
    /// A request for these lines and nothing else yet.
    pub fn new(lines: Vec<PortLine>) -> Self {
        Self {
            lines,
            subscriber: None,
            authorization_name: None,
            account_number: None,
            pin: None,
            desired_date: None,
            documents: Vec::new(),
            reference: None,
            cellhire: None,
            apeiron: None,
            inumbering: None,
        }
    }

    setters! {
        /// Sets the subscriber.
        with_subscriber(subscriber: Subscriber) => subscriber = Some(subscriber);

        /// Sets the name on the Letter of Authorization.
        with_authorization_name(name: impl Into<String>) => authorization_name = Some(name.into());
    }

    /// Sets the losing carrier's account number and PIN.
    pub fn with_losing_account(mut self, account_number: AccountNumber, pin: Pin) -> Self {
        self.account_number = Some(account_number);
        self.pin = Some(pin);
        self
    }

    /// Sets the desired port date.
    pub fn with_desired_date(mut self, date: NaiveDate) -> Self {
        self.desired_date = Some(date);
        self
    }

    /// Adds a document.
    pub fn with_document(mut self, document: Document) -> Self {
        self.documents.push(document);
        self
    }

    setters! {
        /// Sets the caller's reference.
        with_reference(reference: impl Into<String>) => reference = Some(reference.into());

        /// Sets the Cellhire options.
        with_cellhire(options: CellhireOptions) => cellhire = Some(options);

        /// Sets the Apeiron options.
        with_apeiron(options: ApeironOptions) => apeiron = Some(options);

        /// Sets the iNumbering options.
        with_inumbering(options: INumberingOptions) => inumbering = Some(options);
    }

    /// The checks every carrier shares: at least one line, no number twice,
    /// documents well-formed.
    pub(crate) fn validate_common(&self, problems: &mut Problems) {
        if self.lines.is_empty() {
            problems.add(
                "lines",
                "is empty: a port request needs at least one number",
            );
        }
        for (i, line) in self.lines.iter().enumerate() {
            if self.lines[..i].iter().any(|l| l.number == line.number) {
                problems.add(
                    format!("lines[{i}].number"),
                    format!("{} appears twice", line.number),
                );
            }
        }
        for (i, doc) in self.documents.iter().enumerate() {
            if let Err(e) = doc.validate() {
                problems.push(e.at(&format!("documents[{i}]")));
            }
        }
    }

    /// The checks every carrier shares: at least one line, no number twice,
    /// documents well-formed. Each carrier adds its own before sending.
    pub fn validate(&self) -> Result<()> {
        let mut problems = Problems::new();
        self.validate_common(&mut problems);
        problems.finish()
    }
}

/// Checks a free-text field is present and within `max` characters.
pub(crate) fn check_text(field: &str, value: &str, max: usize) -> Result<(), FieldError> {
    if value.trim().is_empty() {
        return Err(FieldError::new(field, "is empty"));
    }
    // Printable ASCII and spaces (most names) are checked byte by byte.
    if value.len() <= max && value.bytes().all(|b| (b' '..=b'~').contains(&b)) {
        return Ok(());
    }
    if value.chars().count() > max {
        return Err(FieldError::new(
            field,
            format!("is longer than {max} characters"),
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(FieldError::new(field, "holds a control character"));
    }
    Ok(())
}

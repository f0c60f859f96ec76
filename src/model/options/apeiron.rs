//! Apeiron settings carried by a unified [`crate::PortRequest`].

use serde::{Deserialize, Serialize};

/// How the plan is named: by code or by id, never both.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ServicePlan {
    /// `service_plan`: a plan code such as `UTT5GB`.
    Code(String),
    /// `subscriber_service_plan_id`.
    SubscriberPlanId(String),
}

impl From<&str> for ServicePlan {
    /// A plan code.
    fn from(code: &str) -> Self {
        Self::Code(code.to_owned())
    }
}

impl From<String> for ServicePlan {
    /// A plan code.
    fn from(code: String) -> Self {
        Self::Code(code)
    }
}

/// What Apeiron needs beyond the common request.
///
/// Exactly one of [`service_plan`](Self::service_plan) and
/// [`subscriber_service_plan_id`](Self::subscriber_service_plan_id) must be
/// set; [`use_subscriber_address_for_e911`](Self::use_subscriber_address_for_e911)
/// excludes [`e911`](Self::e911). Both rules are checked before sending.
///
/// ```
/// use numport::carrier::apeiron::ApeironOptions;
///
/// let options = ApeironOptions::new("UTT5GB").with_ticket_id("T-1001");
/// assert_eq!(options.service_plan.as_deref(), Some("UTT5GB"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ApeironOptions {
    /// The Apeiron service plan code (`service_plan`), such as `UTT5GB`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_plan: Option<String>,
    /// A plan id, the alternative to `service_plan`
    /// (`subscriber_service_plan_id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscriber_service_plan_id: Option<String>,
    /// An external ticket or reference id (`ticket_id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket_id: Option<String>,
    /// The subscriber's E911 address (`e911_*`), when it differs from the
    /// service address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub e911: Option<E911Address>,
    /// Create a subscriber entry from the port's address information
    /// (`create_subscriber`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_subscriber: Option<bool>,
    /// Create the subscriber entry if missing and use its address for E911
    /// (`use_subscriber_address_for_e911`); excludes [`ApeironOptions::e911`].
    #[serde(default)]
    pub use_subscriber_address_for_e911: bool,
}

impl ApeironOptions {
    /// Options naming the plan Apeiron requires: a plan code
    /// (`ApeironOptions::new("UTT5GB")`) or a plan id
    /// (`ApeironOptions::new(ServicePlan::SubscriberPlanId("1001".into()))`).
    pub fn new(plan: impl Into<ServicePlan>) -> Self {
        match plan.into() {
            ServicePlan::Code(code) => Self {
                service_plan: Some(code),
                ..Self::default()
            },
            ServicePlan::SubscriberPlanId(id) => Self {
                subscriber_service_plan_id: Some(id),
                ..Self::default()
            },
        }
    }

    setters! {
        /// Sets the external ticket id.
        with_ticket_id(ticket_id: impl Into<String>) => ticket_id = Some(ticket_id.into());

        /// Sets the E911 address.
        with_e911(address: E911Address) => e911 = Some(address);

        /// Sets `create_subscriber`.
        with_create_subscriber(create: bool) => create_subscriber = Some(create);
    }

    /// Sets `use_subscriber_address_for_e911`.
    pub fn with_subscriber_address_for_e911(mut self) -> Self {
        self.use_subscriber_address_for_e911 = true;
        self
    }
}

/// An E911 address as Apeiron's `e911_*` fields hold it. Each part is
/// optional here so that a partial address can be reported field by field;
/// when any part is given, line 1, city, state and postal code must be.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct E911Address {
    /// `e911_address1`.
    pub address1: Option<String>,
    /// `e911_address2`.
    pub address2: Option<String>,
    /// `e911_city`.
    pub city: Option<String>,
    /// `e911_state` (two-letter US state code).
    pub state: Option<String>,
    /// `e911_postal_code` (ZIP or ZIP+4).
    pub postal_code: Option<String>,
}

impl E911Address {
    /// A complete E911 address without a second line.
    pub fn new(
        address1: impl Into<String>,
        city: impl Into<String>,
        state: impl Into<String>,
        postal_code: impl Into<String>,
    ) -> Self {
        Self {
            address1: Some(address1.into()),
            address2: None,
            city: Some(city.into()),
            state: Some(state.into()),
            postal_code: Some(postal_code.into()),
        }
    }

    /// Sets the second line.
    pub fn with_address2(mut self, line: impl Into<String>) -> Self {
        self.address2 = Some(line.into());
        self
    }
}

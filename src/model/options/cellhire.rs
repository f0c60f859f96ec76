//! Cellhire settings carried by a unified [`crate::PortRequest`].

use std::fmt;

use serde::{Deserialize, Serialize};

/// What Cellhire needs beyond the common request: the networks, the tariff
/// and how to provision. Applied to every line of the request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CellhireOptions {
    /// The port's name (at most 255 characters).
    pub name: String,
    /// The target network id (see [`crate::carrier::cellhire::CellhireClient::networks`]).
    pub target_network_id: i64,
    /// The source network id.
    pub source_network_id: i64,
    /// The port type (default [`PortType::PortIn`]).
    pub port_type: PortType,
    /// The tariff id.
    pub tariff_id: i64,
    /// Bolt-on ids.
    #[serde(default)]
    pub bolt_ons: Vec<i64>,
    /// Services to configure.
    #[serde(default)]
    pub services: Vec<Service>,
    /// An existing provisioning order's id.
    #[serde(default)]
    pub provisioning_order: Option<i64>,
    /// A new provisioning order's name.
    #[serde(default)]
    pub provisioning_order_name: Option<String>,
    /// The group name; derived from tariff + bolt-ons + services when `None`.
    #[serde(default)]
    pub group_name: Option<String>,
}

impl CellhireOptions {
    /// Options for a port-in to `target_network_id` from `source_network_id`
    /// on `tariff_id`. Set a provisioning order before submitting.
    pub fn new(
        name: impl Into<String>,
        target_network_id: i64,
        source_network_id: i64,
        tariff_id: i64,
    ) -> Self {
        Self {
            name: name.into(),
            target_network_id,
            source_network_id,
            port_type: PortType::PortIn,
            tariff_id,
            bolt_ons: Vec::new(),
            services: Vec::new(),
            provisioning_order: None,
            provisioning_order_name: None,
            group_name: None,
        }
    }

    setters! {
        /// Another name for the port (the same rules as in
        /// [`CellhireOptions::new`]).
        with_name(name: impl Into<String>) => name = name.into();

        /// Uses an existing provisioning order.
        with_provisioning_order(id: i64) => provisioning_order = Some(id);

        /// Creates a new provisioning order with this name.
        with_provisioning_order_name(name: impl Into<String>) => provisioning_order_name = Some(name.into());

        /// Sets the bolt-ons.
        with_bolt_ons(bolt_ons: Vec<i64>) => bolt_ons = bolt_ons;
    }

    /// Adds a service.
    pub fn with_service(mut self, service: Service) -> Self {
        self.services.push(service);
        self
    }

    setters! {
        /// Sets the port type.
        with_port_type(port_type: PortType) => port_type = port_type;

        /// Sets the group name.
        with_group_name(name: impl Into<String>) => group_name = Some(name.into());
    }

    /// The group name: the one set, or one derived from the tariff, the
    /// sorted bolt-ons and the sorted services, so that rows with the same
    /// configuration share a group (as Cellhire asks) and others do not.
    /// Cut to Cellhire's 255-character limit.
    pub fn effective_group_name(&self) -> String {
        if let Some(name) = &self.group_name {
            return name.clone();
        }
        let mut bolt_ons = self.bolt_ons.clone();
        bolt_ons.sort_unstable();
        bolt_ons.dedup();
        let mut services = self.services.clone();
        services.sort();
        let mut name = format!("T{}", self.tariff_id);
        if !bolt_ons.is_empty() {
            let ids: Vec<String> = bolt_ons.iter().map(ToString::to_string).collect();
            name.push_str(&format!("-B{}", ids.join("+")));
        }
        if !services.is_empty() {
            let s: Vec<String> = services
                .iter()
                .map(|s| format!("{}={}", s.name, s.value))
                .collect();
            name.push_str(&format!("-S{}", s.join("+")));
        }
        name.chars().take(255).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_group_name_ignores_order() {
        let a = CellhireOptions::new("n", 1, 5, 102344)
            .with_bolt_ons(vec![2, 1])
            .with_service(Service::new("voice", "true"))
            .with_service(Service::new("data", "true"));
        let b = CellhireOptions::new("n", 1, 5, 102344)
            .with_bolt_ons(vec![1, 2])
            .with_service(Service::new("data", "true"))
            .with_service(Service::new("voice", "true"));
        assert_eq!(
            a.effective_group_name(),
            "T102344-B1+2-Sdata=true+voice=true"
        );
        assert_eq!(a.effective_group_name(), b.effective_group_name());
        assert_eq!(
            CellhireOptions::new("n", 1, 5, 7).effective_group_name(),
            "T7"
        );
        assert_eq!(
            CellhireOptions::new("n", 1, 5, 7)
                .with_group_name("G")
                .effective_group_name(),
            "G"
        );
    }
}

/// The kind of port. Cellhire writes the port-in type as "Port" in Get Porting
/// Networks and "PortIn" in List Ports and Create Port; both read as
/// [`PortType::PortIn`], which is sent as "PortIn".
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum PortType {
    /// Port a number in from another network.
    PortIn,
    /// Migrate a number in from another provider on the same network.
    MigrateIn,
    /// Migrate in, keeping the current SIM (limited networks).
    MigrateInKeep,
    /// A type this crate does not know, as Cellhire named it.
    Other(String),
}

impl PortType {
    /// Reads Cellhire's name for a port type.
    pub fn from_name(name: &str) -> Self {
        let name_is = |known: &str| name.trim().eq_ignore_ascii_case(known);
        if name_is("port") || name_is("portin") {
            Self::PortIn
        } else if name_is("migratein") {
            Self::MigrateIn
        } else if name_is("migrateinkeep") {
            Self::MigrateInKeep
        } else {
            Self::Other(name.to_owned())
        }
    }

    /// The name sent in a Create Port request.
    pub fn wire_name(&self) -> &str {
        match self {
            Self::PortIn => "PortIn",
            Self::MigrateIn => "MigrateIn",
            Self::MigrateInKeep => "MigrateInKeep",
            Self::Other(name) => name,
        }
    }
}

impl fmt::Display for PortType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.wire_name())
    }
}

/// A service to configure on a SIM (`{"name": "voice", "value": "true"}`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Service {
    /// The service name.
    pub name: String,
    /// Its value.
    pub value: String,
}

impl Service {
    /// A service setting.
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            value: value.into(),
        }
    }
}

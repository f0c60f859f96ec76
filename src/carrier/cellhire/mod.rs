//! Cellhire: UK and European port-ins and migrations, PAC based.
//!
//! Bearer authentication with a caller-supplied token or OAuth2 client
//! credentials; paged port lists; create, amend and cancel.

mod options;
pub mod planner;
pub mod status_map;
mod types;

pub use options::CellhireOptions;
pub use planner::{ConnectionDatePlanner, DateProblem};
pub use types::{
    CreatePort, CreatePortRow, PortDetails, PortPage, PortRow, PortType, PortingNetworks,
    RowUpdate, Service, SourceNetwork, TargetNetwork,
};

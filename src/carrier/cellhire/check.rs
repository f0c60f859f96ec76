//! Cellhire's rules, checked once before anything is sent: on its own
//! requests ([`CreatePort`], row updates, a page of List Ports; problems
//! named after their fields) and on a [`PortRequest`] or [`Amendment`]
//! (the trait's calls; problems named after the request's own fields).
//! The same rules in both.
//!
//! Some rules need the target network (source network, eSIM, connection
//! date): they take the network read from Get Porting Networks and report
//! under the [`Names`] of the caller's terms.

use chrono::NaiveDate;

use super::planner::ConnectionDatePlanner;
use super::types::{CreatePort, PortType, PortingNetworks, RowUpdate, TargetNetwork};
use crate::error::{Error, Problems, Result};
use crate::model::options::cellhire::CellhireOptions;
use crate::model::{Amendment, PhoneNumber, PortId, PortLine, PortRequest, check_text};

/// The document's limit on `name`, `groupName` and `provisioningOrderName`.
pub const MAX_NAME: usize = 255;

/// The largest page List Ports serves.
pub const MAX_PAGE_SIZE: u32 = 50;

/// The fields the network rules report under.
pub(super) struct Names {
    /// The target network.
    pub target_network_id: &'static str,
    /// The source network.
    source_network_id: &'static str,
    /// The indexed rows (`rows`) or lines (`lines`) whose `esim` is read.
    rows: &'static str,
    /// The connection date.
    pub connection_date: &'static str,
}

/// A [`CreatePort`]'s own fields.
pub(super) const CREATE: Names = Names {
    target_network_id: "target_network_id",
    source_network_id: "source_network_id",
    rows: "rows",
    connection_date: "connection_date",
};

/// A [`PortRequest`]'s fields.
pub(super) const REQUEST: Names = Names {
    target_network_id: "cellhire.target_network_id",
    source_network_id: "cellhire.source_network_id",
    rows: "lines",
    connection_date: "desired_date",
};

/// A provisioning order: an existing one's id or a new one's name (at most
/// [`MAX_NAME`] characters); `at` makes the field prefix (`rows[1]`,
/// `cellhire`), only when there is a problem.
fn provisioning(p: &mut Problems, at: &dyn Fn() -> String, order: Option<i64>, name: Option<&str>) {
    match (order, name) {
        (None, None) => p.add(
            format!("{}.provisioning_order", at()),
            "or provisioning_order_name must be given (Cellhire needs at least one)",
        ),
        (_, Some(name)) => {
            if let Err(e) = check_text("provisioning_order_name", name, MAX_NAME) {
                p.take::<()>(&at(), Err(e));
            }
        }
        _ => {}
    }
}

/// The rules of Create Port that need no round trip: names, provisioning,
/// rows.
pub(super) fn create(req: &CreatePort, p: &mut Problems) {
    p.take("", check_text("name", &req.name, MAX_NAME));
    if req.rows.is_empty() {
        p.add("rows", "is empty: a port needs at least one row");
    }
    for (i, row) in req.rows.iter().enumerate() {
        // The field prefix, made only when a row has a problem.
        let at = || format!("rows[{i}]");
        if let Err(e) = check_text("group_name", &row.group_name, MAX_NAME) {
            p.take::<()>(&at(), Err(e));
        }
        provisioning(
            p,
            &at,
            row.provisioning_order,
            row.provisioning_order_name.as_deref(),
        );
        if req.rows[..i].iter().any(|r| r.msisdn == row.msisdn) {
            p.add(
                format!("{}.msisdn", at()),
                format!("{} appears twice", row.msisdn),
            );
        }
    }
}

/// The same rules on a request for Cellhire, and what Create Port needs
/// that a request may lack (the options, each line's SIM and PAC). A
/// request that passes maps onto a [`CreatePort`] that passes [`create`]:
/// lines are rows, numbers are unique ([`PortRequest::validate_common`]),
/// and every row takes the options' names and provisioning order.
pub(super) fn request(req: &PortRequest) -> Result<()> {
    let mut p = Problems::new();
    req.validate_common(&mut p);
    let Some(options) = &req.cellhire else {
        p.add(
            "cellhire",
            "options are missing: set PortRequest::with_cellhire",
        );
        return p.finish();
    };
    for (i, line) in req.lines.iter().enumerate() {
        if line.sim.is_none() {
            p.add(
                format!("lines[{i}].sim"),
                "is missing: Cellhire needs the SIM serial number",
            );
        }
        if line.pac.is_none() {
            p.add(
                format!("lines[{i}].pac"),
                "is missing: Cellhire needs the PAC",
            );
        }
    }
    p.take("cellhire", check_text("name", &options.name, MAX_NAME));
    p.take(
        "cellhire",
        check_text("group_name", &options.effective_group_name(), MAX_NAME),
    );
    provisioning(
        &mut p,
        &|| "cellhire".to_owned(),
        options.provisioning_order,
        options.provisioning_order_name.as_deref(),
    );
    p.finish()
}

/// The rules that need the target network: the source network is one of
/// its sources, eSIMs only where it takes them, and the connection date is
/// a bookable working day in its window.
fn network_rules(
    names: &Names,
    network: &TargetNetwork,
    today: NaiveDate,
    source_network_id: i64,
    esims: impl Iterator<Item = bool>,
    date: NaiveDate,
    p: &mut Problems,
) {
    if network.source(source_network_id).is_none() {
        let known: Vec<String> = network
            .source_networks
            .iter()
            .map(|s| format!("{} ({})", s.id, s.name))
            .collect();
        p.add(
            names.source_network_id,
            format!(
                "{} is not a source network of {} (known: {})",
                source_network_id,
                network.name,
                known.join(", ")
            ),
        );
    }
    if !network.allow_esim {
        for (i, esim) in esims.enumerate() {
            if esim {
                p.add(
                    format!("{}[{i}].esim", names.rows),
                    format!("is not allowed: {} takes no eSIMs", network.name),
                );
            }
        }
    }
    if let Err(problem) = ConnectionDatePlanner::new(network).check(today, date) {
        p.add(names.connection_date, format!("{date} {problem}"));
    }
}

/// The network rules on a [`CreatePort`].
pub(super) fn create_network(
    req: &CreatePort,
    network: &TargetNetwork,
    today: NaiveDate,
    p: &mut Problems,
) {
    let esims = req.rows.iter().map(|r| r.esim);
    network_rules(
        &CREATE,
        network,
        today,
        req.source_network_id,
        esims,
        req.connection_date,
        p,
    );
}

/// The network rules on a request's options and lines, for a port
/// connected on `date` (the request's `desired_date`, or the one planned).
pub(super) fn request_network(
    options: &CellhireOptions,
    lines: &[PortLine],
    date: NaiveDate,
    network: &TargetNetwork,
    today: NaiveDate,
    p: &mut Problems,
) {
    let esims = lines.iter().map(|l| l.esim);
    network_rules(
        &REQUEST,
        network,
        today,
        options.source_network_id,
        esims,
        date,
        p,
    );
}

/// `id` is not a target network for `port_type` in `list`: a
/// [`Error::Validation`] on `field` naming the known ones.
pub(super) fn unknown_target(
    field: &str,
    port_type: &PortType,
    id: i64,
    list: &[PortingNetworks],
) -> Error {
    let known: Vec<String> = list
        .iter()
        .find(|n| &n.port_type == port_type)
        .map(|n| {
            n.target_networks
                .iter()
                .map(|t| format!("{} ({})", t.id, t.name))
                .collect()
        })
        .unwrap_or_default();
    Error::invalid(
        field,
        format!(
            "{id} is not a target network for {port_type} (known: {})",
            known.join(", ")
        ),
    )
}

/// The network has no day to connect on: a [`Error::Validation`] on
/// `field`.
pub(super) fn no_bookable_day(field: &str, network: &TargetNetwork) -> Error {
    Error::invalid(
        field,
        format!("{} has no bookable working day in its window", network.name),
    )
}

/// Cellhire port ids are GUIDs; anything else would never match a port.
pub(super) fn guid(id: &PortId) -> Result<()> {
    uuid::Uuid::parse_str(id.as_str())
        .map(|_| ())
        .map_err(|_| Error::invalid("id", format!("{id} is not a Cellhire port id (a GUID)")))
}

fn guid_into(id: &PortId, p: &mut Problems) {
    if let Err(Error::Validation(found)) = guid(id) {
        for f in found {
            p.push(f);
        }
    }
}

/// A page of List Ports: `page` from 1, `page_size` 1 to [`MAX_PAGE_SIZE`].
pub(super) fn page(page: u32, page_size: u32) -> Result<()> {
    let mut p = Problems::new();
    if page == 0 {
        p.add("page", "starts at 1");
    }
    if page_size == 0 || page_size > MAX_PAGE_SIZE {
        p.add("page_size", format!("must be 1 to {MAX_PAGE_SIZE}"));
    }
    p.finish()
}

fn row_number(u: &RowUpdate) -> &PhoneNumber {
    match u {
        RowUpdate::Amend { msisdn, .. } | RowUpdate::Cancel { msisdn } => msisdn,
    }
}

/// Update Port: a port id, at least one row, no row twice.
pub(super) fn update(id: &PortId, updates: &[RowUpdate]) -> Result<()> {
    let mut p = Problems::new();
    guid_into(id, &mut p);
    if updates.is_empty() {
        p.add("updates", "is empty: Update Port needs at least one row");
    }
    for (i, u) in updates.iter().enumerate() {
        let number = row_number(u);
        if updates[..i].iter().any(|o| row_number(o) == number) {
            p.add(
                format!("updates[{i}].msisdn"),
                format!("{number} is updated twice"),
            );
        }
    }
    p.finish()
}

/// The same rules on an amendment of port `id`: at least one change, no
/// number changed twice, a port id.
pub(super) fn amendment(id: &PortId, amendment: &Amendment) -> Result<()> {
    let mut p = Problems::new();
    if amendment.changes.is_empty() {
        p.add(
            "changes",
            "is empty: an amendment needs at least one change",
        );
    }
    for (i, change) in amendment.changes.iter().enumerate() {
        if amendment.changes[..i]
            .iter()
            .any(|c| c.number() == change.number())
        {
            p.add(
                format!("changes[{i}].number"),
                format!("{} is changed twice", change.number()),
            );
        }
    }
    guid_into(id, &mut p);
    p.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::carrier::cellhire::types::SourceNetwork;
    use crate::model::{Iccid, Pac};

    fn line(number: &str) -> PortLine {
        PortLine::new(PhoneNumber::parse(number).unwrap())
            .with_sim(Iccid::unchecked("1234567890").unwrap())
            .with_pac(Pac::new("ABC123456").unwrap())
    }

    fn valid() -> PortRequest {
        PortRequest::new(vec![line("+447700900123"), line("+447700900124")]).with_cellhire(
            CellhireOptions::new("Fleet batch 7", 1, 5, 102344).with_provisioning_order(3630),
        )
    }

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    /// Whether the native Create Port rules refuse the port a request maps
    /// to.
    fn native_refuses(request: &PortRequest) -> bool {
        super::super::request::create(request, date("2026-05-05")).is_some_and(|c| {
            let mut p = Problems::new();
            create(&c, &mut p);
            !p.is_empty()
        })
    }

    /// Every rule of Create Port that needs no round trip, broken through
    /// a request: the request's own pass refuses each.
    #[test]
    fn the_request_pass_covers_every_static_create_rule() {
        let long = "x".repeat(MAX_NAME + 1);
        let options = |r: &mut PortRequest| r.cellhire.take().unwrap();
        let mut broken: Vec<(&str, PortRequest)> = Vec::new();
        let mut edit = |rule, f: &dyn Fn(&mut PortRequest)| {
            let mut r = valid();
            f(&mut r);
            broken.push((rule, r));
        };
        edit("name empty", &|r| {
            r.cellhire.as_mut().unwrap().name = " ".into()
        });
        edit("name long", &|r| {
            r.cellhire.as_mut().unwrap().name = long.clone()
        });
        edit("group_name", &|r| {
            let o = options(r).with_group_name(long.clone());
            r.cellhire = Some(o);
        });
        edit("group_name control", &|r| {
            let o = options(r).with_group_name("a\u{7}");
            r.cellhire = Some(o);
        });
        edit("provisioning", &|r| {
            r.cellhire.as_mut().unwrap().provisioning_order = None
        });
        edit("provisioning_order_name", &|r| {
            let o = options(r).with_provisioning_order_name(long.clone());
            r.cellhire = Some(o);
        });
        edit("rows", &|r| r.lines.clear());
        edit("msisdn twice", &|r| r.lines[1] = line("+447700900123"));

        assert!(request(&valid()).is_ok());
        assert!(!native_refuses(&valid()));
        for (rule, r) in &broken {
            assert!(
                native_refuses(r),
                "{rule}: Create Port's rules should refuse it"
            );
            assert!(
                request(r).is_err(),
                "{rule}: the request pass let it through"
            );
        }
    }

    /// The network rules report the same problems on a request as on the
    /// Create Port it maps to, each under the request's own field.
    #[test]
    fn the_network_rules_name_the_request_fields() {
        let network = TargetNetwork {
            id: 1,
            name: "EE".into(),
            max_port_days: 30,
            min_port_days: 1,
            allow_esim: false,
            network_number: 200,
            source_networks: vec![SourceNetwork {
                id: 23,
                name: "Three".into(),
            }],
            upcoming_holidays: Vec::new(),
        };
        let today = date("2026-05-01");
        let mut request = valid();
        request.lines[1].esim = true;
        let saturday = date("2026-05-09");
        let create = super::super::request::create(&request, saturday).unwrap();

        let mut native = Problems::new();
        create_network(&create, &network, today, &mut native);
        let mut own = Problems::new();
        let options = request.cellhire.as_ref().unwrap();
        request_network(options, &request.lines, saturday, &network, today, &mut own);

        assert_eq!(
            native.fields().collect::<Vec<_>>(),
            ["source_network_id", "rows[1].esim", "connection_date"]
        );
        assert_eq!(
            own.fields().collect::<Vec<_>>(),
            [
                "cellhire.source_network_id",
                "lines[1].esim",
                "desired_date"
            ]
        );
    }
}

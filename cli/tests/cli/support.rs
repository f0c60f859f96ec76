//! Helpers of the `numport` command-line tests: the binary with a clean
//! environment, temporary folders, sandbox variables, results files, and
//! the secret check.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use futures::StreamExt;
use numport::carrier::cellhire::CellhireClient;
use numport::sandbox::{ApeironSandbox, CellhireSandbox, INumberingSandbox};
use numport::{Iccid, PortProvider};

/// Every variable the binary reads, removed from each child's environment.
const VARS: &[&str] = &[
    "CELLHIRE_BASE_URL",
    "CELLHIRE_ACCOUNT_ID",
    "CELLHIRE_TOKEN",
    "CELLHIRE_CLIENT_ID",
    "CELLHIRE_CLIENT_SECRET",
    "CELLHIRE_AUTH_URL",
    "APEIRON_BASE_URL",
    "APEIRON_USERNAME",
    "APEIRON_API_TOKEN",
    "INUMBERING_BASE_URL",
    "INUMBERING_USERNAME",
    "INUMBERING_PASSWORD",
    "INUMBERING_ADMIN",
    "INUMBERING_API_KEY",
    "NUMPORT_REDIS_URL",
    "NUMPORT_REDIS_SEALING_KEY",
    "NUMPORT_STATE_DIR",
    "XDG_STATE_HOME",
];

/// The sandboxes' credentials: never in the output of a command but
/// `numport sandbox`.
pub const SANDBOX_SECRETS: &[&str] = &["sandbox-secret", "sandbox-api-token", "sandbox-password"];

pub type Env = Vec<(String, String)>;

/// The state folder every child of this test binary keeps its store in,
/// unless `env` names another: under the target folder, never the user's.
/// Store keys name the carrier's base URL, so sandboxes never share keys.
pub fn shared_state_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("cli-state-{}", std::process::id()))
}

/// The binary, with no carrier variable but those of `env`.
pub fn numport(env: &Env) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_numport"));
    for var in VARS {
        cmd.env_remove(var);
    }
    cmd.env("NUMPORT_STATE_DIR", shared_state_dir());
    cmd.envs(env.iter().map(|(k, v)| (k, v)));
    cmd.stdin(Stdio::null());
    cmd
}

/// What a finished run printed, and its exit code.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Panics, showing both streams, unless the run exited with `code`.
    pub fn expect(self, code: i32) -> Self {
        assert_eq!(
            self.code, code,
            "exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// Standard output parsed as one JSON document.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }

    /// Standard output parsed as JSON lines.
    pub fn json_lines(&self) -> Vec<serde_json::Value> {
        self.stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect()
    }
}

/// Runs `cmd` to the end.
pub fn run(cmd: &mut Command) -> Run {
    let out = cmd.output().expect("the numport binary runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A folder under the system's temporary folder, removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(name: &str) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let path =
            std::env::temp_dir().join(format!("numport-cli-{name}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&path).expect("temp dir");
        Self(path)
    }

    pub fn join(&self, file: &str) -> PathBuf {
        self.0.join(file)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The variables that point the binary at a Cellhire sandbox.
pub fn cellhire_env(s: &CellhireSandbox) -> Env {
    vec![
        ("CELLHIRE_BASE_URL".into(), s.base_url()),
        ("CELLHIRE_AUTH_URL".into(), s.token_url()),
        ("CELLHIRE_ACCOUNT_ID".into(), s.account_id().to_string()),
        ("CELLHIRE_CLIENT_ID".into(), s.client_id().into()),
        ("CELLHIRE_CLIENT_SECRET".into(), s.client_secret().into()),
    ]
}

/// The variables that point the binary at an Apeiron sandbox.
pub fn apeiron_env(s: &ApeironSandbox) -> Env {
    vec![
        ("APEIRON_BASE_URL".into(), s.base_url()),
        ("APEIRON_USERNAME".into(), s.username().into()),
        ("APEIRON_API_TOKEN".into(), s.api_token().into()),
    ]
}

/// The variables that point the binary at an iNumbering sandbox.
pub fn inumbering_env(s: &INumberingSandbox) -> Env {
    vec![
        ("INUMBERING_BASE_URL".into(), s.base_url()),
        ("INUMBERING_USERNAME".into(), s.username().to_string()),
        ("INUMBERING_PASSWORD".into(), s.password().into()),
    ]
}

/// A client of the Cellhire sandbox, for checking its state.
pub fn cellhire_client(s: &CellhireSandbox) -> CellhireClient {
    CellhireClient::builder()
        .base_url(s.base_url())
        .token_url(s.token_url())
        .account_id(s.account_id())
        .client_credentials(s.client_id(), s.client_secret())
        .build()
        .expect("sandbox client")
}

/// How many Create Port calls the sandbox received.
pub fn creates(s: &CellhireSandbox) -> usize {
    let path = format!("/api/porting/{}", s.account_id());
    s.api_requests()
        .iter()
        .filter(|(method, p)| method == "POST" && *p == path)
        .count()
}

/// Every port of the sandbox with the numbers (E.164) of its rows.
pub async fn ports(s: &CellhireSandbox) -> BTreeMap<String, Vec<String>> {
    let client = cellhire_client(s);
    let ids: Vec<_> = client
        .orders()
        .map(|o| o.expect("listing").id)
        .collect()
        .await;
    let mut out = BTreeMap::new();
    for id in ids {
        let order = client.order(&id).await.expect("port details");
        let numbers = order
            .lines
            .iter()
            .map(|l| l.number.as_ref().expect("number").e164())
            .collect();
        out.insert(id.to_string(), numbers);
    }
    out
}

/// A Luhn-valid UK ICCID ending in `serial`.
pub fn uk_iccid(serial: u32) -> String {
    Iccid::with_check_digit(&format!("894410003012{serial:07}"))
        .expect("iccid")
        .as_str()
        .to_owned()
}

/// A UK-format PAC (three letters, six digits) unique to `i`.
pub fn pac(i: usize) -> String {
    const LETTERS: &[&str] = &["KQM", "RTN", "BTX", "HPL", "WDC", "MZR", "GFA", "LUV"];
    format!("{}{:06}", LETTERS[i % LETTERS.len()], 310_000 + i)
}

/// One Cellhire row: number, ICCID, PAC, port name.
pub struct CellhireRow {
    pub number: String,
    pub sim: String,
    pub pac: String,
    pub port_name: String,
}

/// A Cellhire input file: Vodafone (1) from O2 (5), tariff 102344,
/// provisioning order 3630; the header is line 1, row `i` is line `i + 2`.
pub fn cellhire_csv(rows: &[CellhireRow]) -> String {
    let mut text = String::from(
        "number,sim,pac,port_name,target_network_id,source_network_id,tariff_id,provisioning_order\n",
    );
    for r in rows {
        text.push_str(&format!(
            "{},{},{},{},1,5,102344,3630\n",
            r.number, r.sim, r.pac, r.port_name
        ));
    }
    text
}

/// `count` rows of UK numbers +447700900{first}…, one port name.
pub fn uk_rows(first: u32, count: usize, port_name: &str) -> Vec<CellhireRow> {
    (0..count)
        .map(|i| CellhireRow {
            number: format!("+447700900{}", first as usize + i),
            sim: uk_iccid(first * 10 + i as u32),
            pac: pac(first as usize + i),
            port_name: port_name.to_owned(),
        })
        .collect()
}

/// The records of a CSV results file, as column → value maps.
pub fn results(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).expect("results file");
    reader
        .deserialize::<BTreeMap<String, String>>()
        .map(|r| r.expect("record"))
        .collect()
}

/// The last record of each row, by row.
pub fn last_records(path: &Path) -> BTreeMap<u64, BTreeMap<String, String>> {
    let mut last = BTreeMap::new();
    for record in results(path) {
        let row: u64 = record["row"].parse().expect("row");
        last.insert(row, record);
    }
    last
}

/// True when `needle` appears in `text` as a whole word (not inside a
/// longer run of letters and digits, such as a timestamp's nanoseconds).
pub fn contains_word(text: &str, needle: &str) -> bool {
    let word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    let lower = text.to_ascii_lowercase();
    let needle = needle.to_ascii_lowercase();
    lower.match_indices(&needle).any(|(at, _)| {
        !word(lower[..at].chars().next_back()) && !word(lower[at + needle.len()..].chars().next())
    })
}

/// Panics when any run printed any of `secrets`.
pub fn assert_no_secrets(runs: &[&Run], secrets: &[&str]) {
    for run in runs {
        for secret in secrets.iter().chain(SANDBOX_SECRETS) {
            for (name, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
                assert!(
                    !contains_word(text, secret),
                    "{name} shows the secret {secret:?}:\n{text}"
                );
            }
        }
    }
}

/// One US row for `carrier` (`apeiron` or `inumbering`) as a JSON line:
/// number `number` (10 digits), SIM serial `serial` (Apeiron), every
/// required column filled; `extra` adds or replaces columns.
pub fn us_row(carrier: &str, number: &str, serial: u32, extra: serde_json::Value) -> String {
    let mut row = serde_json::json!({
        "carrier": carrier, "number": number,
        "first_name": "Maria", "last_name": "Lopez",
        "address1": "233 S Wacker Dr", "city": "Chicago", "state": "IL",
        "postal_code": "60606", "authorization_name": "Maria Lopez",
        "account_number": "5512098734", "pin": "773119",
    });
    if carrier == "apeiron" {
        row["sim"] = serde_json::Value::String(us_iccid(serial));
        row["service_plan"] = "UTT5GB".into();
    }
    if let (Some(row), Some(extra)) = (row.as_object_mut(), extra.as_object()) {
        for (k, v) in extra {
            row.insert(k.clone(), v.clone());
        }
    }
    row.to_string()
}

/// A Luhn-valid US ICCID ending in `serial`.
pub fn us_iccid(serial: u32) -> String {
    Iccid::with_check_digit(&format!("890126012345{serial:07}"))
        .expect("iccid")
        .as_str()
        .to_owned()
}

/// How many requests of the iNumbering sandbox went to `path`.
pub fn inumbering_calls(s: &INumberingSandbox, path: &str) -> usize {
    s.requests().iter().filter(|p| p.as_str() == path).count()
}

/// Starting a command whose standard output is not needed and whose
/// standard error is kept for [`all_succeed`].
pub trait SpawnQuiet {
    /// Starts it with standard output discarded and standard error piped.
    fn spawn_quiet(&mut self) -> std::process::Child;
}

impl SpawnQuiet for Command {
    fn spawn_quiet(&mut self) -> std::process::Child {
        self.stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    }
}

/// Waits for every process started at once and asserts that each exited
/// 0 (its standard error shown when not).
pub fn all_succeed(children: Vec<std::process::Child>) {
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

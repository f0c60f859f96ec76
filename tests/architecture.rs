//! The layers of `src`, read from its `use` lines and paths: no circle
//! between modules, no arrow from a lower layer up, no arrow between two
//! carriers. The crate guide's "Architecture" section draws the layers.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Items the crate root re-exports, by the module that defines them.
const ROOT_ITEMS: &[(&str, &[&str])] = &[
    ("error", &["Error", "FieldError", "RejectReason", "Result"]),
    ("operation", &["Carrier", "Operation"]),
    (
        "provider",
        &["BulkOptions", "Capabilities", "PortProvider", "Tracking"],
    ),
    ("redactor", &["REDACTED", "Redactor"]),
    (
        "registry",
        &["REDIS_SEALING_KEY_VAR", "REDIS_URL_VAR", "Registry"],
    ),
    ("status", &["CarrierStatus", "LineStatus", "PortStatus"]),
    ("track", &["OrderChange", "TrackOptions"]),
    (
        "watch",
        &["PortProviderExt", "StatusChange", "WatchOptions"],
    ),
];

/// The layers, lowest first; a module may import only from its own layer's
/// other modules or from lower layers.
const LAYERS: &[&[&str]] = &[
    &["operation", "clock", "macros"],
    &["redact", "error"],
    &["model", "status", "http", "store", "redactor", "vars"],
    &["provider", "bulk"],
    &["track", "watch", "once", "ledger", "events"],
    &["follow"],
    &["webhook"],
    &[
        "carrier::apeiron",
        "carrier::cellhire",
        "carrier::inumbering",
    ],
    &["registry", "sandbox", "fuzzing", "carrier"],
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("src is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module path of a file: `src/carrier/cellhire/client.rs` is
/// `carrier::cellhire::client`; `mod.rs` and `lib.rs` name their folder.
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let rel = file
        .strip_prefix(src)
        .expect("under src")
        .with_extension("");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts
}

/// The code of a file without comments and without its unit tests.
fn code(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(at) => &text[..at],
        None => text,
    };
    text.lines()
        .map(|line| match line.find("//") {
            Some(at) => &line[..at],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every path a file names: `crate::a::b` and `super::a` (resolved), also
/// inside `use crate::{a, b::c}` groups.
fn named_paths(module: &[String], code: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let bytes = code.as_bytes();
    let ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut i = 0;
    while i < bytes.len() {
        if !code.is_char_boundary(i) {
            i += 1;
            continue;
        }
        let at_word = i == 0 || !ident(bytes[i - 1]);
        let rest = &code[i..];
        if at_word && (rest.starts_with("crate::") || rest.starts_with("super::")) {
            let mut base: Vec<String> = Vec::new();
            let mut j = i;
            if rest.starts_with("crate::") {
                j += "crate::".len();
            } else {
                // `super` is the parent of the file's module (a `mod.rs`
                // names its folder, so the same holds there).
                base = module.to_vec();
                while code[j..].starts_with("super::") {
                    base.pop();
                    j += "super::".len();
                }
            }
            if code[j..].starts_with('{') {
                // A group: each item's first segment.
                let end = code[j..].find('}').map_or(code.len(), |n| j + n);
                for item in code[j + 1..end].split(',') {
                    let first: String = item
                        .trim()
                        .chars()
                        .take_while(|c| ident(*c as u8))
                        .collect();
                    if !first.is_empty() {
                        let mut p = base.clone();
                        p.extend(item.trim().split("::").map(|s| {
                            s.chars()
                                .take_while(|c| ident(*c as u8))
                                .collect::<String>()
                        }));
                        out.push(p);
                    }
                }
                i = end;
                continue;
            }
            let mut path = base;
            let tail: String = code[j..]
                .chars()
                .take_while(|c| ident(*c as u8) || *c == ':')
                .collect();
            path.extend(
                tail.split("::")
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned),
            );
            out.push(path);
            i = j + tail.len();
            continue;
        }
        i += 1;
    }
    out
}

/// The node a path belongs to: a top-level module, or `carrier::<name>` /
/// `sandbox::<name>` for the carriers' and sandboxes' folders.
fn node(path: &[String]) -> Option<String> {
    let first = path.first()?;
    for (module, items) in ROOT_ITEMS {
        if items.contains(&first.as_str()) {
            return Some((*module).to_owned());
        }
    }
    if first == "carrier" || first == "sandbox" {
        return Some(match path.get(1) {
            Some(second) if second.chars().all(|c| c.is_ascii_lowercase() || c == '_') => {
                format!("{first}::{second}")
            }
            _ => first.clone(),
        });
    }
    if first.chars().next().is_some_and(char::is_uppercase) {
        // A root re-export of the model (PortRequest, PhoneNumber, ...).
        return Some("model".to_owned());
    }
    Some(first.clone())
}

fn layer(node: &str) -> Option<usize> {
    let top = node.split("::").next().unwrap_or(node);
    LAYERS
        .iter()
        .position(|l| l.contains(&node) || l.contains(&top))
}

/// The items a folder's `mod.rs` re-exports from its own files, by the
/// file that defines them: `pub use client::{A, B as C};` maps `A` and `C`
/// to `client`.
fn re_exports(src: &Path, folder: &str) -> BTreeMap<String, String> {
    let file = src.join(folder.replace("::", "/")).join("mod.rs");
    let text = code(&fs::read_to_string(file).unwrap_or_default());
    let mut out = BTreeMap::new();
    for statement in text.split(';') {
        let statement = statement.trim();
        let Some(rest) = ["pub use ", "pub(crate) use ", "pub(super) use "]
            .iter()
            .find_map(|p| statement.strip_prefix(p))
        else {
            continue;
        };
        let Some((file, items)) = rest.split_once("::") else {
            continue;
        };
        if file == "crate" || file == "super" {
            continue;
        }
        let items = items.trim().trim_start_matches('{').trim_end_matches('}');
        for item in items.split(',') {
            let name = item.split(" as ").last().unwrap_or(item).trim();
            if !name.is_empty() {
                out.insert(name.to_owned(), file.trim().to_owned());
            }
        }
    }
    out
}

/// Edges between nodes (`depth` 1), or between files (`depth` > 1) inside
/// the given folder.
fn graph(depth_in: Option<&str>) -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let exported = depth_in
        .map(|folder| re_exports(&src, folder))
        .unwrap_or_default();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let module = module_of(&src, &file);
        if module.is_empty() {
            continue; // lib.rs: declarations and re-exports only
        }
        let text = fs::read_to_string(&file).expect("a readable source file");
        for path in named_paths(&module, &code(&text)) {
            let (from, to) = match depth_in {
                None => (node(&module), node(&path)),
                Some(folder) => {
                    let prefix: Vec<&str> = folder.split("::").collect();
                    let inside = |p: &[String]| {
                        p.len() > prefix.len() && p.iter().zip(&prefix).all(|(a, b)| a == b)
                    };
                    if !inside(&module) || !inside(&path) {
                        continue;
                    }
                    // An item named through the folder's re-exports is an
                    // arrow to the file that defines it.
                    let to = &path[prefix.len()];
                    let to = exported.get(to).unwrap_or(to);
                    (Some(module[prefix.len()].clone()), Some(to.clone()))
                }
            };
            if let (Some(from), Some(to)) = (from, to) {
                if from != to {
                    edges.entry(from).or_default().insert(to);
                }
            }
        }
    }
    edges
}

/// A circle in `edges`, if there is one.
fn circle(edges: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = stack.iter().position(|n| n == node) {
            let mut found = stack[at..].to_vec();
            found.push(node.to_owned());
            return Some(found);
        }
        if done.contains(node) {
            return None;
        }
        stack.push(node.to_owned());
        for next in edges.get(node).into_iter().flatten() {
            if let Some(found) = visit(next, edges, stack, done) {
                return Some(found);
            }
        }
        stack.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    for start in edges.keys() {
        if let Some(found) = visit(start, edges, &mut Vec::new(), &mut done) {
            return Some(found);
        }
    }
    None
}

#[test]
fn no_circle_between_modules() {
    let edges = graph(None);
    assert!(
        edges.contains_key("carrier::cellhire"),
        "the graph was read: {edges:?}"
    );
    assert_eq!(
        circle(&edges),
        None,
        "modules import each other: {edges:#?}"
    );
}

#[test]
fn no_arrow_up_and_none_between_carriers() {
    let edges = graph(None);
    let mut wrong = Vec::new();
    for (from, tos) in &edges {
        let Some(from_layer) = layer(from) else {
            wrong.push(format!("{from} is in no layer"));
            continue;
        };
        for to in tos {
            match layer(to) {
                None => wrong.push(format!("{from} -> {to}: {to} is in no layer")),
                Some(to_layer) if to_layer > from_layer => {
                    wrong.push(format!("{from} -> {to} runs upwards"))
                }
                _ => {}
            }
            if from.starts_with("carrier::") && to.starts_with("carrier::") {
                wrong.push(format!("{from} -> {to} joins two carriers"));
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn no_circle_inside_a_carrier_or_a_sandbox() {
    for folder in [
        "carrier::apeiron",
        "carrier::cellhire",
        "carrier::inumbering",
        "sandbox::cellhire",
        "http",
        "store",
        "model",
    ] {
        let edges = graph(Some(folder));
        assert_eq!(
            circle(&edges),
            None,
            "{folder}: files import each other: {edges:#?}"
        );
    }
}

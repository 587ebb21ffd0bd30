//! The layout keeps its architecture: the top-level modules of `src/` (the
//! library's and the binary's) depend on each other one way only, down the
//! layers listed in [`LAYERS`], and never in a cycle.
//!
//! The graph is read from the source text: every `crate::NAME` (in a library
//! file, or a binary file naming a binary module), `msf_mcp::NAME`, each name
//! of a `use crate::{a, b::c}` group, names re-exported at the crate root
//! (`crate::App` is `app`), and `super::` chains that climb to the crate root.
//! Comments are left out.

use std::{
    collections::{BTreeMap, BTreeSet},
    fs,
    path::{Path, PathBuf},
};

/// The layers, top first. A module may use modules of its own layer or below,
/// never above; and the graph as a whole has no cycle.
const LAYERS: &[(&str, &[&str])] = &[
    // The binary's root: parses the command line, picks a door.
    ("entry", &["main"]),
    // The front doors: the CLI (one file per command family), MCP over
    // Streamable HTTP, the MCP server and its stdio transport.
    ("doors", &["cli", "http", "mcp", "stdio"]),
    // What the binary's doors share: keys, policy and sandbox set-up, the
    // guarded stdout.
    ("edge", &["edge", "stdout_guard"]),
    // The one API the doors call, its text renderings, the question-set metrics.
    ("app", &["app", "render", "view", "eval"]),
    // The sandbox: AWS reads, plans, policy, audit, signals.
    ("sandbox", &["sandbox"]),
    // Knowledge: routing, the gates, the facts table, the index, the corpus.
    (
        "knowledge",
        &["route", "workflow", "facts", "index", "corpus"],
    ),
    // The contract (tools' inputs and outputs) and configuration.
    ("contract", &["api", "config"]),
    // The one error type, and the AWS failures it wraps.
    ("error", &["error"]),
];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// `mod NAME;` lines of a crate root.
fn declared_mods(root: &str) -> BTreeSet<String> {
    let mut mods = BTreeSet::new();
    for line in strip_comments(root).lines() {
        let line = line.trim();
        let rest = line
            .strip_prefix("pub mod ")
            .or_else(|| line.strip_prefix("pub(crate) mod "))
            .or_else(|| line.strip_prefix("mod "));
        if let Some(name) = rest.and_then(|r| r.strip_suffix(';')) {
            mods.insert(name.trim().to_owned());
        }
    }
    mods
}

/// `pub use NAME::...` at the crate root: a name re-exported from module NAME.
fn root_reexports(root: &str, mods: &BTreeSet<String>) -> BTreeMap<String, String> {
    let mut names = BTreeMap::new();
    for line in strip_comments(root).lines() {
        let Some(rest) = line.trim().strip_prefix("pub use ") else {
            continue;
        };
        let module = rest.split("::").next().unwrap_or_default().to_owned();
        if !mods.contains(&module) {
            continue;
        }
        for name in rest[module.len()..].split(|c: char| !is_ident(c)) {
            if !name.is_empty() {
                names.insert(name.to_owned(), module.clone());
            }
        }
    }
    names
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Drops `//` comments (doc comments included) and `/* */` blocks; string
/// literals are kept as they are (a `//` inside one ends the line early, which
/// can only hide an edge that is also written elsewhere, never invent one).
fn strip_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("/*") {
            rest = after.split_once("*/").map_or("", |(_, tail)| tail);
        } else if rest.starts_with("//") {
            rest = rest.find('\n').map_or("", |i| &rest[i..]);
        } else {
            let c = rest.chars().next().unwrap_or_default();
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

/// The first identifier of each item of a `{...}` group starting at `text`
/// (which begins just after the `{`), nested groups skipped.
fn group_heads(text: &str) -> Vec<String> {
    let mut heads = Vec::new();
    let mut depth = 0usize;
    let mut at_item_start = true;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            ',' if depth == 0 => at_item_start = true,
            c if at_item_start && depth == 0 && is_ident(c) => {
                let end = text[i..]
                    .find(|c: char| !is_ident(c))
                    .map_or(text.len(), |n| i + n);
                heads.push(text[i..end].to_owned());
                at_item_start = false;
                while chars.peek().is_some_and(|(j, _)| *j < end) {
                    chars.next();
                }
            }
            _ => {}
        }
    }
    heads
}

/// The names that follow each `prefix::` in `text`: one name, or the heads of a group.
fn names_after(text: &str, prefix: &str) -> Vec<String> {
    let mut names = Vec::new();
    for (i, _) in text.match_indices(prefix) {
        let before = text[..i].chars().next_back();
        if before.is_some_and(|c| is_ident(c) || c == '$' || c == ':') {
            continue;
        }
        let after = text[i + prefix.len()..].trim_start();
        if let Some(group) = after.strip_prefix('{') {
            names.extend(group_heads(group));
        } else {
            let end = after.find(|c: char| !is_ident(c)).unwrap_or(after.len());
            if end > 0 {
                names.push(after[..end].to_owned());
            }
        }
    }
    names
}

/// `super::` chains long enough to reach the crate root from a file whose
/// module path has `depth` segments: the names they then reach.
fn names_via_super(text: &str, depth: usize) -> Vec<String> {
    let mut names = Vec::new();
    for (i, _) in text.match_indices("super::") {
        if text[..i].ends_with("super::") {
            continue; // counted from the chain's first `super::`
        }
        let mut rest = &text[i..];
        let mut climbs = 0;
        while let Some(r) = rest.strip_prefix("super::") {
            climbs += 1;
            rest = r;
        }
        if climbs == depth {
            let end = rest.find(|c: char| !is_ident(c)).unwrap_or(rest.len());
            names.push(rest[..end].to_owned());
        }
    }
    names
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        panic!("cannot read {}", dir.display());
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file belongs to and its module depth.
fn module_of(src: &Path, file: &Path) -> (String, usize) {
    let rel = file.strip_prefix(src).unwrap_or(file);
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    match parts.as_slice() {
        [root] if root == "lib" => ("lib".to_owned(), 0),
        [root] if root == "main" => ("main".to_owned(), 0),
        _ => (parts[0].clone(), parts.len()),
    }
}

/// Edges between top-level modules, each with a file that makes it.
type Graph = BTreeMap<String, BTreeMap<String, String>>;

fn graph() -> Graph {
    let src = src();
    let read = |name: &str| fs::read_to_string(src.join(name)).unwrap_or_default();
    let (lib_root, bin_root) = (read("lib.rs"), read("main.rs"));
    let lib_mods = declared_mods(&lib_root);
    let bin_mods = declared_mods(&bin_root);
    let lib_names = root_reexports(&lib_root, &lib_mods);
    let bin_names = root_reexports(&bin_root, &bin_mods);
    let resolve = |name: &str, mods: &BTreeSet<String>, names: &BTreeMap<String, String>| {
        if mods.contains(name) {
            Some(name.to_owned())
        } else {
            names.get(name).cloned()
        }
    };

    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut graph = Graph::new();
    for file in files {
        let (top, depth) = module_of(&src, &file);
        let in_bin = top == "main" || bin_mods.contains(&top);
        if top != "lib" && top != "main" && !in_bin && !lib_mods.contains(&top) {
            continue; // a file no crate root declares (none today)
        }
        let text = strip_comments(&fs::read_to_string(&file).unwrap_or_default());
        let (own_mods, own_names) = if in_bin {
            (&bin_mods, &bin_names)
        } else {
            (&lib_mods, &lib_names)
        };
        let mut targets = Vec::new();
        for name in names_after(&text, "crate::")
            .into_iter()
            .chain(names_via_super(&text, depth))
        {
            targets.extend(resolve(&name, own_mods, own_names));
        }
        for name in names_after(&text, "msf_mcp::") {
            targets.extend(resolve(&name, &lib_mods, &lib_names));
        }
        let rel = file
            .strip_prefix(&src)
            .unwrap_or(&file)
            .display()
            .to_string();
        for target in targets {
            if target != top && target != "lib" {
                graph
                    .entry(top.clone())
                    .or_default()
                    .entry(target)
                    .or_insert_with(|| rel.clone());
            }
        }
    }
    graph.remove("lib"); // the library root only declares and re-exports
    graph
}

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|(_, mods)| mods.contains(&module))
}

fn render(graph: &Graph) -> String {
    graph
        .iter()
        .map(|(from, to)| {
            let to: Vec<&str> = to.keys().map(String::as_str).collect();
            format!("{from} -> {}\n", to.join(", "))
        })
        .collect()
}

/// The modules each module reaches, directly or not.
fn reach(graph: &Graph, from: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut todo = vec![from.to_owned()];
    while let Some(node) = todo.pop() {
        for next in graph.get(&node).into_iter().flat_map(|m| m.keys()) {
            if seen.insert(next.clone()) {
                todo.push(next.clone());
            }
        }
    }
    seen
}

/// The groups of modules that reach each other (each group is one or more
/// cycles), empty when the graph has no cycle.
fn cycles(graph: &Graph) -> Vec<BTreeSet<String>> {
    let reaches: BTreeMap<&String, BTreeSet<String>> =
        graph.keys().map(|m| (m, reach(graph, m))).collect();
    let mut groups: Vec<BTreeSet<String>> = Vec::new();
    for (module, reached) in &reaches {
        if !reached.contains(*module) || groups.iter().any(|g| g.contains(*module)) {
            continue;
        }
        let group = reached
            .iter()
            .filter(|other| reaches.get(other).is_some_and(|r| r.contains(*module)))
            .cloned()
            .collect();
        groups.push(group);
    }
    groups
}

#[test]
fn top_level_modules_have_no_cycle() {
    let graph = graph();
    assert!(
        graph.len() > 10,
        "the graph reader found too few modules:\n{}",
        render(&graph)
    );
    let cycles = cycles(&graph);
    assert!(
        cycles.is_empty(),
        "top-level modules that depend on each other (in a cycle): {cycles:?}\n\ngraph:\n{}",
        render(&graph)
    );
}

#[test]
fn dependencies_point_down_the_layers() {
    let graph = graph();
    let src = src();
    let lib_mods = declared_mods(&fs::read_to_string(src.join("lib.rs")).unwrap_or_default());
    let bin_mods = declared_mods(&fs::read_to_string(src.join("main.rs")).unwrap_or_default());
    let unplaced: Vec<&String> = lib_mods
        .iter()
        .chain(&bin_mods)
        .filter(|m| layer_of(m).is_none())
        .collect();
    assert!(
        unplaced.is_empty(),
        "top-level modules in no layer (add them to LAYERS in tests/layers.rs): {unplaced:?}"
    );
    let mut upward = Vec::new();
    for (from, targets) in &graph {
        for (to, file) in targets {
            if let (Some(a), Some(b)) = (layer_of(from), layer_of(to))
                && b < a
            {
                upward.push(format!(
                    "{from} ({}) uses {to} ({}), in {file}",
                    LAYERS[a].0, LAYERS[b].0
                ));
            }
        }
    }
    assert!(
        upward.is_empty(),
        "dependencies that point up the layers:\n{}\n\ngraph:\n{}",
        upward.join("\n"),
        render(&graph)
    );
}

#[test]
fn the_reader_sees_groups_supers_and_reexports() {
    let text = strip_comments(
        "use crate::{a::{b, c}, d, e::F};\n// crate::commented\nlet x = super::super::g::h;",
    );
    assert_eq!(names_after(&text, "crate::"), ["a", "d", "e"]);
    assert_eq!(names_via_super(&text, 2), ["g"]);
    assert!(names_via_super(&text, 3).is_empty());
    let mut graph = Graph::new();
    for (from, to) in [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")] {
        graph
            .entry(from.into())
            .or_default()
            .insert(to.into(), String::new());
    }
    let expected: BTreeSet<String> = ["a", "b", "c"].map(String::from).into();
    assert_eq!(cycles(&graph), [expected]);
    graph.remove("c");
    assert!(cycles(&graph).is_empty());
    let mods: BTreeSet<String> = ["app".to_owned()].into();
    let names = root_reexports("pub use app::{App, Other};\n", &mods);
    assert_eq!(names.get("App").map(String::as_str), Some("app"));
}

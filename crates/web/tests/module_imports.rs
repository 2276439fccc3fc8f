//! Feature modules of the web crate never import each other: each takes what several pages
//! share from the shared modules below, so that a new feature is its own files plus one router
//! line in `lib.rs` and one navigation entry. Shared modules do not import features either.
//!
//! Every top-level module of `src` (a file `x.rs` or a folder `x/`) is a feature unless it is
//! listed in `SHARED`. Paths are found in the source text with comments and string literals
//! blanked out: `crate::x`, `use crate::{x, y::z}` groups (nested groups too), and `super::x`
//! where the `super`s climb to the crate root (`super::` inside `api/` stays within `api`).

use std::path::{Path, PathBuf};

/// Modules that any feature may use; everything else at the top of `src` is a feature.
const SHARED: &[&str] = &[
    "lib", "widgets", "page", "error", "forms", "extract", "session", "assets", "imports", "trace",
    "routes",
];

/// A reference to an item at the crate root, found in a source file.
#[derive(Debug, PartialEq)]
struct RootRef {
    line: usize,
    /// The first path segment below the crate root: a module name or an item of `lib.rs`.
    name: String,
    /// The path as written, for the message.
    text: String,
}

/// Replaces comments and the contents of string and character literals with spaces, keeping
/// line breaks, so that line numbers stay right and no text inside them is taken for a path.
fn blank(src: &str) -> String {
    let c: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    let keep = |ch: char| if ch == '\n' { '\n' } else { ' ' };
    let ident = |ch: char| ch.is_alphanumeric() || ch == '_';
    let mut i = 0;
    while i < c.len() {
        // Line comment.
        if c[i] == '/' && c.get(i + 1) == Some(&'/') {
            while i < c.len() && c[i] != '\n' {
                out.push(' ');
                i += 1;
            }
            continue;
        }
        // Block comment (nested).
        if c[i] == '/' && c.get(i + 1) == Some(&'*') {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(keep(c[i]));
                    i += 1;
                }
            }
            continue;
        }
        // Raw string: r"…", r#"…"#, br"…".
        if c[i] == 'r'
            && (i == 0 || !ident(c[i - 1]) || (c[i - 1] == 'b' && (i < 2 || !ident(c[i - 2]))))
        {
            let mut j = i + 1;
            while c.get(j) == Some(&'#') {
                j += 1;
            }
            if c.get(j) == Some(&'"') {
                let hashes = j - i - 1;
                out.push('r');
                for _ in 0..hashes {
                    out.push('#');
                }
                out.push('"');
                i = j + 1;
                while i < c.len() {
                    if c[i] == '"' && (0..hashes).all(|h| c.get(i + 1 + h) == Some(&'#')) {
                        out.push('"');
                        for _ in 0..hashes {
                            out.push('#');
                        }
                        i += 1 + hashes;
                        break;
                    }
                    out.push(keep(c[i]));
                    i += 1;
                }
                continue;
            }
        }
        // String.
        if c[i] == '"' {
            out.push('"');
            i += 1;
            while i < c.len() && c[i] != '"' {
                if c[i] == '\\' && i + 1 < c.len() {
                    out.push(' ');
                    out.push(keep(c[i + 1]));
                    i += 2;
                    continue;
                }
                out.push(keep(c[i]));
                i += 1;
            }
            if i < c.len() {
                out.push('"');
                i += 1;
            }
            continue;
        }
        // Character literal ('a', '\n', '"'); a lifetime ('a) is left alone.
        if c[i] == '\'' {
            let end = if c.get(i + 1) == Some(&'\\') {
                (i + 2..c.len().min(i + 12)).find(|&j| c[j] == '\'')
            } else if c.get(i + 2) == Some(&'\'') {
                Some(i + 2)
            } else {
                None
            };
            if let Some(end) = end {
                out.push('\'');
                for _ in i + 1..end {
                    out.push(' ');
                }
                out.push('\'');
                i = end + 1;
                continue;
            }
        }
        out.push(c[i]);
        i += 1;
    }
    out
}

fn is_ident(ch: char) -> bool {
    ch.is_alphanumeric() || ch == '_'
}

/// The first segment of each item of a `{…}` group starting at `open` (the brace), with the
/// position after the closing brace.
fn group_items(c: &[char], open: usize) -> (Vec<String>, usize) {
    let mut items = Vec::new();
    let mut depth = 0;
    let mut at_item_start = true;
    let mut i = open;
    while i < c.len() {
        match c[i] {
            '{' => {
                depth += 1;
                at_item_start = depth == 1;
                i += 1;
            }
            '}' => {
                depth -= 1;
                i += 1;
                if depth == 0 {
                    break;
                }
            }
            ',' if depth == 1 => {
                at_item_start = true;
                i += 1;
            }
            ch if ch.is_whitespace() => i += 1,
            ch if at_item_start && depth == 1 && is_ident(ch) => {
                let start = i;
                while i < c.len() && is_ident(c[i]) {
                    i += 1;
                }
                items.push(c[start..i].iter().collect());
                at_item_start = false;
            }
            _ => {
                at_item_start = false;
                i += 1;
            }
        }
    }
    (items, i)
}

/// Whether the brace at `open` begins an inline module: `mod name {`.
fn opens_inline_mod(c: &[char], open: usize) -> bool {
    let mut j = open;
    while j > 0 && c[j - 1].is_whitespace() {
        j -= 1;
    }
    let end = j;
    while j > 0 && is_ident(c[j - 1]) {
        j -= 1;
    }
    if j == end {
        return false;
    }
    while j > 0 && c[j - 1].is_whitespace() {
        j -= 1;
    }
    j >= 3 && c[j - 3..j] == ['m', 'o', 'd'] && (j == 3 || !is_ident(c[j - 4]))
}

/// Crate-root references in a file whose module lies `depth` levels below the crate root
/// (`src/x.rs` and `src/x/mod.rs`: 1; `src/x/y.rs`: 2; `src/lib.rs`: 0).
fn root_refs(src: &str, depth: usize) -> Vec<RootRef> {
    let text = blank(src);
    let c: Vec<char> = text.chars().collect();
    let mut refs = Vec::new();
    let mut line = 1;
    let mut brace = 0usize;
    // Brace depths at which inline `mod name {` blocks opened.
    let mut inline: Vec<usize> = Vec::new();
    let mut i = 0;
    let starts_with = |i: usize, word: &str| {
        word.chars()
            .enumerate()
            .all(|(k, w)| c.get(i + k) == Some(&w))
            && (i == 0 || !is_ident(c[i - 1]))
    };
    while i < c.len() {
        match c[i] {
            '\n' => {
                line += 1;
                i += 1;
                continue;
            }
            '{' => {
                brace += 1;
                if opens_inline_mod(&c, i) {
                    inline.push(brace);
                }
                i += 1;
                continue;
            }
            '}' => {
                if inline.last() == Some(&brace) {
                    inline.pop();
                }
                brace = brace.saturating_sub(1);
                i += 1;
                continue;
            }
            _ => {}
        }
        let start = i;
        let (mut j, to_root) = if starts_with(i, "crate::") {
            (i + "crate::".len(), true)
        } else if starts_with(i, "super::") {
            let mut j = i;
            let mut supers = 0;
            while starts_with(j, "super::") {
                supers += 1;
                j += "super::".len();
            }
            // Climbing as many levels as the module is deep reaches the crate root.
            (j, supers >= depth + inline.len())
        } else {
            i += 1;
            continue;
        };
        if !to_root {
            i = j;
            continue;
        }
        while j < c.len() && c[j] == ' ' {
            j += 1;
        }
        let written_line = line;
        if c.get(j) == Some(&'{') {
            let (items, end) = group_items(&c, j);
            let written: String = c[start..end].iter().collect();
            for name in items {
                refs.push(RootRef {
                    line: written_line,
                    name,
                    text: written.split_whitespace().collect::<Vec<_>>().join(" "),
                });
            }
            line += c[start..end].iter().filter(|ch| **ch == '\n').count();
            i = end;
        } else {
            let s = j;
            while j < c.len() && is_ident(c[j]) {
                j += 1;
            }
            if j > s {
                refs.push(RootRef {
                    line: written_line,
                    name: c[s..j].iter().collect(),
                    text: c[start..j].iter().collect(),
                });
            }
            i = j.max(start + 1);
        }
    }
    refs
}

/// Every `.rs` file under `dir`.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The top-level modules of `src` that are features.
fn features(src: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(src)
        .expect("src")
        .map(|e| e.expect("directory entry").path())
        .filter_map(|p| {
            let name = if p.is_dir() {
                p.file_name()?.to_str()?.to_string()
            } else if p.extension().is_some_and(|x| x == "rs") {
                p.file_stem()?.to_str()?.to_string()
            } else {
                return None;
            };
            Some(name)
        })
        .filter(|n| !SHARED.contains(&n.as_str()))
        .collect();
    names.sort();
    names.dedup();
    names
}

#[test]
fn feature_modules_do_not_import_each_other() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let features = features(&src);
    assert!(
        features.iter().any(|f| f == "members") && features.iter().any(|f| f == "api"),
        "the list of features looks wrong: {features:?}"
    );
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut problems = Vec::new();
    for file in &files {
        let rel = file.strip_prefix(&src).expect("under src");
        let parts: Vec<String> = rel
            .iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect();
        let top = parts[0].trim_end_matches(".rs").to_string();
        if top == "lib" {
            // The crate root assembles the routers of every feature.
            continue;
        }
        let depth = if parts.last().is_some_and(|l| l == "mod.rs") {
            parts.len() - 1
        } else {
            parts.len()
        };
        let is_feature = features.contains(&top);
        let text = std::fs::read_to_string(file).expect("readable source");
        for r in root_refs(&text, depth) {
            if r.name == top || !features.contains(&r.name) {
                continue;
            }
            let what = if is_feature {
                format!("feature `{top}` imports feature `{}`", r.name)
            } else {
                format!("shared module `{top}` imports feature `{}`", r.name)
            };
            problems.push(format!(
                "src/{}:{}: {what} ({})",
                parts.join("/"),
                r.line,
                r.text
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "features must not import each other; move what they share to widgets (or another \
         shared module):\n{}",
        problems.join("\n")
    );
}

#[test]
fn paths_are_found_in_groups_and_across_lines() {
    let names = |src: &str, depth: usize| -> Vec<(usize, String)> {
        root_refs(src, depth)
            .into_iter()
            .map(|r| (r.line, r.name))
            .collect()
    };
    assert_eq!(
        names("use crate::orgs::{tree, Tree};\nuse crate::AppState;\n", 1),
        vec![(1, "orgs".into()), (2, "AppState".into())]
    );
    assert_eq!(
        names(
            "use crate::{\n    page::{render, PageCtx},\n    members, orgs::tree,\n};",
            1
        ),
        vec![
            (1, "page".into()),
            (1, "members".into()),
            (1, "orgs".into())
        ]
    );
    assert_eq!(
        names("fn f() { crate::compliance::target_org(a).await }", 1),
        vec![(1, "compliance".into())]
    );
}

#[test]
fn super_counts_only_when_it_reaches_the_crate_root() {
    let names = |src: &str, depth: usize| -> Vec<String> {
        root_refs(src, depth).into_iter().map(|r| r.name).collect()
    };
    // In api/x.rs `super::` is api itself; two reach the crate root.
    assert!(names("use super::{work_org, ApiAuth};", 2).is_empty());
    assert_eq!(names("use super::super::orgs::Tree;", 2), vec!["orgs"]);
    // At the top of src/x.rs `super::` is the crate root; inside `mod tests` it is x.
    assert_eq!(names("use super::members::download;", 1), vec!["members"]);
    assert!(names("mod tests {\n    use super::members;\n}\n", 1).is_empty());
    assert_eq!(
        names("mod tests {\n    use super::super::members;\n}\n", 1),
        vec!["members"]
    );
}

#[test]
fn comments_and_strings_are_not_paths() {
    let src = "// see crate::orgs::tree\n/* crate::members */\nlet s = \"crate::dues\";\nlet r = r#\"crate::stats\"#;\nlet c = '\"'; let t = crate::forms::query(&[]);\n";
    let refs = root_refs(src, 1);
    assert_eq!(refs.len(), 1, "{refs:?}");
    assert_eq!((refs[0].line, refs[0].name.as_str()), (5, "forms"));
}

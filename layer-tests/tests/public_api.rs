//! The crate's public API, listed from its source on the stable toolchain and compared with
//! the checked-in `public-api.txt`, so that no change to it goes unnoticed.
//!
//! After an intended change, regenerate the listing and commit it with the change:
//!
//! ```sh
//! UPDATE_PUBLIC_API=1 cargo test -p tracing-cloudwatch-logs-tests --test public_api
//! ```
//!
//! How it lists (rustdoc's JSON output would do it, but only on nightly): `lib.rs` is read
//! for its `pub mod` and `pub use` items; every public item they reach is listed with its
//! signature (bodies and private fields left out), with the pub fields of structs, the
//! variants of enums, the methods of traits, the `pub fn`s of inherent impls, the derives
//! and every trait impl for a listed type (or of a listed trait) found anywhere in `src/`.
//! Each line carries the `cfg(feature)` gates that apply. Auto traits (`Send`, `Sync`, ...)
//! and blanket impls are not listed.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use quote::ToTokens;
use syn::{Attribute, Fields, ImplItem, Item, TraitItem, UseTree, Visibility};

const CRATE: &str = "tracing_cloudwatch_logs";
const LISTING: &str = "public-api.txt";
const UPDATE_VAR: &str = "UPDATE_PUBLIC_API";

/// The layer crate's directory, beside this one.
fn crate_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tracing-cloudwatch-logs")
}

#[test]
fn the_public_api_is_the_checked_in_one() {
    let listing = list_public_api(&crate_dir().join("src"));
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join(LISTING);
    if std::env::var_os(UPDATE_VAR).is_some() {
        std::fs::write(&file, &listing).expect("writing public-api.txt");
        return;
    }
    let expected = std::fs::read_to_string(&file).unwrap_or_else(|e| {
        panic!(
            "reading {}: {e}; create it with `{UPDATE_VAR}=1 cargo test -p tracing-cloudwatch-logs-tests --test public_api`",
            file.display()
        )
    });
    let now: BTreeSet<&str> = listing.lines().collect();
    let before: BTreeSet<&str> = expected.lines().collect();
    let added: Vec<&str> = now.difference(&before).copied().collect();
    let removed: Vec<&str> = before.difference(&now).copied().collect();
    assert!(
        added.is_empty() && removed.is_empty(),
        "the public API changed.\n\nadded:\n  {}\n\nremoved:\n  {}\n\nIf this is intended (removals and \
         changed signatures break users: bump the version accordingly), run \
         `{UPDATE_VAR}=1 cargo test -p tracing-cloudwatch-logs-tests --test public_api` and commit {LISTING}.",
        added.join("\n  "),
        removed.join("\n  ")
    );
}

/// The lister itself: what must and must not appear, on the real crate.
#[test]
fn the_listing_follows_visibility_and_features() {
    let listing = list_public_api(&crate_dir().join("src"));
    let has = |needle: &str| listing.lines().any(|l| l.contains(needle));
    // Re-exported from a private module, with its feature gate.
    assert!(has(
        "#[cfg(feature = \"layer\")] pub fn tracing_cloudwatch_logs::Builder::build("
    ));
    // A `pub mod` is listed whole, ungated.
    assert!(has("pub struct tracing_cloudwatch_logs::record::LogRecord"));
    // A trait impl in a feature-gated module carries that module's gate.
    assert!(has(
        "#[cfg(feature = \"aws-sdk\")] impl tracing_cloudwatch_logs::LogsClient for aws_sdk_cloudwatchlogs::Client"
    ));
    // `pub(crate)` items and fields, and items of private modules that are not re-exported,
    // are not public.
    assert!(!has("Builder::validate"));
    assert!(!has("::Config"));
    assert!(!has("::Batch"));
    assert!(!has("LogEvent::message:"));
    assert!(!has("mod tests"));
}

/// One line per public item, sorted.
fn list_public_api(src: &Path) -> String {
    let lib = parse(&src.join("lib.rs"));
    let mut lines = BTreeSet::new();
    // Public name (last segment) -> full path, to name impls' self types.
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    // Module name -> its cfg gates (from `lib.rs`), for impls found in its file.
    let mut module_cfgs: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut reexports: Vec<(String, String, Vec<String>)> = Vec::new();
    let mut public_modules = Vec::new();

    for item in &lib.items {
        let attrs = item_attrs(item);
        if is_test_only(attrs) {
            continue;
        }
        let cfgs = cfgs(attrs);
        match item {
            Item::Mod(m) => {
                let name = m.ident.to_string();
                module_cfgs.insert(name.clone(), cfgs.clone());
                if is_pub(&m.vis) {
                    public_modules.push((name, cfgs));
                }
            }
            Item::Use(u) if is_pub(&u.vis) => {
                let mut found = Vec::new();
                use_names(&u.tree, &mut Vec::new(), &mut found);
                for (module, name) in found {
                    reexports.push((module, name, cfgs.clone()));
                }
            }
            _ => {
                if let Some((name, rendered)) = render_item(item, CRATE, &cfgs) {
                    names.insert(name, format!("{CRATE}::{}", item_name(item)));
                    lines.extend(rendered);
                }
            }
        }
    }

    for (module, module_gates) in &public_modules {
        let file = parse(&module_file(src, module));
        let prefix = format!("{CRATE}::{module}");
        lines.insert(format!("{}pub mod {prefix}", gates(module_gates)));
        for item in &file.items {
            if is_test_only(item_attrs(item)) {
                continue;
            }
            let mut item_gates = module_gates.clone();
            item_gates.extend(cfgs(item_attrs(item)));
            if let Some((name, rendered)) = render_item(item, &prefix, &item_gates) {
                names.insert(name, format!("{prefix}::{}", item_name(item)));
                lines.extend(rendered);
            }
        }
    }

    for (module, name, use_gates) in &reexports {
        let file = parse(&module_file(src, module));
        let item = file
            .items
            .iter()
            .find(|i| item_name(i) == *name && !is_test_only(item_attrs(i)))
            .unwrap_or_else(|| panic!("`pub use {module}::{name}`: no such item in {module}.rs"));
        let mut item_gates = use_gates.clone();
        item_gates.extend(cfgs(item_attrs(item)));
        if let Some((listed, rendered)) = render_item(item, CRATE, &item_gates) {
            names.insert(listed, format!("{CRATE}::{name}"));
            lines.extend(rendered);
        }
    }

    // Impls, wherever they are.
    let public_traits: BTreeSet<String> = names.keys().cloned().collect();
    for (module, module_gates) in &module_cfgs {
        let path = module_file(src, module);
        if !path.exists() {
            continue;
        }
        let file = parse(&path);
        for item in &file.items {
            let Item::Impl(imp) = item else { continue };
            if is_test_only(&imp.attrs) {
                continue;
            }
            let mut impl_gates = module_gates.clone();
            impl_gates.extend(cfgs(&imp.attrs));
            let self_name = last_segment(&imp.self_ty.to_token_stream().to_string());
            let trait_name = imp
                .trait_
                .as_ref()
                .map(|(_, path, _)| last_segment(&path.to_token_stream().to_string()));
            let self_path = names.get(&self_name);
            let trait_is_ours = trait_name
                .as_ref()
                .is_some_and(|t| public_traits.contains(t));
            if self_path.is_none() && !trait_is_ours {
                continue;
            }
            let self_ty = match self_path {
                Some(path) => qualify(
                    &tidy(&imp.self_ty.to_token_stream().to_string()),
                    &self_name,
                    path,
                ),
                None => tidy(&imp.self_ty.to_token_stream().to_string()),
            };
            let generics = tidy(&imp.generics.to_token_stream().to_string());
            let where_clause = imp
                .generics
                .where_clause
                .as_ref()
                .map(|w| format!(" {}", tidy(&w.to_token_stream().to_string())))
                .unwrap_or_default();
            match &imp.trait_ {
                Some((_, trait_path, _)) => {
                    let mut trait_ty = tidy(&trait_path.to_token_stream().to_string());
                    if let Some(name) = &trait_name
                        && let Some(path) = names.get(name)
                        && trait_is_ours
                    {
                        trait_ty = qualify(&trait_ty, name, path);
                    }
                    lines.insert(format!(
                        "{}impl{generics} {trait_ty} for {self_ty}{where_clause}",
                        gates(&impl_gates)
                    ));
                }
                None => {
                    for member in &imp.items {
                        let ImplItem::Fn(f) = member else { continue };
                        if !is_pub(&f.vis) || is_test_only(&f.attrs) {
                            continue;
                        }
                        let mut fn_gates = impl_gates.clone();
                        fn_gates.extend(cfgs(&f.attrs));
                        let sig = tidy(&f.sig.to_token_stream().to_string());
                        let sig = sig.replacen(
                            &format!("fn {}", f.sig.ident),
                            &format!("fn {self_ty}::{}", f.sig.ident),
                            1,
                        );
                        lines.insert(format!("{}pub {sig}{where_clause}", gates(&fn_gates)));
                    }
                }
            }
        }
    }

    let mut out = String::new();
    for line in lines {
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// Renders one item as `(name, lines)`; nothing for items that are not `pub`.
fn render_item(item: &Item, prefix: &str, item_gates: &[String]) -> Option<(String, Vec<String>)> {
    let g = gates(item_gates);
    let name = item_name(item);
    let path = format!("{prefix}::{name}");
    let mut lines = Vec::new();
    let derives = |attrs: &[Attribute], lines: &mut Vec<String>| {
        for derive in derives(attrs) {
            lines.push(format!("{g}impl {derive} for {path}"));
        }
    };
    match item {
        Item::Struct(s) if is_pub(&s.vis) => {
            let generics = tidy(&s.generics.to_token_stream().to_string());
            lines.push(format!(
                "{g}{}pub struct {path}{generics}",
                markers(&s.attrs)
            ));
            derives(&s.attrs, &mut lines);
            if let Fields::Named(fields) = &s.fields {
                for field in &fields.named {
                    if is_pub(&field.vis) {
                        let ident = field
                            .ident
                            .as_ref()
                            .map(ToString::to_string)
                            .unwrap_or_default();
                        let ty = tidy(&field.ty.to_token_stream().to_string());
                        lines.push(format!("{g}pub {path}::{ident}: {ty}"));
                    }
                }
            }
        }
        Item::Enum(e) if is_pub(&e.vis) => {
            lines.push(format!("{g}{}pub enum {path}", markers(&e.attrs)));
            derives(&e.attrs, &mut lines);
            for variant in &e.variants {
                let mut v = variant.clone();
                v.attrs
                    .retain(|a| !a.path().is_ident("doc") && !a.path().is_ident("error"));
                for field in v.fields.iter_mut() {
                    field.attrs.retain(|a| !a.path().is_ident("doc"));
                }
                v.discriminant = None;
                let rendered = tidy(&v.to_token_stream().to_string());
                lines.push(format!("{g}{path}::{rendered}"));
            }
        }
        Item::Trait(t) if is_pub(&t.vis) => {
            let generics = tidy(&t.generics.to_token_stream().to_string());
            let supertraits = if t.supertraits.is_empty() {
                String::new()
            } else {
                format!(": {}", tidy(&t.supertraits.to_token_stream().to_string()))
            };
            lines.push(format!("{g}pub trait {path}{generics}{supertraits}"));
            for member in &t.items {
                if let TraitItem::Fn(f) = member {
                    let sig = tidy(&f.sig.to_token_stream().to_string());
                    let provided = if f.default.is_some() {
                        " (provided)"
                    } else {
                        ""
                    };
                    let sig = sig.replacen(
                        &format!("fn {}", f.sig.ident),
                        &format!("fn {path}::{}", f.sig.ident),
                        1,
                    );
                    lines.push(format!("{g}{sig}{provided}"));
                }
            }
        }
        Item::Fn(f) if is_pub(&f.vis) => {
            let sig = tidy(&f.sig.to_token_stream().to_string());
            let sig = sig.replacen(&format!("fn {name}"), &format!("fn {path}"), 1);
            lines.push(format!("{g}pub {sig}"));
        }
        Item::Const(c) if is_pub(&c.vis) => {
            let ty = tidy(&c.ty.to_token_stream().to_string());
            lines.push(format!("{g}pub const {path}: {ty}"));
        }
        Item::Type(t) if is_pub(&t.vis) => {
            let generics = tidy(&t.generics.to_token_stream().to_string());
            let ty = tidy(&t.ty.to_token_stream().to_string());
            lines.push(format!("{g}pub type {path}{generics} = {ty}"));
        }
        Item::Mod(m) if is_pub(&m.vis) => {
            panic!("nested public module {name}: teach the lister about it")
        }
        _ => return None,
    }
    Some((name, lines))
}

fn item_name(item: &Item) -> String {
    match item {
        Item::Struct(s) => s.ident.to_string(),
        Item::Enum(e) => e.ident.to_string(),
        Item::Trait(t) => t.ident.to_string(),
        Item::Fn(f) => f.sig.ident.to_string(),
        Item::Const(c) => c.ident.to_string(),
        Item::Type(t) => t.ident.to_string(),
        Item::Mod(m) => m.ident.to_string(),
        Item::Static(s) => s.ident.to_string(),
        _ => String::new(),
    }
}

fn item_attrs(item: &Item) -> &[Attribute] {
    match item {
        Item::Struct(s) => &s.attrs,
        Item::Enum(e) => &e.attrs,
        Item::Trait(t) => &t.attrs,
        Item::Fn(f) => &f.attrs,
        Item::Const(c) => &c.attrs,
        Item::Type(t) => &t.attrs,
        Item::Mod(m) => &m.attrs,
        Item::Use(u) => &u.attrs,
        Item::Impl(i) => &i.attrs,
        Item::Static(s) => &s.attrs,
        _ => &[],
    }
}

fn is_pub(vis: &Visibility) -> bool {
    matches!(vis, Visibility::Public(_))
}

/// `#[cfg(test)]` / `#[cfg(doctest)]` items are not part of the API.
fn is_test_only(attrs: &[Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("cfg") && {
            let inner = tidy(&a.meta.to_token_stream().to_string());
            inner == "cfg(test)" || inner == "cfg(doctest)"
        }
    })
}

/// The item's `#[cfg(..)]` attributes, rendered.
fn cfgs(attrs: &[Attribute]) -> Vec<String> {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("cfg"))
        .map(|a| format!("#[{}]", tidy(&a.meta.to_token_stream().to_string())))
        .collect()
}

fn gates(cfgs: &[String]) -> String {
    let unique: BTreeSet<&String> = cfgs.iter().collect();
    unique.into_iter().map(|c| format!("{c} ")).collect()
}

/// `#[non_exhaustive]` and `#[must_use]`, which change what users may write.
fn markers(attrs: &[Attribute]) -> String {
    let mut out = String::new();
    for marker in ["non_exhaustive", "must_use"] {
        if attrs.iter().any(|a| a.path().is_ident(marker)) {
            out.push_str(&format!("#[{marker}] "));
        }
    }
    out
}

fn derives(attrs: &[Attribute]) -> Vec<String> {
    let mut out = Vec::new();
    for attr in attrs.iter().filter(|a| a.path().is_ident("derive")) {
        let _ = attr.parse_nested_meta(|meta| {
            out.push(tidy(&meta.path.to_token_stream().to_string()));
            Ok(())
        });
    }
    out
}

/// `pub use a::{B, c::D}` -> `[(a, B), (a, D)]` (the module is the first segment; re-exports
/// here come from the crate's own top-level modules).
fn use_names(tree: &UseTree, path: &mut Vec<String>, out: &mut Vec<(String, String)>) {
    match tree {
        UseTree::Path(p) => {
            path.push(p.ident.to_string());
            use_names(&p.tree, path, out);
            path.pop();
        }
        UseTree::Name(n) => out.push((
            path.first().cloned().unwrap_or_default(),
            n.ident.to_string(),
        )),
        UseTree::Group(g) => {
            for t in &g.items {
                use_names(t, path, out);
            }
        }
        UseTree::Rename(r) => panic!("renamed re-export {}: teach the lister about it", r.ident),
        UseTree::Glob(_) => panic!("glob re-export: teach the lister about it"),
    }
}

fn module_file(src: &Path, module: &str) -> PathBuf {
    let flat = src.join(format!("{module}.rs"));
    if flat.exists() {
        flat
    } else {
        src.join(module).join("mod.rs")
    }
}

fn parse(path: &Path) -> syn::File {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    syn::parse_file(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `Foo < 'a >` -> `Foo`; `a :: b :: Foo` -> `Foo`.
fn last_segment(path: &str) -> String {
    let base = path.split('<').next().unwrap_or_default();
    base.rsplit("::")
        .next()
        .unwrap_or_default()
        .trim()
        .to_owned()
}

/// Replaces the leading bare `name` of a rendered type with its full path.
fn qualify(rendered: &str, name: &str, path: &str) -> String {
    match rendered.strip_prefix(name) {
        Some(rest) if !rest.starts_with(|c: char| c.is_alphanumeric() || c == '_') => {
            format!("{path}{rest}")
        }
        _ => rendered.to_owned(),
    }
}

/// Token streams print with a space between every token; put them back the way rustfmt
/// would, closely enough for a stable, readable listing.
fn tidy(tokens: &str) -> String {
    let mut s = tokens.to_owned();
    for (from, to) in [
        (" ,", ","),
        (" ;", ";"),
        (" :: ", "::"),
        (":: ", "::"),
        (" ::", "::"),
        (" : ", ": "),
        (" <", "<"),
        ("< ", "<"),
        (" >", ">"),
        ("( ", "("),
        (" )", ")"),
        ("[ ", "["),
        (" ]", "]"),
        ("& ", "&"),
        ("# [", "#["),
        (" (", "("),
        (" !", "!"),
    ] {
        while s.contains(from) {
            s = s.replace(from, to);
        }
    }
    // Put back the spaces the rules above took from keywords and operators.
    for (from, to) in [
        ("->(", "-> ("),
        ("impl(", "impl ("),
        ("dyn(", "dyn ("),
        (",(", ", ("),
        (":(", ": ("),
        ("=(", "= ("),
        ("for<", "for <"),
    ] {
        s = s.replace(from, to);
    }
    s.replace("for <", "for<")
}

//! Alignment of one story's claims into findings: claims with the same key are compared across
//! sources (`agree`, `conflict`, `single`); related counts are checked by arithmetic and
//! enumerations against the counts that announce them (`derived`); list memberships are laid
//! out as a grid, with complete enumerations standing for every entity they leave out.
//!
//! A copy of another document is shown in its cell but never counts as an independent source.
//! A value computed rather than read (`Claim::derived`) may confirm a finding but never makes a
//! conflict on its own.

use super::model::*;
use super::store::StoredClaim;
use super::{Member, Names};
use crate::claims::{Kind, fmt_value};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// A claim and the position of its document in the story.
#[derive(Clone, Copy)]
struct Ref<'a> {
    d: usize,
    c: &'a StoredClaim<'a>,
    /// Inferred from a complete enumeration (a membership the text does not state in words).
    by_list: bool,
}

fn evidence(doc: &DocId, c: &StoredClaim) -> Evidence {
    // Room for every mark and the value's: filtered, the marks had no size to start from and
    // grew by doubling.
    let mut marks: Vec<Mark> = Vec::with_capacity(c.marks.len() + 1);
    marks.extend(
        c.marks.iter().filter(|m| m.0 >= c.sentence.0 && m.1 <= c.sentence.1).map(|&(s, e)| Mark {
            byte_start: s,
            byte_end: e,
            kind: MarkKind::Entity,
        }),
    );
    if c.span.1 > c.span.0 && c.span.0 >= c.sentence.0 && c.span.1 <= c.sentence.1 {
        marks.push(Mark { byte_start: c.span.0, byte_end: c.span.1, kind: MarkKind::Value });
    }
    marks.sort();
    marks.dedup();
    Evidence {
        doc: doc.clone(),
        line: c.line,
        byte_start: c.sentence.0,
        byte_end: c.sentence.1,
        text: c.text.clone(),
        marks,
    }
}

/// Whether two values of one key agree.
fn compatible(kind: Kind, a: (&str, &str), b: (&str, &str)) -> bool {
    if a.0 == b.0 {
        return true;
    }
    if kind != Kind::Quantity {
        return false;
    }
    let (Ok(x), Ok(y)) = (a.0.parse::<f64>(), b.0.parse::<f64>()) else { return false };
    let approx = |q: &str, v: f64, other: f64| match q {
        "about" => (v - other).abs() <= 0.1 * v.abs().max(other.abs()),
        "more" | "at_least" => other >= v,
        "less" | "at_most" => other <= v,
        _ => false,
    };
    approx(a.1, x, y) || approx(b.1, y, x)
}

fn kind_name(key: &str, c: &StoredClaim) -> &'static str {
    if key.starts_with("event:") { "event" } else { c.kind.as_str() }
}

/// A readable subject for a key.
fn label(key: &str, names: &Names) -> String {
    let (cls, rest) = key.split_once(':').unwrap_or((key, ""));
    let (what, tail) = rest.rsplit_once('|').unwrap_or((rest, ""));
    match cls {
        "member" => {
            let (ty, id) = what.split_once('|').map_or((what, tail), |(t, _)| (t, tail));
            // Pushed into one string sized up front, as below.
            let name = names.name(id);
            let mut s = String::with_capacity(name.len() + ty.len() + 13);
            for piece in [name, " on the ", ty, " list"] {
                s.push_str(piece);
            }
            s
        }
        "event" => {
            let mut parts = rest.split('|');
            let class = parts.next().unwrap_or("");
            let anchor = parts.next().unwrap_or("");
            let year = parts.next().map(|y| format!(" ({y})")).unwrap_or_default();
            match class {
                "list_in" => format!("day {anchor} entries were added to the list"),
                "list_out" => format!("day {anchor} entries were removed from the list"),
                "report" => format!("day {} reported it", names.name(anchor)),
                "lawsuit" => format!("who sued {}{year}", names.name(anchor)),
                _ => format!("{class}: {}", names.name(anchor)),
            }
        }
        _ => {
            // `[CLASS] what (role)`, pushed into one string: the formats and the replacement
            // made four strings per finding.
            let mut s = String::with_capacity(cls.len() + key.len() + 8);
            if cls == "money" || cls == "duration" || cls == "percent" || cls == "fraction" {
                s.push_str(cls);
                s.push(' ');
            }
            if what.is_empty() {
                s.push_str(cls);
            } else if what.contains('[') {
                s.push_str(what.replace('[', " [").trim());
            } else {
                s.push_str(what.trim());
            }
            if !tail.is_empty() {
                s.push_str(" (");
                s.push_str(tail);
                s.push(')');
            }
            s
        }
    }
}

fn display_value(c: &StoredClaim, names: &Names) -> String {
    match c.kind {
        Kind::Membership => c.value.to_string(),
        Kind::Event if c.key.starts_with("event:lawsuit") => names.name(c.value).to_string(),
        _ => {
            let approx = match c.approx {
                "" => "",
                "about" => "~",
                "more" => ">",
                "at_least" => "≥",
                "less" => "<",
                "at_most" => "≤",
                _ => "",
            };
            // Pushed into one string: the two formats were a sixth of a finding's instructions.
            let mut s = String::with_capacity(approx.len() + c.value.len() + 1 + c.unit.len());
            s.push_str(approx);
            s.push_str(c.value);
            if !(c.unit.is_empty() || c.unit == "fraction") {
                s.push(' ');
                s.push_str(c.unit);
            }
            s
        }
    }
}

/// Aligns the claims of one story.
pub fn align(
    docs: &[&Member],
    copy_of: &[Option<DocId>],
    names: &Names,
) -> (Vec<Finding>, Vec<MembershipList>) {
    // Claims by key, in document and claim order.
    let mut by_key: BTreeMap<String, Vec<Ref>> = BTreeMap::new();
    let mut enums: Vec<Ref> = Vec::new();
    for (d, doc) in docs.iter().enumerate() {
        for c in &doc.claims {
            match c.kind {
                Kind::Quote => {}
                Kind::Enumeration => enums.push(Ref { d, c, by_list: false }),
                Kind::Quantity if c.head.is_empty() && c.key.starts_with("count:") => {}
                _ => {
                    by_key.entry(c.key.to_string()).or_default().push(Ref { d, c, by_list: false })
                }
            }
        }
    }
    merge_roleless(&mut by_key);

    // Complete enumerations stand for every entity of their type that others list in or out.
    let mut list_cells: Vec<(String, Ref)> = Vec::new();
    for e in enums.iter().filter(|e| e.c.role == "complete") {
        let ty = e.c.key.trim_start_matches("enum:");
        let prefix = format!("member:{ty}|");
        for (key, refs) in by_key.range(prefix.clone()..) {
            if !key.starts_with(&prefix) {
                break;
            }
            if refs.iter().any(|r| r.d == e.d) {
                continue;
            }
            let id = &key[prefix.len()..];
            let _ = id;
            list_cells.push((key.clone(), Ref { d: e.d, c: e.c, by_list: true }));
        }
        for m in &e.c.members {
            let key = format!("{prefix}{m}");
            if !by_key.contains_key(&key) {
                list_cells.push((key, Ref { d: e.d, c: e.c, by_list: true }));
            }
        }
    }
    let mut grid_only: BTreeSet<String> = BTreeSet::new();
    for (key, r) in list_cells {
        if !by_key.contains_key(&key) {
            grid_only.insert(key.clone());
        }
        by_key.entry(key).or_default().push(r);
    }

    let mut findings = Vec::new();
    // Each key's status, in key order, for the membership grids: a key's finding is made once.
    let mut statuses = Vec::with_capacity(by_key.len());
    for (key, refs) in &by_key {
        let f = finding(key, refs, docs, copy_of, names);
        statuses.push(f.as_ref().map_or(Status::Single, |f| f.status));
        if let Some(f) = f
            && !grid_only.contains(key)
        {
            findings.push(f);
        }
    }
    findings.extend(arithmetic(&findings, names));
    findings.extend(enumeration_checks(&enums, docs, copy_of, names));
    findings.sort_by(|a, b| {
        let rank = |f: &Finding| match f.status {
            Status::Conflict => 0,
            Status::Agree => 1,
            Status::Derived => 2,
            Status::Single => 3,
        };
        rank(a).cmp(&rank(b)).then_with(|| a.key.cmp(&b.key))
    });
    let lists = grid(&by_key, &statuses, docs, names);
    (findings, lists)
}

/// A claim without a role joins the one role group of the same noun, or the group giving the
/// same value (« 37 pays » joins « 37 pays, contre 102 » read as after).
fn merge_roleless(by_key: &mut BTreeMap<String, Vec<Ref>>) {
    let roleless: Vec<String> = by_key
        .keys()
        .filter(|k| (k.starts_with("count:") || k.starts_with("money:")) && k.ends_with('|'))
        .cloned()
        .collect();
    for key in roleless {
        // Keys sharing the prefix sort right after it: a range scan, not a pass over all keys.
        let groups: Vec<String> = by_key
            .range::<str, _>((std::ops::Bound::Excluded(key.as_str()), std::ops::Bound::Unbounded))
            .take_while(|(k, _)| k.starts_with(key.as_str()))
            .map(|(k, _)| k.clone())
            .collect();
        let refs = by_key[&key].clone();
        let target = if groups.len() == 1 {
            Some(groups[0].clone())
        } else {
            groups
                .iter()
                .find(|g| by_key[*g].iter().any(|r| refs.iter().any(|x| x.c.value == r.c.value)))
                .cloned()
        };
        if let Some(t) = target {
            by_key.remove(&key);
            let dest = by_key.get_mut(&t).expect("group exists");
            dest.extend(refs);
            dest.sort_by_key(|r| r.d);
        }
    }
}

/// The finding of one key, or none when no source gives a value.
fn finding<'a>(
    key: &str,
    refs: &'a [Ref<'a>],
    docs: &[&Member],
    copy_of: &[Option<DocId>],
    names: &Names,
) -> Option<Finding> {
    let first = refs.first()?;
    let kind = first.c.kind;
    // One cell per document: the first value read in words, else the first computed one.
    let mut grouped: BTreeMap<usize, Vec<&Ref>> = BTreeMap::new();
    for r in refs {
        grouped.entry(r.d).or_default().push(r);
    }
    let cells: Vec<(usize, Vec<&Ref>)> = grouped.into_iter().collect();
    let present: BTreeSet<&str> = cells.iter().map(|c| docs[c.0].doc).collect();
    // Borrowed from the claims: compared many times, copied only into the cells.
    let value_of = |rs: &[&'a Ref<'a>]| -> (&'a str, &'a str, bool, bool) {
        let main =
            rs.iter().find(|r| !r.c.derived && !r.by_list).or(rs.first()).expect("non-empty");
        let value = if main.by_list {
            let id = key.rsplit('|').next().unwrap_or("");
            if main.c.members.contains(&id) { "in" } else { "out" }
        } else {
            main.c.value
        };
        (value, main.c.approx, main.c.derived, main.by_list)
    };
    // Read values of independent sources decide; computed ones only confirm.
    let independent = |d: usize| copy_of[d].as_ref().is_none_or(|o| !present.contains(&**o));
    let read: Vec<(usize, &str, &str)> = cells
        .iter()
        .filter(|(d, _)| independent(*d))
        .map(|(d, rs)| {
            let (v, a, derived, _) = value_of(rs);
            (*d, v, a, derived)
        })
        .filter(|x| !x.3)
        .map(|x| (x.0, x.1, x.2))
        .collect();
    // Distinct (value, approx) pairs: whether values are compatible depends on them alone, and
    // a key hundreds of sources state has only a few distinct values (comparing every pair of
    // sources made a large story's alignment quadratic).
    let mut anchor: Vec<(&str, &str)> = read.iter().map(|r| (r.1, r.2)).collect();
    anchor.sort_unstable();
    anchor.dedup();
    let mut out_cells = Vec::with_capacity(cells.len());
    let mut values: BTreeSet<String> = BTreeSet::new();
    for (d, rs) in &cells {
        let (v, approx, derived, by_list) = value_of(rs);
        if derived
            && !anchor.is_empty()
            && !anchor.iter().any(|&a| compatible(kind, (v, approx), a))
        {
            continue; // a computed value that disagrees is dropped, not a conflict
        }
        let main =
            rs.iter().find(|r| !r.c.derived && !r.by_list).or(rs.first()).expect("non-empty");
        let mut ev: Vec<Evidence> = rs.iter().map(|r| evidence(&docs[*d].id, r.c)).collect();
        ev.sort();
        ev.dedup();
        let mut days: Vec<String> =
            rs.iter().flat_map(|r| r.c.days.iter().map(|d| d.to_string())).collect();
        days.sort();
        days.dedup();
        let shown = if by_list { v.to_string() } else { display_value(main.c, names) };
        values.insert(shown.clone());
        out_cells.push(Cell {
            doc: docs[*d].id.clone(),
            value: v.to_string(),
            shown,
            surface: main.c.surface.to_string(),
            inferred: by_list || derived,
            approx: approx.to_string(),
            days,
            copy_of: copy_of[*d].clone(),
            evidence: ev,
        });
    }
    if out_cells.is_empty() {
        return None;
    }
    let shown: BTreeSet<&str> = out_cells.iter().map(|c| &*c.doc).collect();
    let n_independent = out_cells
        .iter()
        .filter(|c| c.copy_of.as_ref().is_none_or(|o| !shown.contains(&**o)))
        .count();
    let all_ok = anchor.iter().all(|&a| anchor.iter().all(|&b| compatible(kind, a, b)));
    let status = if n_independent < 2 {
        Status::Single
    } else if all_ok {
        Status::Agree
    } else {
        Status::Conflict
    };
    // Differing counts of a noun with no role may count different things: say so when their
    // sentences share no entity.
    let loose = status == Status::Conflict && kind == Kind::Quantity && key.ends_with('|') && {
        let ents = |v: &str| -> BTreeSet<&str> {
            cells
                .iter()
                .flat_map(|(_, rs)| rs.iter())
                .filter(|r| r.c.value == v)
                .flat_map(|r| r.c.entities.iter().copied())
                .collect()
        };
        let distinct: BTreeSet<&str> = anchor.iter().map(|a| a.0).collect();
        let sets: Vec<BTreeSet<&str>> = distinct.iter().map(|v| ents(v)).collect();
        !sets.iter().enumerate().any(|(i, a)| sets[i + 1..].iter().any(|b| !a.is_disjoint(b)))
    };
    let note = if loose {
        "the sentences share no entity: these counts may be about different things".to_string()
    } else if status == Status::Single && out_cells.len() > 1 {
        "the other sources are copies of this one".to_string()
    } else if out_cells.iter().any(|c| c.inferred) {
        "partly inferred (complete list, sum or names counted)".to_string()
    } else {
        String::new()
    };
    Some(Finding {
        key: key.to_string(),
        kind: kind_name(key, first.c).to_string(),
        status,
        consistent: None,
        label: label(key, names),
        values: values.into_iter().collect(),
        sources: out_cells.iter().map(|c| c.doc.clone()).collect(),
        cells: out_cells,
        note,
    })
}

/// Before − after = removed (or after − before = added), for each counted noun.
fn arithmetic(findings: &[Finding], names: &Names) -> Vec<Finding> {
    let _ = names;
    let mut out = Vec::new();
    // The first finding of each key that is not a conflict (a scan per look-up was quadratic
    // in the findings of a story).
    let mut by_key: HashMap<&str, &Finding> = HashMap::with_capacity(findings.len());
    for f in findings.iter().filter(|f| f.status != Status::Conflict) {
        by_key.entry(f.key.as_str()).or_insert(f);
    }
    // The key looked up, written into one buffer (a format each was most of the look-ups).
    let mut key = String::new();
    let mut get = |head: &str, role: &str| {
        key.clear();
        for piece in ["count:", head, "|", role] {
            key.push_str(piece);
        }
        by_key.get(key.as_str()).copied()
    };
    let mut heads: BTreeSet<&str> = BTreeSet::new();
    for f in findings {
        if let Some(rest) = f.key.strip_prefix("count:")
            && let Some((head, _)) = rest.rsplit_once('|')
        {
            heads.insert(head);
        }
    }
    let num = |f: &Finding| {
        f.cells.iter().find(|c| c.approx.is_empty()).and_then(|c| c.value.parse::<f64>().ok())
    };
    for head in heads {
        let (Some(before), Some(after)) = (get(head, "before"), get(head, "after")) else {
            continue;
        };
        for (role, sign) in [("removed", 1.0), ("added", -1.0)] {
            let Some(delta) = get(head, role) else { continue };
            let (Some(b), Some(a), Some(r)) = (num(before), num(after), num(delta)) else {
                continue;
            };
            let ok = (b - a) * sign == r;
            let (x, y) = if sign > 0.0 { (b, a) } else { (a, b) };
            // Per source, the three values it gives (« ? » where it is silent).
            // (Maps, not scans: a story of hundreds of sources made scans quadratic.)
            let mut per_doc: BTreeMap<&DocId, [Option<&Cell>; 3]> = BTreeMap::new();
            for (i, f) in [before, after, delta].into_iter().enumerate() {
                for c in &f.cells {
                    per_doc.entry(&c.doc).or_default()[i].get_or_insert(c);
                }
            }
            let sources: Vec<DocId> = per_doc.keys().map(|&d| d.clone()).collect();
            let cells: Vec<Cell> = per_doc
                .iter()
                .map(|(doc, parts)| {
                    let doc = (*doc).clone();
                    let v = |i: usize| parts[i].map_or("?", |c| c.value.as_str());
                    let value = if sign > 0.0 {
                        format!("{} - {} = {}", v(0), v(1), v(2))
                    } else {
                        format!("{} - {} = {}", v(1), v(0), v(2))
                    };
                    let mut evidence: Vec<Evidence> =
                        parts.iter().flatten().flat_map(|c| c.evidence.iter().cloned()).collect();
                    evidence.sort();
                    evidence.dedup();
                    Cell {
                        doc,
                        value: value.clone(),
                        shown: value.clone(),
                        surface: value,
                        inferred: true,
                        approx: String::new(),
                        days: Vec::new(),
                        copy_of: parts.iter().flatten().next().and_then(|c| c.copy_of.clone()),
                        evidence,
                    }
                })
                .collect();
            out.push(Finding {
                key: format!("arith:{head}|before-after={role}"),
                kind: "arithmetic".into(),
                status: Status::Derived,
                consistent: Some(ok),
                label: format!("{head}: {role} = difference of before and after"),
                values: vec![format!("{} - {} = {}", fmt_value(x), fmt_value(y), fmt_value(x - y))],
                sources,
                cells,
                note: if ok {
                    format!("the {role} count agrees with the before and after counts")
                } else {
                    format!(
                        "the {role} count ({}) differs from {} - {}",
                        fmt_value(r),
                        fmt_value(x),
                        fmt_value(y)
                    )
                },
            });
        }
    }
    out
}

/// An enumeration against the count that announces it (37 names listed, « 37 pays » claimed).
fn enumeration_checks(
    enums: &[Ref],
    docs: &[&Member],
    copy_of: &[Option<DocId>],
    names: &Names,
) -> Vec<Finding> {
    let _ = names;
    let mut by_head: BTreeMap<&str, Vec<&Ref>> = BTreeMap::new();
    for e in enums.iter().filter(|e| !e.c.compared.is_empty()) {
        by_head.entry(e.c.head).or_default().push(e);
    }
    let mut out = Vec::new();
    for (head, es) in by_head {
        let ok = es.iter().all(|e| e.c.value == e.c.compared);
        let cells: Vec<Cell> = es
            .iter()
            .map(|e| Cell {
                doc: docs[e.d].id.clone(),
                value: e.c.value.to_string(),
                shown: format!("{} listed, {} claimed", e.c.value, e.c.compared),
                inferred: true,
                surface: format!("{} items listed, {} claimed", e.c.value, e.c.compared),
                approx: String::new(),
                days: e.c.days.iter().map(|d| d.to_string()).collect(),
                copy_of: copy_of[e.d].clone(),
                evidence: vec![evidence(&docs[e.d].id, e.c)],
            })
            .collect();
        let mut values: Vec<String> =
            es.iter().map(|e| format!("{} listed, {} claimed", e.c.value, e.c.compared)).collect();
        values.sort();
        values.dedup();
        out.push(Finding {
            key: format!("list_count:{head}"),
            kind: "enumeration".into(),
            status: Status::Derived,
            consistent: Some(ok),
            label: format!("enumerated {head} against the claimed count"),
            values,
            sources: cells.iter().map(|c| c.doc.clone()).collect(),
            cells,
            note: if ok {
                "the list has as many items as the text claims".into()
            } else {
                "the list and the claimed count differ".into()
            },
        });
    }
    out
}

/// `member:{type}|{entity}` keys: (type, entity).
fn member_key(key: &str) -> Option<(&str, &str)> {
    key.strip_prefix("member:").and_then(|r| r.split_once('|'))
}

/// Membership grids: per list type, one row per entity, one column per document that says
/// anything of that list. (A document silent on the whole list would add a column of "silent"
/// to every row: in a story of hundreds of documents, most of the grid's bytes and time.)
/// `statuses` holds the status of each key's finding, in key order.
fn grid(
    by_key: &BTreeMap<String, Vec<Ref>>,
    statuses: &[Status],
    docs: &[&Member],
    names: &Names,
) -> Vec<MembershipList> {
    // The documents speaking of each list type, in story order.
    let mut speaking: BTreeMap<&str, BTreeSet<usize>> = BTreeMap::new();
    for (key, refs) in by_key {
        if let Some((ty, _)) = member_key(key) {
            speaking.entry(ty).or_default().extend(refs.iter().map(|r| r.d));
        }
    }
    let mut lists: BTreeMap<String, Vec<MembershipRow>> = BTreeMap::new();
    for ((key, refs), &status) in by_key.iter().zip(statuses) {
        let Some((ty, id)) = member_key(key) else { continue };
        let mut per_doc: BTreeMap<usize, Vec<&Ref>> = BTreeMap::new();
        for r in refs {
            per_doc.entry(r.d).or_default().push(r);
        }
        let cells = speaking[ty]
            .iter()
            .map(|&d| {
                let doc = docs[d];
                let mine: Vec<&Ref> = per_doc.remove(&d).unwrap_or_default();
                let words = mine.iter().find(|r| !r.by_list);
                let (state, how) = match (words, mine.first()) {
                    (Some(r), _) => (r.c.value.to_string(), "words"),
                    (None, Some(r)) => (
                        if r.c.members.contains(&id) { "in" } else { "out" }.to_string(),
                        "enumeration",
                    ),
                    (None, None) => ("silent".to_string(), ""),
                };
                MemberCell {
                    doc: doc.id.clone(),
                    state,
                    how: how.to_string(),
                    evidence: mine.iter().map(|r| evidence(&doc.id, r.c)).take(2).collect(),
                }
            })
            .collect();
        lists.entry(ty.to_string()).or_default().push(MembershipRow {
            entity: id.to_string(),
            name: names.name(id).to_string(),
            status,
            cells,
        });
    }
    lists
        .into_iter()
        .map(|(ty, mut rows)| {
            let cols = speaking[ty.as_str()].iter().map(|&d| docs[d].id.clone()).collect();
            // Rows stated in words first, then the ones only a complete list gives.
            rows.sort_by(|a, b| {
                let words = |r: &MembershipRow| r.cells.iter().any(|c| c.how == "words");
                words(b).cmp(&words(a)).then_with(|| a.name.cmp(&b.name))
            });
            MembershipList {
                key: format!("list:{ty}"),
                label: format!("list of {ty} entities"),
                docs: cols,
                rows,
            }
        })
        .collect()
}

//! The knowledge base: canonical entities and their aliases, read from TSV.
//!
//! Takes the bundled files of `data/kb/` (embedded in the binary) and any `--kb FILE.tsv` user
//! files, all in the format of `data/kb/README.md` (`id type lang alias kind case`). Promises
//! one [`Entity`] per id with its type and English display name, and every alias row with its
//! language, kind and case rule. User files come last: a user `canonical` row renames an
//! entity, a user row of a new id adds it, and a user alias whose folded form is also a
//! bundled alias takes that form over (see `matcher`).

use super::fold::fold;
use anyhow::{Context, Result, bail};
use rayon::prelude::*;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The bundled knowledge base: (file name, contents, rows used only in their own language).
const BUNDLED: &[(&str, &str, bool)] = &[
    ("countries.tsv", include_str!("../../data/kb/countries.tsv"), false),
    ("countries-collisions.tsv", include_str!("../../data/kb/countries-collisions.tsv"), true),
    ("press.tsv", include_str!("../../data/kb/press.tsv"), false),
    ("demonyms/fr.tsv", include_str!("../../data/kb/demonyms/fr.tsv"), false),
    ("demonyms/en.tsv", include_str!("../../data/kb/demonyms/en.tsv"), false),
    ("demonyms/es.tsv", include_str!("../../data/kb/demonyms/es.tsv"), false),
    ("demonyms/de.tsv", include_str!("../../data/kb/demonyms/de.tsv"), false),
    ("entities.tsv", include_str!("../../data/kb/entities.tsv"), false),
];

/// Entity types.
pub const TYPES: &[&str] =
    &["country", "company", "agency", "org", "media", "person", "product", "place"];

/// How the text's letter case must agree with an alias's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Case {
    /// Any case, any diacritics.
    Fold,
    /// Every word written with a capital in the alias starts with a capital in the text (a
    /// leading word of at most three letters, an article such as « Le » or "The", is free).
    Cap,
    /// Every letter has the alias's case.
    Exact,
}

/// What an alias is to its entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Canonical,
    Name,
    Demonym,
    Translation,
    Misspelling,
    Acronym,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            // A canonical alias found in text is a name like any other.
            Kind::Canonical | Kind::Name => "name",
            Kind::Demonym => "demonym",
            Kind::Translation => "translation",
            Kind::Misspelling => "misspelling",
            Kind::Acronym => "acronym",
        }
    }

    fn parse(s: &str) -> Option<Kind> {
        Some(match s {
            "canonical" => Kind::Canonical,
            "name" => Kind::Name,
            "demonym" => Kind::Demonym,
            "translation" => Kind::Translation,
            "misspelling" => Kind::Misspelling,
            "acronym" => Kind::Acronym,
            _ => return None,
        })
    }
}

/// When an alias may match, given the document's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    /// In any document.
    Any,
    /// In documents of the alias's language, or whose language is unknown (demonyms: they
    /// are ordinary words of one language, and often other words elsewhere: Spanish "chino",
    /// German "Ire").
    LangOrUnknown,
    /// Only in documents of the alias's language (country names that are common words of
    /// another language: `countries-collisions.tsv`).
    LangOnly,
}

/// A canonical entity.
#[derive(Debug, Clone)]
pub struct Entity {
    pub id: String,
    pub etype: &'static str,
    /// English display name.
    pub name: String,
}

/// One alias row.
#[derive(Debug, Clone)]
pub struct Alias {
    pub entity: u32,
    /// ISO 639 code, or `*`.
    pub lang: String,
    pub text: String,
    /// `text` folded (`fold::fold`): the form the matcher and the variant index look up,
    /// computed once when the knowledge base is loaded.
    pub folded: String,
    pub kind: Kind,
    pub case: Case,
    pub gate: Gate,
    /// From a `--kb` user file.
    pub user: bool,
}

/// The loaded knowledge base.
#[derive(Debug, Default)]
pub struct Kb {
    pub entities: Vec<Entity>,
    pub index: HashMap<String, u32>,
    pub aliases: Vec<Alias>,
}

impl Kb {
    /// Loads the bundled files and then `user_files`, in order.
    pub fn load(user_files: &[PathBuf]) -> Result<Kb> {
        let mut kb = Kb::default();
        for (name, text, collisions) in BUNDLED {
            kb.parse(text, &format!("data/kb/{name}"), *collisions, false)
                .with_context(|| format!("bundled knowledge base data/kb/{name}"))?;
        }
        for path in user_files {
            let text = read(path)?;
            kb.parse(&text, &path.display().to_string(), false, true)?;
        }
        // The aliases' folded forms, on the model's threads (a tenth of the entity model's
        // build when each user of the KB folded them again).
        kb.aliases.par_iter_mut().for_each(|a| a.folded = fold(&a.text));
        // Entities a user file introduced without a canonical row take their first alias.
        for (i, e) in kb.entities.iter_mut().enumerate() {
            if e.name.is_empty() {
                e.name = kb
                    .aliases
                    .iter()
                    .find(|a| a.entity as usize == i)
                    .map_or_else(|| e.id.clone(), |a| a.text.clone());
            }
        }
        Ok(kb)
    }

    /// The entity of `id`.
    pub fn get(&self, id: &str) -> Option<&Entity> {
        self.index.get(id).map(|&i| &self.entities[i as usize])
    }

    fn parse(&mut self, text: &str, origin: &str, collisions: bool, user: bool) -> Result<()> {
        let mut header_seen = false;
        let mut last: Option<(&str, u32)> = None;
        for (n, line) in text.lines().enumerate() {
            let line = line.trim_end_matches('\r');
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            if !header_seen && line.starts_with("id\t") {
                header_seen = true;
                continue;
            }
            let at = || format!("{origin}:{}", n + 1);
            let mut cols = [""; 6];
            let mut found = 0;
            for col in line.split('\t') {
                if let Some(slot) = cols.get_mut(found) {
                    *slot = col.trim();
                }
                found += 1;
            }
            if found != 6 {
                bail!(
                    "{}: expected 6 tab-separated columns (id type lang alias kind case), found \
                     {found}",
                    at()
                );
            }
            let [id, etype, lang, alias, kind, case] = cols;
            if id.is_empty() || alias.is_empty() || lang.is_empty() {
                bail!("{}: id, lang and alias must not be empty", at());
            }
            let Some(etype) = TYPES.iter().copied().find(|t| *t == etype) else {
                bail!("{}: unknown type '{etype}' (one of {})", at(), TYPES.join(", "));
            };
            let Some(kind) = Kind::parse(kind) else {
                bail!(
                    "{}: unknown kind '{kind}' (canonical, name, demonym, translation, \
                     misspelling, acronym)",
                    at()
                );
            };
            let case = match case {
                "fold" => Case::Fold,
                "cap" => Case::Cap,
                "exact" => Case::Exact,
                _ => bail!("{}: unknown case '{case}' (fold, cap, exact)", at()),
            };
            // An entity's rows follow each other: its id is looked up once per run of rows.
            let entity = match last {
                Some((last_id, i)) if last_id == id => i,
                _ => match self.index.get(id) {
                    Some(&i) => i,
                    None => {
                        let i = self.entities.len() as u32;
                        self.entities.push(Entity {
                            id: id.to_string(),
                            etype,
                            name: String::new(),
                        });
                        self.index.insert(id.to_string(), i);
                        i
                    }
                },
            };
            last = Some((id, entity));
            if user {
                self.entities[entity as usize].etype = etype;
            }
            if kind == Kind::Canonical {
                let e = &mut self.entities[entity as usize];
                if !e.name.is_empty() && !user {
                    bail!("{}: second canonical row for '{id}'", at());
                }
                e.name = alias.to_string();
            }
            let gate = if collisions {
                Gate::LangOnly
            } else if kind == Kind::Demonym && lang != "*" {
                Gate::LangOrUnknown
            } else {
                Gate::Any
            };
            self.aliases.push(Alias {
                entity,
                lang: lang.to_string(),
                text: alias.to_string(),
                folded: String::new(),
                kind,
                case,
                gate,
                user,
            });
        }
        Ok(())
    }
}

fn read(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    String::from_utf8(bytes)
        .with_context(|| format!("{}: not UTF-8; save the file as UTF-8", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_kb_loads_with_one_canonical_name_per_entity() {
        let kb = Kb::load(&[]).unwrap();
        assert!(kb.entities.len() > 500, "{}", kb.entities.len());
        for (i, e) in kb.entities.iter().enumerate() {
            let n = kb
                .aliases
                .iter()
                .filter(|a| a.entity as usize == i && a.kind == Kind::Canonical)
                .count();
            assert_eq!(n, 1, "{} has {n} canonical rows", e.id);
        }
        assert_eq!(kb.get("IL").unwrap().name, "Israel");
        assert_eq!(kb.get("nso-group").unwrap().etype, "company");
    }

    #[test]
    fn every_seed_gold_entity_is_in_the_kb() {
        let gold =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/gold/seeds/kb.tsv");
        let Ok(text) = std::fs::read_to_string(gold) else { return };
        let kb = Kb::load(&[]).unwrap();
        for line in text.lines().skip(1) {
            let cols: Vec<&str> = line.split('\t').collect();
            let e = kb.get(cols[0]).unwrap_or_else(|| panic!("{} missing", cols[0]));
            assert_eq!(e.etype, cols[1], "{}", cols[0]);
        }
    }

    #[test]
    fn bad_rows_are_reported_with_their_line() {
        let mut kb = Kb::default();
        let err = kb.parse(
            "id\ttype\tlang\talias\tkind\tcase\nx\tthing\ten\tX\tname\tcap\n",
            "u.tsv",
            false,
            true,
        );
        assert!(format!("{:#}", err.unwrap_err()).contains("u.tsv:2"));
    }
}

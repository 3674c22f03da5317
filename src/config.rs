//! Settings validated once. `Config` is built from the parsed flags before any document is read:
//! it settles inputs, output path, thread count, field names and limits, so that the pipeline
//! never re-checks a flag. Invalid settings are usage errors with a message naming the flag.

use crate::cli::{InputArgs, RunArgs};
use anyhow::{Result, bail};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// Where a document stream comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputSpec {
    /// A file or directory path, as given.
    Path(PathBuf),
    /// Standard input (`-`).
    Stdin,
}

/// JSON field names, each a list of candidates tried in order.
#[derive(Debug, Clone)]
pub struct FieldNames {
    pub text: Vec<String>,
    pub title: Vec<String>,
    pub outlet: Vec<String>,
    pub date: Vec<String>,
    pub url: Vec<String>,
    pub lang: Vec<String>,
    pub id: Vec<String>,
}

/// Size limits; a document over a limit is listed in errors.csv, never silently truncated.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_doc_bytes: u64,
    pub max_line_bytes: u64,
    pub max_json_line_bytes: u64,
}

/// Everything ingestion needs.
#[derive(Debug, Clone)]
pub struct InputConfig {
    pub inputs: Vec<InputSpec>,
    pub fields: FieldNames,
    pub limits: Limits,
    pub manifest: Option<PathBuf>,
}

/// Settings of a `recoupe run`.
#[derive(Debug, Clone)]
pub struct Config {
    pub input: InputConfig,
    /// Extra knowledge-base files.
    pub kb_files: Vec<PathBuf>,
    pub out: PathBuf,
    pub threads: usize,
    /// Show a progress bar (stderr is a terminal and not --quiet).
    pub progress: bool,
    pub quiet: bool,
    pub strict: bool,
    pub raw_csv: bool,
}

fn split_names(flag: &str, value: &str) -> Result<Vec<String>> {
    let names: Vec<String> =
        value.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
    if names.is_empty() {
        bail!("--{flag} needs at least one field name");
    }
    Ok(names)
}

impl InputConfig {
    /// Validates the input flags. With no INPUT, reads `corpus/` in the current directory.
    pub fn from_args(args: &InputArgs) -> Result<Self> {
        let inputs = if args.inputs.is_empty() {
            let default = Path::new("corpus");
            if !default.is_dir() {
                bail!(
                    "no INPUT given and there is no ./corpus directory here; \
                     name the files or directories to analyse (see recoupe run --help)"
                );
            }
            vec![InputSpec::Path(default.to_path_buf())]
        } else {
            args.inputs
                .iter()
                .map(|p| {
                    if p.as_os_str() == "-" { InputSpec::Stdin } else { InputSpec::Path(p.clone()) }
                })
                .collect()
        };
        if inputs.iter().filter(|i| **i == InputSpec::Stdin).count() > 1 {
            bail!("standard input (-) can be named only once");
        }
        for (flag, v) in [
            ("max-doc-bytes", args.max_doc_bytes),
            ("max-line-bytes", args.max_line_bytes),
            ("max-json-line-bytes", args.max_json_line_bytes),
        ] {
            if v == 0 {
                bail!("--{flag} must be at least 1");
            }
        }
        if let Some(m) = &args.manifest
            && !m.is_file()
        {
            bail!("--manifest {}: no such file", m.display());
        }
        Ok(InputConfig {
            inputs,
            fields: FieldNames {
                text: split_names("text-field", &args.text_field)?,
                title: split_names("title-field", &args.title_field)?,
                outlet: split_names("outlet-field", &args.outlet_field)?,
                date: split_names("date-field", &args.date_field)?,
                url: split_names("url-field", &args.url_field)?,
                lang: split_names("lang-field", &args.lang_field)?,
                id: split_names("id-field", &args.id_field)?,
            },
            limits: Limits {
                max_doc_bytes: args.max_doc_bytes,
                max_line_bytes: args.max_line_bytes,
                max_json_line_bytes: args.max_json_line_bytes,
            },
            manifest: args.manifest.clone(),
        })
    }
}

/// Resolves `--threads`: at least 1, default all cores.
pub fn threads(requested: Option<usize>) -> Result<usize> {
    match requested {
        Some(0) => bail!("--threads must be at least 1"),
        Some(n) => Ok(n),
        None => Ok(std::thread::available_parallelism().map_or(1, |n| n.get())),
    }
}

impl Config {
    pub fn from_run_args(args: &RunArgs) -> Result<Self> {
        let input = InputConfig::from_args(&args.input)?;
        if args.out.as_os_str().is_empty() {
            bail!("--out must name a directory");
        }
        let inputs: Vec<&Path> = input
            .inputs
            .iter()
            .filter_map(|i| match i {
                InputSpec::Path(p) => Some(p.as_path()),
                InputSpec::Stdin => None,
            })
            .collect();
        crate::report::check_out_dir(&args.out, &inputs)?;
        for kb in &args.input.kb {
            if !kb.is_file() {
                bail!("--kb {}: no such file", kb.display());
            }
        }
        Ok(Config {
            input,
            kb_files: args.input.kb.clone(),
            out: args.out.clone(),
            threads: threads(args.input.threads)?,
            progress: !args.quiet && std::io::stderr().is_terminal(),
            quiet: args.quiet,
            strict: args.strict,
            raw_csv: args.raw_csv,
        })
    }
}

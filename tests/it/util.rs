//! Test helpers: a temporary working directory, the built binary, CSV readers.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The repository root (where Cargo.toml, corpus/ and reports/ are).
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The gold annotations shipped beside the repository, if present.
pub fn shared() -> PathBuf {
    repo().join("../shared")
}

/// A temporary directory to run recoupe in.
pub struct Dir {
    tmp: tempfile::TempDir,
}

impl Dir {
    pub fn new() -> Self {
        Dir { tmp: tempfile::Builder::new().prefix("recoupe-test").tempdir().expect("temp dir") }
    }

    pub fn path(&self) -> &Path {
        self.tmp.path()
    }

    /// Writes a file (creating parent directories) and returns its path.
    pub fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, bytes).unwrap();
        p
    }

    /// A `recoupe` command running in this directory.
    pub fn cmd(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_recoupe"));
        c.current_dir(self.path());
        c
    }

    /// Runs `recoupe ARGS` and returns its output (whatever the exit status).
    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().expect("run recoupe")
    }

    /// Runs `recoupe ARGS` with `stdin` on standard input.
    pub fn run_stdin(&self, args: &[&str], stdin: &[u8]) -> Output {
        let mut child = self
            .cmd()
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn recoupe");
        child.stdin.take().unwrap().write_all(stdin).unwrap();
        child.wait_with_output().unwrap()
    }

    /// Runs `recoupe ARGS` and asserts it succeeded.
    pub fn ok(&self, args: &[&str]) -> Output {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "recoupe {args:?} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    /// Runs `recoupe run corpus` from the repository root (the bundled corpus, as
    /// `cargo run --release` does) into `<this dir>/<name>` and returns that path.
    pub fn run_bundled(&self, name: &str) -> PathBuf {
        let out = self.path().join(name);
        let o = Command::new(env!("CARGO_BIN_EXE_recoupe"))
            .current_dir(repo())
            .args(["run", "corpus", "--quiet", "--out"])
            .arg(&out)
            .output()
            .expect("run recoupe");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        out
    }

    /// Reads a CSV report as rows of column → value.
    pub fn csv(&self, rel: &str) -> Vec<BTreeMap<String, String>> {
        read_csv(&self.path().join(rel))
    }
}

/// Reads a CSV file as rows of column → value.
pub fn read_csv(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut rdr =
        csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let headers = rdr.headers().unwrap().clone();
    rdr.records()
        .map(|r| {
            let r = r.unwrap();
            headers.iter().zip(r.iter()).map(|(h, v)| (h.to_string(), v.to_string())).collect()
        })
        .collect()
}

/// Every file of a directory tree, relative path → bytes.
pub fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for e in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let e = e.unwrap();
        if e.file_type().is_file() {
            let rel = e.path().strip_prefix(dir).unwrap().to_string_lossy().into_owned();
            out.insert(rel, std::fs::read(e.path()).unwrap());
        }
    }
    out
}

/// gzip-compresses bytes.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

/// A short French article (wire-style), parameterized so tests can make several.
pub fn french_article(n: usize) -> String {
    format!(
        "Israël réduit sa liste d'exportation numéro {n}\n\n\
         Le ministère israélien de la Défense a réduit à 37 pays, contre 102 auparavant, la liste \
         des pays autorisés à acheter des outils de cybersurveillance, selon le quotidien Calcalist.\n\n\
         Le Maroc et les Émirats arabes unis ont été supprimés de la liste, selon le rapport publié jeudi.\n"
    )
}

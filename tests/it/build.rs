//! The build's profile-guided optimization (tools/rustc-pgo, the rustc wrapper that
//! .cargo/config.toml sets): which compilations get the recorded profile and which go to rustc
//! unchanged. The wrapper is run with a stand-in rustc that reports an LLVM version and echoes
//! its arguments.

#![cfg(unix)]

use super::util::{Dir, repo};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

/// A stand-in rustc: `-vV` prints `llvm` as its LLVM version line, anything else prints the
/// arguments one per line.
fn fake_rustc(dir: &Dir, llvm: &str) -> std::path::PathBuf {
    let script = format!(
        "#!/bin/sh\nif [ \"$1\" = -vV ]; then echo 'rustc 1.0.0'; echo '{llvm}'; exit 0; fi\nfor a in \"$@\"; do echo \"$a\"; done\n"
    );
    let path = dir.write("rustc", script);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

/// The arguments rustc gets from the wrapper, run with `args` and the environment `env`.
fn through_wrapper(rustc: &Path, args: &[&str], env: &[(&str, &str)]) -> Vec<String> {
    let run = || {
        Command::new(repo().join("tools/rustc-pgo"))
            .arg(rustc)
            .args(args)
            .env_remove("RECOUPE_PGO")
            .envs(env.iter().copied())
            .output()
            .expect("run tools/rustc-pgo")
    };
    // A script just written cannot be executed while a process forked meanwhile by another test
    // still holds it open for writing (ETXTBSY): that passes within moments.
    let mut out = run();
    for _ in 0..20 {
        if !String::from_utf8_lossy(&out.stderr).contains("Text file busy") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
        out = run();
    }
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().lines().map(str::to_string).collect()
}

fn recorded_llvm() -> String {
    std::fs::read_to_string(repo().join("pgo/llvm-version"))
        .expect("pgo/llvm-version")
        .trim_end()
        .to_string()
}

#[test]
fn the_recorded_profile_names_its_llvm() {
    let llvm = recorded_llvm();
    assert!(llvm.starts_with("LLVM version: "), "{llvm:?}");
    assert!(repo().join("pgo/recoupe.profdata").metadata().expect("the profile").len() > 0);
}

#[test]
fn optimized_builds_get_the_profile_and_the_rest_goes_through_unchanged() {
    let dir = Dir::new();
    let same = fake_rustc(&dir, &recorded_llvm());
    let profile = format!("-Cprofile-use={}", repo().join("pgo/recoupe.profdata").display());
    // An argument with a space must reach rustc whole.
    let release = ["--crate-name", "recoupe", "-C", "opt-level=3", "--cfg", "feature=\"a b\""];
    let got = through_wrapper(&same, &release, &[]);
    let mut expected: Vec<String> = release.iter().map(|a| a.to_string()).collect();
    expected.push(profile.clone());
    expected.push("-Cllvm-args=-no-pgo-warn-mismatch".to_string());
    assert_eq!(got, expected);

    let unchanged = |args: &[&str], env: &[(&str, &str)], rustc: &Path| {
        let got = through_wrapper(rustc, args, env);
        assert_eq!(got, args.iter().map(|a| a.to_string()).collect::<Vec<_>>(), "{args:?} {env:?}");
    };
    // Debug builds and tests.
    unchanged(&["--crate-name", "recoupe", "-C", "debuginfo=2"], &[], &same);
    unchanged(&["--crate-name", "regex", "-C", "opt-level=2"], &[], &same);
    // Asked not to.
    unchanged(&release, &[("RECOUPE_PGO", "off")], &same);
    // An instrumented build, or one given a profile already.
    unchanged(&["-C", "opt-level=3", "-Cprofile-generate=/tmp/raw"], &[], &same);
    unchanged(&["-C", "opt-level=3", "-Cprofile-use=/elsewhere.profdata"], &[], &same);
    // A fuzzing build.
    unchanged(&["-C", "opt-level=3", "-Cpasses=sancov-module"], &[], &same);
    // A rustc whose LLVM did not record the profile.
    let other = fake_rustc(&dir, "LLVM version: 1.0.0");
    unchanged(&release, &[], &other);
}

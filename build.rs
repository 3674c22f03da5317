//! Profile-guided optimization's plumbing (tools/rustc-pgo, benches/pgo.sh): rebuilds recoupe
//! when the profile that optimized builds use changes (cargo does not see the file, which the
//! rustc wrapper adds to the compiler's arguments), and declares the cfg of the instrumented
//! build that records it.

fn main() {
    println!("cargo::rerun-if-changed=pgo/recoupe.profdata");
    println!("cargo::rerun-if-changed=pgo/llvm-version");
    println!("cargo::rerun-if-env-changed=RECOUPE_PGO");
    println!("cargo::rustc-check-cfg=cfg(recoupe_pgo_train)");
}

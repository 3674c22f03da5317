#!/usr/bin/env bash
# Records pgo/recoupe.profdata, the profile that optimized builds are compiled with (profile-
# guided optimization: tools/rustc-pgo passes it to rustc).
#
# Usage: benches/pgo.sh      (from anywhere; takes about five minutes)
# It builds an instrumented recoupe (into target/pgo-train), runs it on a training corpus, and
# merges what the runs counted with llvm-profdata, from rustup's llvm-tools component (added
# when missing). The merge is sparse: code the training never ran keeps its usual optimization
# instead of being compiled as cold. The training corpus is a synthetic one drawn with its own
# seed (the benchmark's corpora use seed 7) plus the bundled corpus, at 1 and 2 threads: the
# profile only steers code layout and branch prediction, never a result, and reports are
# byte-identical with and without it. Record it again after changes to the hot paths: a
# function whose control flow changed since the profile was recorded is compiled without it.
# Environment:
#   TRAIN_DOCS=3000     documents in the synthetic training corpus
set -euo pipefail
cd "$(dirname "$0")/.."

TRAIN_DOCS=${TRAIN_DOCS:-3000}
TARGET=target/pgo-train
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

sysroot=$(rustc --print sysroot)
host=$(rustc -vV | sed -n 's/^host: //p')
profdata="$sysroot/lib/rustlib/$host/bin/llvm-profdata"
if [ ! -x "$profdata" ]; then
  rustup component add llvm-tools
fi

# The instrumented build writes its counters when it exits (`exit_now` in src/main.rs).
RUSTFLAGS="-Cprofile-generate=$WORK/raw --cfg recoupe_pgo_train" \
  cargo build --release --quiet --target-dir "$TARGET"
bin="$TARGET/release/recoupe"
"$bin" synth --docs "$TRAIN_DOCS" --out "$WORK/train" --seed 99 >/dev/null
for threads in 1 2; do
  "$bin" run "$WORK/train" --out "$WORK/out" --threads "$threads" -q
done
"$bin" run corpus --out "$WORK/out" -q

mkdir -p pgo
"$profdata" merge --sparse -o pgo/recoupe.profdata "$WORK/raw"
# The rustc (its LLVM) that can read the profile: tools/rustc-pgo uses it with no other.
rustc -vV | grep '^LLVM version: ' >pgo/llvm-version
echo "wrote pgo/recoupe.profdata ($(du -h pgo/recoupe.profdata | cut -f1)); rebuild with cargo build --release" >&2

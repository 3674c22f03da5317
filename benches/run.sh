#!/usr/bin/env bash
# End-to-end benchmark of `recoupe run` on synthetic corpora of 10 MB, 100 MB and 1 GB and on
# OrangeSum, with 1 and 2 threads: wall time, MB/s, documents/s, peak RSS, and the ratio to a
# bare multi-pattern scan of the same bytes with the same alias list (ripgrep).
#
# Usage: benches/run.sh            (from the repository root; release build)
# Environment:
#   SIZES="10 100 1000"   synthetic corpus sizes in MB (uncompressed)
#   THREADS="1 2"         thread counts
#   RUNS=3                rounds per corpus: in each, the bare scan once, then recoupe once per
#                         thread count (the median wall times and the largest peak RSS are
#                         reported: recoupe and the scan meet the same drift of the machine)
#   RUNS_LARGE=1          runs on corpora over 500 MB
#   WORK=/tmp/recoupe-bench   where corpora and outputs go (corpora are reused if present)
#   ORANGESUM=../shared/data/orangesum/articles.jsonl.gz   ("" to skip)
# Prints a Markdown table, then the figures against the performance targets; the table's
# figures are also left in $WORK/results.tsv (corpus, MB, threads, median wall s, largest peak
# RSS KB, rg s, median cores busy, every round's wall s), one line per corpus and thread count.
# "cores" is the CPU time (user + system) over the wall time: a run at 1 thread keeps more
# than one core busy, since its reader, row writer, model builder and story writer run beside
# the worker, and that bounds what a second thread can add.
# Needs /usr/bin/time (Debian package `time`) and rg (Debian package `ripgrep`): run as root on
# Debian or Ubuntu, it installs whichever is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZES=${SIZES:-"10 100 1000"}
THREADS=${THREADS:-"1 2"}
RUNS=${RUNS:-3}
RUNS_LARGE=${RUNS_LARGE:-1}
WORK=${WORK:-/tmp/recoupe-bench}
ORANGESUM=${ORANGESUM-../shared/data/orangesum/articles.jsonl.gz}
TARGET=${CARGO_TARGET_DIR:-target}
BIN="$TARGET/release/recoupe"

missing=()
command -v /usr/bin/time >/dev/null || missing+=(time)
command -v rg >/dev/null || missing+=(ripgrep)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing ${missing[*]} (Debian packages) for the benchmark" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "benches/run.sh needs the Debian packages: ${missing[*]} (apt-get install ${missing[*]})" >&2
    exit 1
  fi
fi

cargo build --release --quiet
mkdir -p "$WORK"

# Aliases for the bare scan: the knowledge base's, or (while `recoupe kb aliases` is not
# available) the names the synthetic corpora substitute.
ALIASES="$WORK/aliases.txt"
if ! "$BIN" kb aliases >"$ALIASES" 2>/dev/null || [ ! -s "$ALIASES" ]; then
  cut -f2 data/synth/entities-*.tsv | sort -u >"$ALIASES"
  ALIAS_SOURCE="data/synth entity names (recoupe kb aliases unavailable)"
else
  ALIAS_SOURCE="recoupe kb aliases"
fi

# Synthetic corpora: documents per MB calibrated on a small sample.
calibrate() {
  local dir="$WORK/calibrate"
  rm -rf "$dir"
  "$BIN" synth --docs 2000 --out "$dir" --seed 1 >/dev/null
  local bytes
  bytes=$(zcat "$dir/synth.jsonl.gz" | wc -c)
  rm -rf "$dir"
  echo $((2000 * 1000000 / bytes))
}
PER_MB=$(calibrate)

# One line per corpus and thread count, for the summary against the targets at the end.
RESULTS="$WORK/results.tsv"
: >"$RESULTS"

corpora=()
for mb in $SIZES; do
  dir="$WORK/synth-${mb}mb"
  if [ ! -f "$dir/synth.jsonl.gz" ]; then
    rm -rf "$dir"
    "$BIN" synth --docs $((mb * PER_MB)) --out "$dir" --seed 7
  fi
  corpora+=("synth ${mb} MB|$dir/synth.jsonl.gz|")
done
if [ -n "$ORANGESUM" ] && [ -f "$ORANGESUM" ]; then
  corpora+=("OrangeSum|$ORANGESUM|--text-field article")
fi

# The median of the numbers given as arguments (the lower middle one of an even count).
median() {
  printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
mem=$(free -g | awk '/Mem:/ {print $2 " GB"}')
echo "machine: $(nproc) cores, $cpu, $mem; $(rustc --version)"
echo "bare scan: rg -z -c -i -F -f <aliases> ($(wc -l <"$ALIASES") aliases: $ALIAS_SOURCE)"
echo "recoupe: median wall time of $RUNS runs ($RUNS_LARGE on corpora over 500 MB), largest peak RSS"
echo
echo "| corpus | MB | docs | threads | wall s | MB/s | docs/s | peak RSS MB | cores | rg s | ratio to rg |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for entry in "${corpora[@]}"; do
  IFS='|' read -r name file flags <<<"$entry"
  bytes=$(zcat -f "$file" | wc -c)
  mb=$(awk "BEGIN {printf \"%.1f\", $bytes / 1e6}")
  # The bare scan runs once per round beside recoupe's runs (below); the file is in the page
  # cache already, `zcat` has just read it.
  rgs=""
  runs=$RUNS
  [ "$bytes" -gt 500000000 ] && runs=$RUNS_LARGE
  # Thread counts take turns run by run, so that a drift in the machine's speed (large on a
  # shared virtual machine) affects each of them alike.
  declare -A walls rss docs cores
  for t in $THREADS; do walls[$t]=""; rss[$t]=0; cores[$t]=""; done
  for _ in $(seq "$runs"); do
    rgs+="$( { /usr/bin/time -f '%e' rg -z -c -i -F -f "$ALIASES" "$file" >/dev/null; } 2>&1 | tail -1) "
    for t in $THREADS; do
      out="$WORK/out-$t"
      log="$WORK/time.log"
      # shellcheck disable=SC2086
      /usr/bin/time -v "$BIN" run "$file" $flags --out "$out" --threads "$t" 2>"$log"
      w=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$log" |
        awk -F: '{ if (NF == 3) print $1*3600 + $2*60 + $3; else print $1*60 + $2 }')
      walls[$t]+="$w "
      cores[$t]+="$(awk -F': ' -v w="$w" '/User time|System time/ { c += $2 }
        END { printf "%.2f", c / (w > 0 ? w : 0.01) }' "$log") "
      r=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
      [ "$r" -gt "${rss[$t]}" ] && rss[$t]=$r
      docs[$t]=$(sed -n 's/^recoupe: \([0-9]*\) documents analysed.*/\1/p' "$log")
      # Reports of a 1 GB corpus take several GB: keep none.
      rm -rf "$out"
    done
  done
  rg_s=$(median $rgs)
  for t in $THREADS; do
    wall=$(median ${walls[$t]})
    c=$(median ${cores[$t]})
    awk -v n="$name" -v mb="$mb" -v d="${docs[$t]}" -v t="$t" -v w="$wall" -v r="${rss[$t]}" -v g="$rg_s" -v c="$c" \
      'BEGIN { printf "| %s | %s | %d | %d | %.2f | %.1f | %.0f | %.0f | %.2f | %.2f | %.1f× |\n",
               n, mb, d, t, w, mb / w, d / w, r / 1024, c, g, w / (g > 0 ? g : 0.01) }'
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$mb" "$t" "$wall" "${rss[$t]}" "$rg_s" "$c" \
      "$(echo ${walls[$t]} | tr ' ' ',')" >>"$RESULTS"
  done
  unset walls rss docs cores
done

# The table against the targets of the performance issue (README, *Benchmarks*).
echo
echo "Against the targets:"
awk -F'\t' '
  function threads(k) { return k == 1 ? "1 thread" : k " threads" }
  {
    name[NR] = $1; mb[NR] = $2; t[NR] = $3; wall[NR] = $4; rss[NR] = $5; rg[NR] = $6
    w[$1, $3] = $4; rounds[$1, $3] = $8
    if (!($1 in seen)) { seen[$1] = 1; order[++n] = $1 }
    if ($3 > maxt[$1]) maxt[$1] = $3
    if (!($3 in tseen)) { tseen[$3] = 1; torder[++nt] = $3 }
  }
  END {
    line = ""
    for (i = 1; i <= n; i++) {
      c = order[i]
      if ((c, 1) in w && (c, 2) in w) {
        s = w[c, 1] / w[c, 2]
        line = line sprintf("%s%s %.2f×%s", line == "" ? "" : ", ", c, s, s >= 1.7 ? "" : " (short)")
        # The rounds ran 1 and 2 threads one after the other: the speed-up of each round says
        # whether the target holds run after run, not only in the medians.
        nr = split(rounds[c, 1], one, ","); split(rounds[c, 2], two, ",")
        if (nr > 1) {
          rlo = ""; rhi = ""
          for (i2 = 1; i2 <= nr; i2++) {
            q = one[i2] / (two[i2] > 0 ? two[i2] : 0.01)
            if (rlo == "" || q < rlo) rlo = q
            if (rhi == "" || q > rhi) rhi = q
          }
          line = line sprintf(" (rounds %.2f–%.2f×)", rlo, rhi)
        }
      }
    }
    if (line != "") print "- 1 → 2 threads, at least 1.7×: " line
    # Linearity: MB/s of the synthetic corpora, per thread count.
    for (r = 1; r <= NR; r++) if (name[r] ~ /^synth /) {
      v = mb[r] / wall[r]; k = t[r]
      if (!(k in lo) || v < lo[k]) lo[k] = v
      if (!(k in hi) || v > hi[k]) hi[k] = v
      nsynth[k]++
    }
    for (j = 1; j <= nt; j++) if ((k = torder[j]) in lo && nsynth[k] > 1) {
      spread = (hi[k] - lo[k]) / hi[k] * 100
      printf "- MB/s within 15%% across the synthetic corpora, %s: %.1f to %.1f MB/s, %.1f%%%s\n",
        threads(k), lo[k], hi[k], spread, spread <= 15 ? "" : " (over)"
    }
    # Memory: the largest synthetic corpus.
    big = 0
    for (r = 1; r <= NR; r++) if (name[r] ~ /^synth / && mb[r] + 0 > big) big = mb[r] + 0
    for (r = 1; r <= NR; r++) if (name[r] ~ /^synth / && mb[r] + 0 == big)
      printf "- peak RSS under 1 GB on the largest synthetic corpus (%s MB), %s: %.0f MB%s\n",
        mb[r], threads(t[r]), rss[r] / 1024, rss[r] / 1024 < 1024 ? "" : " (over)"
    # Ratio to the bare scan, at the largest thread count.
    line = ""
    for (r = 1; r <= NR; r++) if (t[r] == maxt[name[r]]) {
      q = wall[r] / (rg[r] > 0 ? rg[r] : 0.01)
      line = line sprintf("%s%s %.1f×%s", line == "" ? "" : ", ", name[r], q, q <= 4 ? "" : " (over)")
    }
    if (line != "") print "- at most 4× the bare scan: " line
  }' "$RESULTS"

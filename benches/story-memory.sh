#!/usr/bin/env bash
# Memory and time of one large story: a corpus made of N syndicated copies of one article,
# which recoupe groups into a single story whatever N (copies join their original without the
# cap that stories linked by shared features have). A story is aligned whole, so memory grows
# with the largest story, not with the corpus: this measures by how much.
#
# Usage: benches/story-memory.sh      (from anywhere; release build)
# Environment:
#   COPIES="1000 5000 20000"   corpus sizes, in copies
#   THREADS=2                  worker threads
#   WORK=/tmp/recoupe-story-memory   where corpora and outputs go
# Each copy is a JSON-lines record holding the largest article of the bundled corpus, with its
# own outlet and URL; one copy in ten gives its first figure differently, so the story holds
# conflicts as well as agreements. Prints a Markdown table: wall time, peak RSS, and the
# peak RSS above a one-copy run per copy.
set -euo pipefail
cd "$(dirname "$0")/.."

COPIES=${COPIES:-"1000 5000 20000"}
THREADS=${THREADS:-2}
WORK=${WORK:-/tmp/recoupe-story-memory}
TARGET=${CARGO_TARGET_DIR:-target}
BIN="$TARGET/release/recoupe"
command -v /usr/bin/time >/dev/null || {
  echo "benches/story-memory.sh needs /usr/bin/time (Debian package time)" >&2
  exit 1
}

cargo build --release --quiet
mkdir -p "$WORK"
article=$(find corpus -maxdepth 1 -name '*.txt' -printf '%s %p\n' | sort -rn | head -1 | cut -d' ' -f2-)

# Writes $2 copies of article $1 as JSON lines: the text escaped for JSON, the first number
# of every tenth copy changed.
copies() {
  awk -v n="$2" '
    { text = text $0 "\n" }
    END {
      gsub(/\\/, "\\\\", text); gsub(/"/, "\\\"", text); gsub(/\t/, "\\t", text)
      gsub(/\r/, "\\r", text); gsub(/\n/, "\\n", text)
      for (i = 1; i <= n; i++) {
        t = text
        if (i % 10 == 0) sub(/[0-9]+/, 1000 + i % 7, t)
        printf "{\"outlet\":\"outlet-%d\",\"url\":\"https://outlet-%d.example/%d\",\"text\":\"%s\"}\n",
          i % 500, i % 500, i, t
      }
    }' "$1"
}

# Peak RSS in KB and wall seconds of one run on $1.
measure() {
  local log="$WORK/time.log"
  /usr/bin/time -v "$BIN" run "$1" --out "$WORK/out" --threads "$THREADS" -q 2>"$log"
  rm -rf "$WORK/out"
  local wall rss
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$log" |
    awk -F: '{ if (NF == 3) print $1*3600 + $2*60 + $3; else print $1*60 + $2 }')
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
  echo "$rss $wall"
}

copies "$article" 1 >"$WORK/copies-1.jsonl"
read -r base _ < <(measure "$WORK/copies-1.jsonl")
echo "article: $article; one copy alone peaks at $((base / 1024)) MB ($THREADS threads)"
echo
echo "| copies | MB | wall s | peak RSS MB | KB per copy above one copy |"
echo "|---:|---:|---:|---:|---:|"
for n in $COPIES; do
  file="$WORK/copies-$n.jsonl"
  [ -f "$file" ] || copies "$article" "$n" >"$file"
  read -r rss wall < <(measure "$file")
  awk -v n="$n" -v b="$(wc -c <"$file")" -v w="$wall" -v r="$rss" -v base="$base" \
    'BEGIN { printf "| %d | %.1f | %.2f | %.0f | %.1f |\n", n, b / 1e6, w, r / 1024, (r - base) / n }'
done

#!/usr/bin/env bash
# Whole-process benchmark of intake: generates a workbook of ROWS partnerships (default
# 100,000), then times `partnerdocs check` on it RUNS times (default 5) and prints the
# median wall time and the median peak memory (maximum resident set size).
#
#   benches/intake_whole_process.sh [ROWS] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-100000}
runs=${2:-5}

cargo build --release --quiet --bin partnerdocs --example generate_workbook
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/inputs"
target/release/examples/generate_workbook "$work/inputs/partnerships.xlsx" "$rows"

for _ in $(seq "$runs"); do
    /usr/bin/time -f "%e %M" -o "$work/time" \
        target/release/partnerdocs -q check --inputs "$work/inputs" >/dev/null
    cat "$work/time"
done >"$work/runs"

mid=$(( (runs + 1) / 2 ))
secs=$(cut -d' ' -f1 "$work/runs" | sort -n | sed -n "${mid}p")
kb=$(cut -d' ' -f2 "$work/runs" | sort -n | sed -n "${mid}p")
echo "$rows rows, $runs runs: median $secs s, median peak memory $(( kb / 1024 )) MB"

#!/usr/bin/env bash
# Whole-process benchmark: generates a workbook of ROWS partnerships, then runs
# `partnerdocs COMMAND` on it RUNS times and prints the median wall time and the median
# peak memory (maximum resident set size).
#
#   benches/whole_process.sh check 100000 5   # intake: read and check 100,000 rows
#   benches/whole_process.sh run 10000 5      # fill the MOA and matrix for 10,000
set -euo pipefail
cd "$(dirname "$0")/.."
command=${1:-check}
rows=${2:-100000}
runs=${3:-5}

cargo build --release --quiet --bin partnerdocs --example generate_workbook
release=${CARGO_TARGET_DIR:-target}/release
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/inputs"
"$release/examples/generate_workbook" "$work/inputs/partnerships.xlsx" "$rows"

# Each run writes to a new folder: deleting the last run's files while timing the next
# would measure the file system's clean-up too.
for run in $(seq "$runs"); do
    /usr/bin/time -f "%e %M" -o "$work/time" "$release/partnerdocs" -q "$command" \
        --inputs "$work/inputs" --outputs "$work/outputs-$run" --templates templates \
        --as-of 2026-12-03 --no-pdf >/dev/null || true
    cat "$work/time"
done >"$work/runs"

mid=$(( (runs + 1) / 2 ))
secs=$(cut -d' ' -f1 "$work/runs" | sort -n | sed -n "${mid}p")
kb=$(cut -d' ' -f2 "$work/runs" | sort -n | sed -n "${mid}p")
echo "$command on $rows rows, $runs runs: median $secs s, median peak memory $(( kb / 1024 )) MB"
if [ "$command" = run ]; then
    awk -v rows="$rows" -v secs="$secs" 'BEGIN {
        printf "documents: %d, median rate %.0f documents per second\n", rows * 2, rows * 2 / secs }'
fi

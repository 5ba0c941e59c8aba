#!/usr/bin/env bash
# PDF benchmark: generates a workbook of ROWS partnerships, then runs `partnerdocs run`
# on it with the built-in PDF engine RUNS times and with LibreOffice LO_RUNS times, and
# prints each engine's median wall time and PDFs per second (whole process: reading the
# workbook, filling the Word documents and writing everything included).
#
#   benches/pdf.sh 1000 3 1     # 1,000 partnerships: 2,000 PDFs per run
#
# LO_RUNS=0 skips LibreOffice (it takes minutes); it needs `soffice` on the PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-1000}
runs=${2:-3}
lo_runs=${3:-1}

cargo build --release --quiet --bin partnerdocs --example generate_workbook
release=${CARGO_TARGET_DIR:-target}/release
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/inputs"
"$release/examples/generate_workbook" "$work/inputs/partnerships.xlsx" "$rows"

# Prints the median of the first column of a file of numbers.
median() {
    local count
    count=$(wc -l <"$1")
    sort -n "$1" | sed -n "$(( (count + 1) / 2 ))p"
}

# bench ENGINE RUNS: times RUNS runs, each into a new outputs folder. The folders are
# removed only at exit: ext4 without a journal passes over inodes freed in the last few
# minutes when it allocates new ones, so deleting a run's 5,000 files just before the
# next run makes every file that run creates scan past them. That times the file system,
# not partnerdocs.
bench() {
    local engine=$1 times="$work/times-$1"
    : >"$times"
    for run in $(seq "$2"); do
        /usr/bin/time -f "%e %M" -o "$work/time" "$release/partnerdocs" -q run \
            --inputs "$work/inputs" --outputs "$work/$engine-$run" --templates templates \
            --as-of 2026-12-03 --pdf-engine "$engine" >/dev/null || true
        cat "$work/time" >>"$times"
        echo "$engine run $run: $(cut -d' ' -f1 "$work/time") s" >&2
        pdfs=$(find "$work/$engine-$run/agreements" -name '*.pdf' | wc -l)
    done
    secs=$(median "$times")
    kb=$(cut -d' ' -f2 "$times" | sort -n | sed -n "$(( ($2 + 1) / 2 ))p")
    awk -v e="$engine" -v n="$pdfs" -v s="$secs" -v r="$2" -v mb="$(( kb / 1024 ))" 'BEGIN {
        printf "%s: %d PDFs, %d runs, median %.2f s = %.1f PDFs per second, peak %d MB\n",
            e, n, r, s, n / s, mb }'
}

bench native "$runs"
if [ "$lo_runs" -gt 0 ]; then
    bench libreoffice "$lo_runs"
fi

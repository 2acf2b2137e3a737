#!/usr/bin/env bash
# The checked-in benchmark: every preset, both backends, PyTorch beside them when installed.
# Usage: benchmarks/run.sh [OUTDIR] [extra `symcnn bench` options...]
# Writes OUTDIR/<net>.json (default OUTDIR: benchmarks/results/<date>-<host>) and prints the reports.
# Nothing here asserts a speed; CI runs only `symcnn bench --steps 20` as a smoke test.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-benchmarks/results/$(date +%Y%m%d-%H%M)-$(hostname -s)}"
shift || true
mkdir -p "$out"
compare=()
if python3 -c "import torch" 2>/dev/null; then compare=(--compare torch); fi
for net in dlt lenet5 combo; do
    symcnn bench --net "$net" --backend all "${compare[@]}" --steps 1000 --windows 10 "$@" --json >"$out/$net.json"
    python3 -m symcnn.bench.report "$out/$net.json"
    echo
done
symcnn bench --derive --json >"$out/derive.json"
python3 -m symcnn.bench.report "$out/derive.json"

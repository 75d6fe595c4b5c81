#!/usr/bin/env bash
# Build the big logs (once) and run every benchmark; results go to benchmarks/out/.
#   benchmarks/run_all.sh                 uses $PYTHON, else /tmp/venv/bin/python, else python3
#   RUNS=5 TUI_RUNS=3 NODES_SECONDS=60 benchmarks/run_all.sh
# The scripts find `ostui` next to that Python (set OSTUI=... otherwise), lnav and tmux
# on PATH, and toolong at $TOOLONG (default /tmp/tlvenv/bin/tl, a venv of its own).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$here/out"
mkdir -p "$out"
if [[ -z "${PYTHON:-}" ]]; then
    if [[ -x /tmp/venv/bin/python ]]; then PYTHON=/tmp/venv/bin/python; else PYTHON=python3; fi
fi
stamp="$(date +%Y-%m-%d_%H%M)"

for size in 200M 1G; do
    # make_big_log.py on its own, so its reference counts are on record beside the results.
    "$PYTHON" -c "import sys; sys.path.insert(0, '$here'); from common import big_log; big_log('$size')"
    cat "$out/big-$size.log.json"
done | tee "$out/make_big_log-$stamp.txt"

"$PYTHON" "$here/bench_scan.py" --runs "${RUNS:-5}" --json "$out/bench_scan-$stamp.json" \
    | tee "$out/bench_scan-$stamp.txt"
"$PYTHON" "$here/bench_tui.py" --runs "${TUI_RUNS:-3}" --json "$out/bench_tui-$stamp.json" \
    | tee "$out/bench_tui-$stamp.txt"
# The browser's complete index and peak RSS beside lnav -n and scan; faults/scan (~5 min).
"$PYTHON" "$here/bench_browser_index.py" --runs "${TUI_RUNS:-3}" --json "$out/bench_browser_index-$stamp.json" \
    | tee "$out/bench_browser_index-$stamp.txt"
# 10 nodes x 5 files over ssh (a local sshd), 1,000 lines/s: ostui, ostui-local and lnav, ~6 min.
"$PYTHON" "$here/bench_nodes.py" --seconds "${NODES_SECONDS:-60}" --json "$out/bench_nodes-$stamp.json" \
    | tee "$out/bench_nodes-$stamp.txt"
# One log through real logrotate runs every 100 ms at 100,000 lines/s, then every second at
# 20,000 lines/s: every line shown once, or said missed (needs logrotate; ~2 min).
"$PYTHON" "$here/bench_rotation_stress.py" --runs 3 --json "$out/bench_rotation_stress-$stamp.json" \
    | tee "$out/bench_rotation_stress-$stamp.txt"
"$PYTHON" "$here/bench_rotation_stress.py" --rate 20000 --every 1 --runs 3 \
    --json "$out/bench_rotation_stress-20k-$stamp.json" | tee "$out/bench_rotation_stress-20k-$stamp.txt"
echo "results: $out/*-$stamp.*"

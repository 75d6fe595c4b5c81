#!/usr/bin/env python3
"""Headless scan and request lookup: ostui against lnav on the same big files.

    /tmp/venv/bin/python benchmarks/bench_scan.py [--runs 5] [--sizes 200M 1G]

For each size (files built by make_big_log.py into benchmarks/out/, reused when
the generator has not changed), in one run and on one file, alternating:
  lnav  -n -c ';SELECT log_level, count(*) FROM openstack_log GROUP BY log_level' FILE
  ostui scan --json FILE
Wall time and peak RSS of each child (os.wait4), best and median of --runs.
Every ostui result must reproduce the generator's reference counts exactly (records
per level, tracebacks, distinct request ids, lines) or the script stops with exit 1.

Then, on the largest file, the lookup of the request id in the file's middle:
  ostui request ID FILE --json
  lnav -n -c ";SELECT count(*) FROM openstack_log WHERE log_text LIKE '%ID%'" FILE
  grep -c -F ID FILE          (a floor: no parsing at all)
lnav has no way to look something up without indexing the whole file first, so its
figure is what an lnav user pays to get the same answer from a cold start.

Targets (from the issue): scan wall <= 1.5x lnav, peak RSS <= 2x lnav, request <= 0.5 s.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time

from common import (
    GNU_TIME,
    OUT,
    SIZES,
    best_median,
    big_log,
    find_ostui,
    fmt_mb,
    launcher_kb,
    load_note,
    run_child,
    warm,
)

LNAV_SCAN = ";SELECT log_level, count(*) FROM openstack_log GROUP BY log_level"
LNAV_REQ = ";SELECT count(*) FROM openstack_log WHERE log_text LIKE '%{id}%'"
# lnav folds these oslo levels into its own: AUDIT is info, TRACE lines continue a record.
LNAV_LEVEL = {
    "TRACE": "trace",
    "DEBUG": "debug",
    "INFO": "info",
    "AUDIT": "info",
    "WARNING": "warning",
    "ERROR": "error",
    "CRITICAL": "critical",
}


class Mismatch(SystemExit):
    pass


def check_scan(doc: dict, ref: dict) -> None:
    """ostui's totals must equal the generator's counts, field by field."""
    t = doc["totals"]
    want = {
        "records": ref["records"],
        "levels": ref["levels"],
        "tracebacks": ref["tracebacks"],
        "request_ids": ref["request_ids"],
        "lines": ref["lines"],
        "unparsed": 0,
    }
    got = {k: t.get(k) for k in want}
    if got != want:
        diff = {k: {"ostui": got[k], "reference": want[k]} for k in want if got[k] != want[k]}
        raise Mismatch(f"FAIL: ostui scan does not reproduce the reference counts: {json.dumps(diff)}")


def lnav_levels(stdout: bytes) -> dict[str, int]:
    out = {}
    for line in stdout.decode(errors="replace").splitlines()[1:]:
        parts = line.split()
        if len(parts) == 2 and parts[1].isdigit():
            out[parts[0]] = int(parts[1])
    return out


def expected_lnav(ref: dict) -> dict[str, int]:
    out: dict[str, int] = {}
    for name, n in ref["levels"].items():
        out[LNAV_LEVEL[name]] = out.get(LNAV_LEVEL[name], 0) + n
    return out


# Every tool runs with a throwaway HOME: no user config, no saved lnav session.
HOME = tempfile.mkdtemp(prefix="ostui-bench-home-")
ENV = {**os.environ, "HOME": HOME}


def measure(name: str, cmd: list[str], runs: list, check=None) -> None:
    r = run_child(cmd, ENV)
    if r.rc not in (0,) and not (name == "grep" and r.rc == 1):
        raise SystemExit(
            f"FAIL: {name} exited {r.rc}: {' '.join(cmd)}\n{r.stderr.decode(errors='replace')[-2000:]}"
        )
    if check is not None:
        check(r)
    runs.append(r)


def summary(runs: list) -> dict:
    wb, wm = best_median([r.wall for r in runs])
    mb, mm = best_median([float(r.rss_kb) for r in runs])
    return {
        "wall_best": wb,
        "wall_median": wm,
        "rss_best_kb": mb,
        "rss_median_kb": mm,
        "anon_median_kb": statistics.median(r.anon_kb for r in runs),
        "file_median_kb": statistics.median(r.file_kb for r in runs),
        "walls": [round(r.wall, 3) for r in runs],
        "rss_kb": [r.rss_kb for r in runs],
    }


def split(s: dict) -> str:
    return f"{fmt_mb(s['anon_median_kb'])} / {fmt_mb(s['file_median_kb'])}"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", type=int, default=5, help="timed runs per tool and size (3-5)")
    p.add_argument("--sizes", nargs="+", default=list(SIZES))
    p.add_argument("--json", dest="json_out", default=str(OUT / "bench_scan.json"))
    args = p.parse_args()
    ostui = find_ostui()
    results: dict = {"date": time.strftime("%Y-%m-%d %H:%M"), "load_start": load_note(), "sizes": {}}
    print(f"# bench_scan {results['date']}, {args.runs} runs each, {load_note()}")
    print(f"# ostui = {ostui}")
    results["launcher_kb"] = launcher_kb()
    print(
        f"# peak RSS via {'GNU time %M' if GNU_TIME else 'os.wait4 ru_maxrss'}; "
        f"`true` measures {results['launcher_kb']} KiB (the floor of every figure)"
    )

    for label in args.sizes:
        path, ref = big_log(label)
        warm(path)
        lnav_ok = expected_lnav(ref)
        notes: list[str] = []

        def check_ostui(r, ref=ref):
            check_scan(json.loads(r.stdout), ref)

        def check_lnav(r, want=lnav_ok, notes=notes):
            got = lnav_levels(r.stdout)
            if got != want and not notes:
                notes.append(f"lnav counts differ from the reference: {got} vs {want}")

        lnav_runs: list = []
        ostui_runs: list = []
        # One untimed run each: first-run effects (imports compiled, lnav config) out of the way.
        run_child(["lnav", "-n", "-c", LNAV_SCAN, str(path)], ENV)
        run_child([ostui, "scan", "--json", str(path)], ENV)
        for _ in range(args.runs):
            # Alternate, so a burst of load from other work hits both tools alike.
            measure("lnav", ["lnav", "-n", "-c", LNAV_SCAN, str(path)], lnav_runs, check_lnav)
            measure("ostui scan", [ostui, "scan", "--json", str(path)], ostui_runs, check_ostui)
        res = {
            "bytes": ref["bytes"],
            "records": ref["records"],
            "lnav": summary(lnav_runs),
            "ostui": summary(ostui_runs),
            "notes": notes,
            "counts_ok": True,
        }
        results["sizes"][label] = res
        print(
            f"# {label}: ostui counts match the reference exactly ({ref['records']:,} records); "
            + ("lnav's level counts agree too" if not notes else notes[0]),
            flush=True,
        )

    # The request lookup on the largest file.
    label = args.sizes[-1]
    path, ref = big_log(label)
    rid = ref["middle_request_id"]
    req: dict = {"file": label, "request_id": rid}

    def check_story(r):
        doc = json.loads(r.stdout)
        mine = sum(1 for rec in doc["records"] if rid in (rec.get("request_ids") or []))
        if mine != ref["middle_request_id_records"]:
            raise Mismatch(
                f"FAIL: ostui request found {mine} records with {rid}, "
                f"reference {ref['middle_request_id_records']}"
            )
        req["story_records"] = doc["count"]
        req["story_ids"] = len(doc["ids"])

    def check_lnav_req(r):
        req["lnav_count"] = int(r.stdout.decode().split()[-1])

    def check_grep(r):
        req["grep_lines"] = int(r.stdout.decode().strip() or 0)

    o_runs: list = []
    l_runs: list = []
    g_runs: list = []
    warm(path)
    run_child([ostui, "request", rid, str(path), "--json"], ENV)
    for _ in range(args.runs):
        measure("ostui request", [ostui, "request", rid, str(path), "--json"], o_runs, check_story)
        measure("lnav", ["lnav", "-n", "-c", LNAV_REQ.format(id=rid), str(path)], l_runs, check_lnav_req)
        measure("grep", ["grep", "-c", "-F", rid, str(path)], g_runs, check_grep)
    req.update(
        ostui=summary(o_runs),
        lnav=summary(l_runs),
        grep=summary(g_runs),
        reference_records=ref["middle_request_id_records"],
    )
    results["request"] = req
    results["load_end"] = load_note()

    # -- the table ----------------------------------------------------------------------
    print()
    print(
        "| file | records | tool | wall best | wall median | peak RSS (median) | of it heap / file pages | "
        "ostui/lnav wall (median) | ostui/lnav RSS | targets |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for label, r in results["sizes"].items():
        lw, ow = r["lnav"]["wall_median"], r["ostui"]["wall_median"]
        lm, om = r["lnav"]["rss_median_kb"], r["ostui"]["rss_median_kb"]
        r["ratio_wall"], r["ratio_rss"] = ow / lw, om / lm
        ok_w = "ok" if ow / lw <= 1.5 else "MISSED"
        ok_m = "ok" if om / lm <= 2 else "MISSED"
        print(
            f"| {label} | {r['records']:,} | lnav | {r['lnav']['wall_best']:.2f} s | {lw:.2f} s | {fmt_mb(lm)} | {split(r['lnav'])} | | | |"
        )
        print(
            f"| {label} | {r['records']:,} | ostui scan | {r['ostui']['wall_best']:.2f} s | {ow:.2f} s | "
            f"{fmt_mb(om)} | {split(r['ostui'])} | {ow / lw:.2f}x | {om / lm:.2f}x | wall <=1.5x {ok_w}, RSS <=2x {ok_m} |"
        )
    q = results["request"]
    ow, lw = q["ostui"]["wall_median"], q["lnav"]["wall_median"]
    print()
    print(
        f"| request lookup on {q['file']} ({q['request_id']}) | wall best | wall median | peak RSS (median) | "
        "of it heap / file pages | found |"
    )
    print("|---|---|---|---|---|---|")
    print(
        f"| ostui request --json | {q['ostui']['wall_best']:.3f} s | {ow:.3f} s | {fmt_mb(q['ostui']['rss_median_kb'])} | "
        f"{split(q['ostui'])} | {q['reference_records']} records with the id ({q['story_records']} in the story, {q['story_ids']} ids followed) |"
    )
    print(
        f"| lnav SELECT ... LIKE | {q['lnav']['wall_best']:.3f} s | {lw:.3f} s | {fmt_mb(q['lnav']['rss_median_kb'])} | "
        f"{split(q['lnav'])} | {q.get('lnav_count')} messages |"
    )
    print(
        f"| grep -c -F (floor) | {q['grep']['wall_best']:.3f} s | {q['grep']['wall_median']:.3f} s | "
        f"{fmt_mb(q['grep']['rss_median_kb'])} | {split(q['grep'])} | {q.get('grep_lines')} lines |"
    )
    print(f"\nostui/lnav request: {ow / lw:.3f}x; target ostui <= 0.5 s: {'ok' if ow <= 0.5 else 'MISSED'}")
    print(f"# {results['load_end']} at the end")
    with open(args.json_out, "w") as fh:
        json.dump(results, fh, indent=1)
    shutil.rmtree(HOME, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

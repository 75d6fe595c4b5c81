#!/usr/bin/env python3
"""Headless scan and request lookup: ostui against lnav on the same big files.

    /tmp/venv/bin/python benchmarks/bench_scan.py [--runs 5] [--sizes 200M 1G]

For each size (files built by make_big_log.py into benchmarks/out/, reused while
the generator is unchanged), in one run and on one file, alternating:
  lnav  -n -c ';SELECT log_level, count(*) FROM openstack_log GROUP BY log_level' FILE
  ostui scan --json FILE
Wall time and peak memory of each command, best and median of --runs. Memory is
given two ways (see common.run_child): the kernel's peak RSS of the largest single
process (ru_maxrss, via GNU time), and the sampled peak PSS summed over the whole
process tree, which is what a command that indexes with worker processes really
holds. Every ostui result must reproduce the generator's reference counts exactly
(records per level, tracebacks, distinct request ids, lines) or the script stops
with exit status 1.

Then, on the largest file, the lookup of the request id in the file's middle:
  ostui request ID FILE --json
  lnav -n -c ";SELECT count(*) FROM openstack_log WHERE log_text LIKE '%ID%'" FILE
  grep -c -F ID FILE          (a floor: no parsing at all)
lnav cannot look anything up before it has indexed the whole file, so its figure is
what an lnav user pays for the same answer from a cold start: index, then one pass
over every message's text. Both must find the reference number of records.

Targets (from the issue): scan wall <= 1.5x lnav, peak memory <= 2x lnav, request <= 0.5 s.
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
    code_state,
    find_ostui,
    fmt_mb,
    launcher_kb,
    load_note,
    run_child,
    warm,
)

LNAV_SCAN = ";SELECT log_level, count(*) FROM openstack_log GROUP BY log_level"
LNAV_REQ = ";SELECT count(*) FROM openstack_log WHERE log_text LIKE '%{id}%'"
# lnav's names for oslo's levels: AUDIT is info to lnav; TRACE lines continue a record.
LNAV_LEVEL = {
    "TRACE": "trace",
    "DEBUG": "debug",
    "INFO": "info",
    "AUDIT": "info",
    "WARNING": "warning",
    "ERROR": "error",
    "CRITICAL": "critical",
}

# Every tool runs with a throwaway HOME: no user config, no saved lnav session.
HOME = tempfile.mkdtemp(prefix="ostui-bench-home-")
ENV = {**os.environ, "HOME": HOME}


class Mismatch(SystemExit):
    """A wrong count: stops the run with status 1 and says what differs."""


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


def measure(name: str, cmd: list[str], runs: list, check=None) -> None:
    r = run_child(cmd, ENV)
    if r.rc != 0 and not (name == "grep" and r.rc == 1):
        err = r.stderr.decode(errors="replace")[-2000:]
        raise SystemExit(f"FAIL: {name} exited {r.rc}: {' '.join(cmd)}\n{err}")
    if check is not None:
        check(r)
    runs.append(r)


def summary(runs: list) -> dict:
    wb, wm = best_median([r.wall for r in runs])
    return {
        "wall_best": wb,
        "wall_median": wm,
        "maxrss_median_kb": statistics.median(r.rss_kb for r in runs),
        "tree_pss_median_kb": statistics.median(r.tree_kb for r in runs),
        "anon_median_kb": statistics.median(r.anon_kb for r in runs),
        "file_median_kb": statistics.median(r.file_kb for r in runs),
        "processes": max(r.procs for r in runs),
        "cpu_median": statistics.median(r.cpu for r in runs),
        "walls": [round(r.wall, 3) for r in runs],
        "maxrss_kb": [r.rss_kb for r in runs],
        "tree_pss_kb": [r.tree_kb for r in runs],
    }


def mem(s: dict) -> str:
    return (
        f"{fmt_mb(s['maxrss_median_kb'])} | {fmt_mb(s['tree_pss_median_kb'])} "
        f"({fmt_mb(s['anon_median_kb'])} heap, {s['processes']} proc)"
    )


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", type=int, default=5, help="timed runs per tool and size (3-5)")
    p.add_argument("--sizes", nargs="+", default=list(SIZES))
    p.add_argument("--json", dest="json_out", default=str(OUT / "bench_scan.json"))
    args = p.parse_args()
    ostui = find_ostui()
    results: dict = {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "load_start": load_note(),
        "code": code_state(),
        "sizes": {},
    }
    print(f"# bench_scan {results['date']}, {args.runs} runs each, {load_note()}")
    print(f"# ostui = {ostui} ({results['code']})")
    results["launcher_kb"] = launcher_kb()
    print(
        f"# peak RSS via {'GNU time %M' if GNU_TIME else 'os.wait4 ru_maxrss'}; "
        f"`true` measures {results['launcher_kb']} KiB (the floor of every figure)"
    )

    for label in args.sizes:
        path, ref = big_log(label)
        warm(path)
        notes: list[str] = []

        def check_ostui(r, ref=ref):
            check_scan(json.loads(r.stdout), ref)

        want_lnav = expected_lnav(ref)

        def check_lnav(r, want=want_lnav, notes=notes):
            got = lnav_levels(r.stdout)
            if got != want and not notes:
                notes.append(f"lnav's counts differ from the reference: {got} vs {want}")

        lnav_runs: list = []
        ostui_runs: list = []
        # One untimed run each: first-run effects (bytecode, lnav's config) out of the way.
        run_child(["lnav", "-n", "-c", LNAV_SCAN, str(path)], ENV)
        run_child([ostui, "scan", "--json", str(path)], ENV)
        for _ in range(args.runs):
            # Alternate, so a burst of load from other work hits both tools alike.
            measure("lnav", ["lnav", "-n", "-c", LNAV_SCAN, str(path)], lnav_runs, check_lnav)
            measure("ostui scan", [ostui, "scan", "--json", str(path)], ostui_runs, check_ostui)
        results["sizes"][label] = {
            "bytes": ref["bytes"],
            "records": ref["records"],
            "lnav": summary(lnav_runs),
            "ostui": summary(ostui_runs),
            "notes": notes,
        }
        print(
            f"# {label}: ostui's counts match the reference exactly in every run "
            f"({ref['records']:,} records); " + ("lnav's level counts agree too" if not notes else notes[0]),
            flush=True,
        )

    # The request lookup on the largest file.
    label = args.sizes[-1]
    path, ref = big_log(label)
    rid = ref["middle_request_id"]
    req: dict = {"file": label, "request_id": rid, "reference_records": ref["middle_request_id_records"]}

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
        if req["lnav_count"] != ref["middle_request_id_records"]:
            print(
                f"# note: lnav found {req['lnav_count']} messages, "
                f"reference {ref['middle_request_id_records']}"
            )

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
    req.update(ostui=summary(o_runs), lnav=summary(l_runs), grep=summary(g_runs))
    results["request"] = req
    results["load_end"] = load_note()

    # -- the tables ---------------------------------------------------------------------
    print()
    print(
        "| file | records | tool | wall best | wall median | CPU (user+sys) median "
        "| peak RSS, largest process | peak PSS, all processes | ostui/lnav wall: median (best) "
        "| ostui/lnav memory (RSS; PSS) | targets |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for label, r in results["sizes"].items():
        lo, oo = r["lnav"], r["ostui"]
        r["ratio_wall"] = oo["wall_median"] / lo["wall_median"]
        r["ratio_wall_best"] = oo["wall_best"] / lo["wall_best"]
        r["ratio_cpu"] = oo["cpu_median"] / lo["cpu_median"]
        r["ratio_rss"] = oo["maxrss_median_kb"] / lo["maxrss_median_kb"]
        r["ratio_pss"] = oo["tree_pss_median_kb"] / lo["tree_pss_median_kb"]
        ok_w = "ok" if r["ratio_wall"] <= 1.5 else "MISSED"
        ok_m = "ok" if max(r["ratio_rss"], r["ratio_pss"]) <= 2 else "MISSED"
        print(
            f"| {label} | {r['records']:,} | lnav | {lo['wall_best']:.2f} s | {lo['wall_median']:.2f} s | "
            f"{lo['cpu_median']:.2f} s | {mem(lo)} | | | |"
        )
        print(
            f"| {label} | {r['records']:,} | ostui scan | {oo['wall_best']:.2f} s "
            f"| {oo['wall_median']:.2f} s | {oo['cpu_median']:.2f} s | "
            f"{mem(oo)} | {r['ratio_wall']:.2f}x ({r['ratio_wall_best']:.2f}x) "
            f"| {r['ratio_rss']:.2f}x; {r['ratio_pss']:.2f}x | "
            f"wall <=1.5x {ok_w}, memory <=2x {ok_m} |"
        )
    q = results["request"]
    print()
    print(
        f"| request lookup, {q['file']} file ({q['request_id']}) | wall best | wall median | "
        "peak RSS, largest process | peak PSS, all processes | found |"
    )
    print("|---|---|---|---|---|---|")
    print(
        f"| ostui request --json | {q['ostui']['wall_best']:.3f} s | {q['ostui']['wall_median']:.3f} s | "
        f"{mem(q['ostui'])} | {q['reference_records']} records with the id "
        f"({q['story_records']} in the story, {q['story_ids']} id(s) followed) |"
    )
    print(
        f"| lnav SELECT ... LIKE | {q['lnav']['wall_best']:.3f} s | {q['lnav']['wall_median']:.3f} s | "
        f"{mem(q['lnav'])} | {q.get('lnav_count')} messages |"
    )
    print(
        f"| grep -c -F (floor) | {q['grep']['wall_best']:.3f} s | {q['grep']['wall_median']:.3f} s | "
        f"{mem(q['grep'])} | {q.get('grep_lines')} lines |"
    )
    ow = q["ostui"]["wall_median"]
    q["ratio_wall"] = ow / q["lnav"]["wall_median"]
    print(
        f"\nostui/lnav request (median): {q['ratio_wall']:.3f}x; target ostui <= 0.5 s: "
        f"{'ok' if ow <= 0.5 else 'MISSED'}"
    )
    print(f"# {results['load_end']} at the end")
    with open(args.json_out, "w") as fh:
        json.dump(results, fh, indent=1)
    shutil.rmtree(HOME, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

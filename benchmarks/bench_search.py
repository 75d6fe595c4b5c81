"""Text and request filters on a complete index (issue #11): the time the browser's view
takes to mark the matching records of a 1 GiB log, beside `grep -c` on the same file
(the floor: one pass at C speed) and lnav's headless search (`lnav -n` with a SQL
`LIKE` over every message, which first builds its index, as a cold start must).

The index is built once (as the browser does, in parts); each filter is then timed as
the view builds it (`StreamView(..., merged=...)`), median of --runs. The number of
records each finds is printed; a rare word, a request id (the generator's middle one:
its record count is known) and a letter found in every record.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

from common import big_log, code_state, load_note

LNAV_SQL = ";SELECT count(*) FROM openstack_log WHERE log_text LIKE '%{}%'"


def timed(fn, runs: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main() -> int:
    from ostui.core.indexing.logset import LogFile
    from ostui.core.indexing.parallel import IndexPool
    from ostui.core.stream.view import Filters, StreamView

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--size", default="1G")
    p.add_argument("--runs", type=int, default=3)
    args = p.parse_args()
    path, ref = big_log(args.size)
    when = time.strftime("%Y-%m-%d %H:%M")
    print(f"# bench_search {when}, {args.runs} runs, {load_note()}; {code_state()}")
    lf = LogFile(path, "node", "nova", path.name)
    lf.open()
    pool = IndexPool()
    pool.build(lf)
    pool.close()
    whole = StreamView([lf], Filters())
    rid = ref["middle_request_id"]
    cases = [
        ("word, any case", Filters(text="Traceback"), "Traceback"),
        ("request id as text", Filters(text=rid), rid),
        ("request filter", Filters(request_id=rid), rid),
        ("a letter in every record", Filters(text="e"), "e"),
    ]
    print("| filter | ostui view | records | grep -c | lnav -n LIKE | ostui / grep |")
    print("|---|---|---|---|---|---|")
    for name, filters, needle in cases:
        took, view = timed(lambda f=filters: StreamView([lf], f, merged=whole.merged), args.runs)
        grep_s, _ = timed(
            lambda n=needle: subprocess.run(["grep", "-c", "-i", "-F", n, str(path)], capture_output=True),
            args.runs,
        )
        lnav = ["lnav", "-n", "-c", LNAV_SQL.format(needle), str(path)]
        lnav_s, _ = timed(lambda c=lnav: subprocess.run(c, capture_output=True), 1)
        shown = len(view)
        want = ref["middle_request_id_records"]
        if name == "request filter" and shown != want:
            raise SystemExit(f"FAIL: the request filter shows {shown}, not {want}")
        ratio = took / grep_s
        print(f"| {name} | {took:.2f} s | {shown:,} | {grep_s:.2f} s | {lnav_s:.2f} s | {ratio:.1f}x |")
    print(f"# {load_note()} at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())

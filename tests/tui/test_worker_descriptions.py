"""Every worker names itself: left to Textual, a worker's description is the repr of its
arguments, built on the main thread at each start. For a list of indexed files that walked
every known-fault flag of a 1 GiB log, 43 ms per level key (py-spy on bench_tui)."""

from __future__ import annotations

import ast
from pathlib import Path

from ostui.core.indexing.logset import LogFile

PACKAGE = Path(__file__).resolve().parents[2] / "ostui"


def _work_calls(tree: ast.AST) -> list[ast.Call]:
    """The `@work(...)` decorators (a function's own argument named `work` is no worker)."""
    return [
        deco
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        for deco in node.decorator_list
        if isinstance(deco, ast.Call) and isinstance(deco.func, ast.Name) and deco.func.id == "work"
    ]


def test_every_worker_has_a_description() -> None:
    missing, seen = [], 0
    for path in sorted(PACKAGE.rglob("*.py")):
        for call in _work_calls(ast.parse(path.read_text(encoding="utf-8"))):
            seen += 1
            if not any(k.arg == "description" for k in call.keywords):
                missing.append(f"{path.relative_to(PACKAGE)}:{call.lineno}")
    assert seen >= 10, f"only {seen} @work decorators found: has the package moved?"
    assert not missing, f"@work without description= (its arguments' repr is built per start): {missing}"


def test_a_log_files_repr_does_not_walk_its_flags() -> None:
    lf = LogFile(Path("/var/log/nova/nova-api.log"), "controller", "nova", "nova-api.log")
    lf.faults.update(dict.fromkeys(range(100_000), "nova-glance-id"))
    lf.problems.extend(["x"] * 1000)
    text = repr(lf)
    assert len(text) < 200, text[:300]
    assert "nova-api.log" in text and "controller" in text

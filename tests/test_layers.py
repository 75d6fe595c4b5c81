"""The layers of ostui, declared and checked.

    cli, commands_views, render  ->  session  ->  core      (core: no Textual, no Rich)
          |                            ^
          +---------> tui -------------+                     (tui draws a session; never the CLI)

Inside core, its parts in order, each importing only the parts before it (the modules at
core's top, levels, model, timekeys..., import none of them):

    paths -> parsing -> reading -> indexing -> live -> stream -> diagnosis

Imports are read from the source (every `import`, also the lazy ones inside functions),
so a deferred import cannot hide a wrong direction.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import ostui

PACKAGE = Path(ostui.__file__).resolve().parent

# layer -> the layers it must never import
CLI = {"cli", "commands_views", "render", "__main__"}
FORBIDDEN: dict[str, set[str]] = {
    "core": {"session", "tui", *CLI, "textual", "rich", "pygments"},
    "session": {"tui", *CLI, "textual", "rich"},
    "tui": CLI,
    "data": {"core", "session", "tui", *CLI, "textual"},
}


def _modules() -> dict[str, tuple[Path, bool]]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = ("ostui", *path.relative_to(PACKAGE).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        out[".".join(parts[:-1] if is_package else parts)] = (path, is_package)
    return out


def _imports(name: str, path: Path, is_package: bool) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                found.add(node.module or "")
                continue
            base = name if is_package else name.rpartition(".")[0]
            for _ in range(node.level - 1):
                base = base.rpartition(".")[0]
            target = f"{base}.{node.module}" if node.module else base
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)
    return found


def _layer(module: str) -> str:
    parts = module.split(".")
    if parts[0] != "ostui":
        return parts[0]
    return parts[1] if len(parts) > 1 else "ostui"


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(name, path, is_package) for name, (path, is_package) in modules.items()}


def test_no_layer_imports_a_higher_one() -> None:
    wrong = [
        f"{module} imports {target}"
        for module, targets in import_graph().items()
        for target in targets
        if _layer(target) in FORBIDDEN.get(_layer(module), set())
    ]
    assert not wrong, "\n".join(sorted(wrong))


def _cycles(unit: Callable[[str], str]) -> list[str]:
    """Import circles between the units `unit` maps modules to (a unit's own modules may
    import each other)."""
    edges: dict[str, set[str]] = {}
    for module, targets in import_graph().items():
        for target in targets:
            if target.startswith("ostui") and unit(target) != unit(module):
                edges.setdefault(unit(module), set()).add(unit(target))
    cycles = []
    for start in edges:
        stack = [(start, [start])]
        while stack:
            node, path = stack.pop()
            for nxt in edges.get(node, ()):
                if nxt == start:
                    cycles.append(" -> ".join([*path, start]))
                elif nxt not in path and len(path) < 8:
                    stack.append((nxt, [*path, nxt]))
    return sorted(set(cycles))


def _top(module: str) -> str:
    return ".".join(module.split(".")[:2])


def _core_part(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:3]) if parts[:2] == ["ostui", "core"] else _top(module)


def test_no_import_circle_between_layers() -> None:
    """cli, session, tui, core and the CLI's helpers never import each other both ways."""
    cycles = _cycles(_top)
    assert not cycles, "\n".join(cycles[:20])


def test_no_import_circle_between_core_parts() -> None:
    """Inside the engine too: each part (a module today, a sub-package later) can be read
    knowing only the parts below it."""
    cycles = _cycles(_core_part)
    assert not cycles, "\n".join(cycles[:20])


def test_every_core_module_loads_without_textual() -> None:
    code = (
        "import importlib, pkgutil, sys, ostui.core\n"
        "for m in pkgutil.walk_packages(ostui.core.__path__, 'ostui.core.'):\n"
        "    importlib.import_module(m.name)\n"
        "print(sorted(k for k in ('textual', 'rich') if k in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


CORE_PARTS = ("paths", "parsing", "reading", "indexing", "live", "stream", "diagnosis")


def _core_rank(module: str) -> int | None:
    """-1 for a module at core's top (the base), a part's place in CORE_PARTS, or None."""
    parts = module.split(".")
    if parts[:2] != ["ostui", "core"] or len(parts) < 3:
        return None
    return CORE_PARTS.index(parts[2]) if parts[2] in CORE_PARTS else -1


def test_core_parts_import_only_the_parts_before_them() -> None:
    on_disk = {p.name for p in (PACKAGE / "core").iterdir() if (p / "__init__.py").exists()}
    assert on_disk == set(CORE_PARTS)  # a new part is placed in the order first
    wrong = [
        f"{module} imports {target}"
        for module, targets in import_graph().items()
        if (rank := _core_rank(module)) is not None
        for target in targets
        if (to := _core_rank(target)) is not None and to > rank
    ]
    assert not wrong, "\n".join(sorted(wrong))

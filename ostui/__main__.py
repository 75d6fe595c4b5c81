from ostui.cli import run

raise SystemExit(run())

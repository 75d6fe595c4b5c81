"""Drive the installed `ostui` in a real tmux pane and read the screen, as a user would."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path


def ostui_command() -> list[str]:
    """The installed console script next to this Python (the one `pip install` made)."""
    script = Path(sys.executable).parent / "ostui"
    return [str(script)] if script.exists() else [sys.executable, "-m", "ostui"]


class TmuxPane:
    def __init__(
        self,
        command: list[str],
        size: str = "160x48",
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
    ) -> None:
        if shutil.which("tmux") is None:
            raise RuntimeError("tmux is not installed")
        self.socket = f"ostui-test-{uuid.uuid4().hex[:8]}"
        cols, rows = size.split("x")
        environment = {"TERM": "xterm-256color", "COLORTERM": "truecolor", **(env or {})}
        line = " ".join(f"{k}={shlex.quote(v)}" for k, v in environment.items())
        line += " " + " ".join(shlex.quote(c) for c in command) + "; sleep 600"
        if cwd is not None:
            line = f"cd {shlex.quote(str(cwd))} && {line}"
        self._tmux("new-session", "-d", "-s", "main", "-x", cols, "-y", rows, line)

    def _tmux(self, *args: str) -> str:
        out = subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, env={**os.environ, "TMUX": ""}
        )
        return out.stdout

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p", "-t", "main")

    def keys(self, *keys: str) -> None:
        for key in keys:
            self._tmux("send-keys", "-t", "main", key)
            time.sleep(0.05)

    def wait_for(self, pattern: str, timeout: float = 20.0) -> str:
        regex = re.compile(pattern, re.M)
        deadline = time.monotonic() + timeout
        text = ""
        while time.monotonic() < deadline:
            text = self.screen()
            if regex.search(text):
                return text
            time.sleep(0.05)
        raise AssertionError(f"{pattern!r} never appeared; the screen was:\n{text}")

    def option(self, *args: str) -> None:
        """A tmux option for this server, e.g. ("-g", "set-clipboard", "on")."""
        self._tmux("set-option", *args)

    def title(self) -> str:
        """The pane's title, which OSC 0/2 sequences set."""
        return self._tmux("display-message", "-p", "-t", "main", "#{pane_title}").strip()

    def buffers(self) -> list[str]:
        """tmux's paste buffers, which OSC 52 writes when set-clipboard is on."""
        return [line for line in self._tmux("list-buffers").splitlines() if line.strip()]

    def command(self) -> str:
        """What runs in the pane now (ostui, or the `sleep` after it ended)."""
        return self._tmux("display-message", "-p", "-t", "main", "#{pane_current_command}").strip()

    def program_pid(self) -> int:
        """The pid of the program the pane's shell started (ostui, before the `sleep`)."""
        shell = self._tmux("display-message", "-p", "-t", "main", "#{pane_pid}").strip()
        children = Path(f"/proc/{shell}/task/{shell}/children").read_text().split()
        return int(children[0])

    def close(self) -> None:
        self._tmux("kill-server")

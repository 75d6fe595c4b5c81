"""The files ostui has open: where each came from (node, component) and its index."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .formats import LogFormat, get_format
from .index import FileIndex
from .source import BLOCK_SIZE, open_source


@dataclass(eq=False)
class LogFile:
    """One physical file (a rotated member is a file of its own) and its index."""

    path: Path
    node: str
    component: str
    group: str  # the live file's name this file rotates with
    index: FileIndex | None = None
    error: str | None = None  # why it could not be opened or read
    problems: list[str] = field(default_factory=list)
    format_name: str | None = None  # a format this file must be read in (a client transcript)
    faults: dict[int, str] = field(default_factory=dict)  # record -> known fault id (faultscan)
    faults_checked: int = 0  # records looked at by faultscan so far

    @property
    def label(self) -> str:
        return f"{self.node}/{self.component}/{self.path.name}"

    def open(self, fmt: LogFormat | None = None, times: bool = True) -> FileIndex | None:
        """Open and sniff (no indexing yet); records why when it cannot."""
        if self.index is not None or self.error is not None:
            return self.index
        if fmt is None and self.format_name:
            fmt = get_format(self.format_name)
        try:
            source = open_source(self.path)
            self.index = FileIndex(source, fmt, times=times)
            self.problems.extend(source.problems)
        except OSError as exc:
            self.error = f"{exc.strerror or exc}" if isinstance(exc, OSError) else str(exc)
        return self.index

    def preview(self, nbytes: int = 512 << 10) -> LogFile | None:
        """A stand-in indexed over the file's last `nbytes`, for a first screen before
        the whole file is indexed; None when the file is small enough to index now."""
        from .source import SliceSource, tail_start

        if self.index is None or self.index.source.size() <= 4 * nbytes:
            return None
        src = self.index.source
        part = FileIndex(
            SliceSource(src, tail_start(src, nbytes)),
            self.index.format,
            times=self.index.times,
            year=self.index.year,
        )
        part.update(final=True)
        return LogFile(self.path, self.node, self.component, self.group, index=part)

    def build(self, progress: Callable[[int, int], None] | None = None, block_size: int = BLOCK_SIZE) -> None:
        if self.index is None:
            return
        try:
            self.index.update(final=True, progress=progress, block_size=block_size)
        except OSError as exc:
            self.error = f"read failed after {self.index.scanned} bytes: {exc.strerror or exc}"
        from .index import quirks

        self.problems.extend(quirks(self.index))
        lost = getattr(self.index.source, "lost", None)
        if lost and lost not in self.problems:
            self.problems.append(lost)


def files_from_tree(tree: object) -> list[LogFile]:
    """LogFiles for every member of every source in a discovery LogTree."""
    out: list[LogFile] = []
    for node in getattr(tree, "nodes", []):
        for component, sources in node.components.items():
            for src in sources:
                for member in src.members:
                    out.append(LogFile(Path(member), node.name, component, src.name))
    return out


def open_files(
    files: Iterable[LogFile], fmt_name: str | None = None, times: bool = True, build: bool = True
) -> list[LogFile]:
    fmt = get_format(fmt_name) if fmt_name else None
    result = []
    for lf in files:
        lf.open(fmt, times=times)
        if build:
            lf.build()
        result.append(lf)
    return result


def readable(files: Sequence[LogFile]) -> list[LogFile]:
    return [f for f in files if f.index is not None]

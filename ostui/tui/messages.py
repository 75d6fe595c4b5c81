"""Messages the workers post to the app: results flow up, only handlers touch widgets."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from textual.message import Message

from ..core.indexing.logset import LogFile
from ..core.live.follow import FileChange
from ..core.model import Record
from ..core.reading.discovery import LogTree
from ..core.stream.view import StreamView

if TYPE_CHECKING:
    from ..core.stream.skew import ClockSkew
    from .screens.clock import NodeClock


class SourcesLoaded(Message):
    """Discovery finished: the tree of logs and the files opened (sniffed, not indexed), and
    the first screen's (`previews`: big files' tails, small files indexed whole)."""

    def __init__(self, tree: LogTree, files: Sequence[LogFile], previews: Sequence[LogFile] = ()) -> None:
        super().__init__()
        self.tree = tree
        self.files = list(files)
        self.previews = list(previews)


class IndexProgress(Message):
    """Indexing advanced; only the newest one matters, so they coalesce."""

    def __init__(self, done_bytes: int, total_bytes: int, files_done: int, files_total: int) -> None:
        super().__init__()
        self.done_bytes = done_bytes
        self.total_bytes = total_bytes
        self.files_done = files_done
        self.files_total = files_total

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, IndexProgress)


class FileIndexed(Message):
    def __init__(self, file: LogFile) -> None:
        super().__init__()
        self.file = file


class IndexGrew(Message):
    """A part of a big file was joined to its index (the file's start is indexed so far)."""

    def __init__(self, file: LogFile) -> None:
        super().__init__()
        self.file = file


class IndexingDone(Message):
    pass


class ViewReady(Message):
    """A new filtered view of the stream is ready to show."""

    def __init__(
        self,
        view: StreamView,
        preview: bool = False,
        focus: tuple[LogFile, int] | None = None,
        growing: bool = False,
    ) -> None:
        """`preview`: the first screen; `growing`: a view of the logs indexed so far. Either
        is not wanted once the whole index is shown."""
        super().__init__()
        self.view = view
        self.preview = preview
        self.focus = focus
        self.growing = growing

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, ViewReady)


class FilesChanged(Message):
    """Followed files grew, rotated or appeared. Not coalesced: each carries changes."""

    def __init__(self, changes: Sequence[FileChange]) -> None:
        super().__init__()
        self.changes = list(changes)


class NewAlert(Message):
    """The first new ERROR, CRITICAL or 5xx after the last reproduction mark."""

    def __init__(self, file: LogFile, number: int, record: Record) -> None:
        super().__init__()
        self.file = file
        self.number = number
        self.record = record


class OlderFetched(Message):
    """Older parts of remote logs (heads before the backlog, rotated files), indexed."""

    def __init__(self, files: Sequence[LogFile], note: str) -> None:
        super().__init__()
        self.files = list(files)
        self.note = note


class ClocksEstimated(Message):
    """Each node's clock against the reference node (and its heartbeat offset)."""

    def __init__(self, clocks: Sequence[NodeClock], skews: Mapping[str, ClockSkew]) -> None:
        super().__init__()
        self.clocks = list(clocks)
        self.skews = dict(skews)


class WorkerFailed(Message):
    """A worker raised: the app's one handler says what stopped and what still works."""

    def __init__(self, group: str, error: BaseException | None) -> None:
        super().__init__()
        self.group = group
        self.error = error

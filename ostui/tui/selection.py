"""What the browser has selected: one record of one file, passed down to the detail pane."""

from __future__ import annotations

from dataclasses import dataclass

from ..core.indexing.logset import LogFile
from ..core.model import Record


@dataclass(frozen=True)
class Selection:
    """The selected record and the file it came from (node, component, path)."""

    file: LogFile
    record: Record

    def holds(self, file: LogFile, record: Record) -> bool:
        """Whether this is `record` of `file`, as it reads now (a record may grow)."""
        return self.file is file and (self.record.offset, self.record.text) == (record.offset, record.text)

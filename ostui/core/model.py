"""Plain dataclasses the engine returns: records, HTTP fields, tracebacks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from .levels import Level


@dataclass(slots=True)
class HttpInfo:
    """One HTTP exchange as an access line or a client transcript tells it."""

    method: str | None = None
    url: str | None = None
    status: int | None = None
    length: int | None = None
    duration: float | None = None  # seconds
    microversion: str | None = None
    client: str | None = None  # client address as logged
    protocol: str | None = None  # "HTTP/1.1"


@dataclass(slots=True)
class TracebackFrame:
    """One `File "...", line N, in func` entry and its source line."""

    path: str
    lineno: int
    function: str
    source: str | None = None


@dataclass(slots=True)
class TracebackSection:
    """One traceback of a chain: its frames and the exception that ended it.

    `chain` is the sentence that joined this section to the previous one
    ("During handling of the above exception, another exception occurred:"),
    None for the first section.
    """

    frames: list[TracebackFrame] = field(default_factory=list)
    exc_type: str = ""
    exc_message: str = ""
    chain: str | None = None


@dataclass(slots=True)
class Traceback:
    """A whole (possibly chained) Python traceback; the last section raised last."""

    sections: list[TracebackSection] = field(default_factory=list)

    @property
    def final(self) -> TracebackSection:
        return self.sections[-1]

    @property
    def frames(self) -> list[TracebackFrame]:
        return self.final.frames

    @property
    def exc_type(self) -> str:
        return self.final.exc_type

    @property
    def exc_message(self) -> str:
        return self.final.exc_message


@dataclass(slots=True)
class Record:
    """One log record, parsed on demand from the bytes the index points at.

    `text` is every line of the record as read (ANSI codes and CR removed);
    `message` is the first line's message; `body` holds the following lines
    with their repeated log prefixes removed (traceback lines, continued text).
    """

    source: str
    index: int
    offset: int
    level: Level
    text: str
    message: str
    timestamp: datetime | None = None
    body: list[str] = field(default_factory=list)
    logger: str | None = None
    pid: int | None = None
    host: str | None = None
    request_id: str | None = None
    global_request_id: str | None = None
    user: str | None = None
    project: str | None = None
    instance: str | None = None
    func: str | None = None
    code_path: str | None = None
    code_line: int | None = None
    http: HttpInfo | None = None
    traceback: Traceback | None = None
    request_ids: list[str] = field(default_factory=list)  # every req-/tx id in the text
    format: str = "text"
    key: int = 0  # sortable time key (see timekeys)
    truncated: int = 0  # bytes of an over-long record left out of `text`
    extra: dict[str, object] = field(default_factory=dict)  # format-specific fields

    def headline(self) -> tuple[str, list[str]]:
        """The line that says what the record is, and the body lines after it: the message,
        or the first non-blank body line when the message is empty (neutron logs a failed
        command as `ERROR ... [req-...] ` then `Command: ...` on the next line)."""
        if self.message.strip():
            return self.message, self.body
        for n, line in enumerate(self.body):
            if line.strip():
                return line, self.body[n + 1 :]
        return self.message, self.body

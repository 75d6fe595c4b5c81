"""Worker failures, never silent: every widget that runs workers forwards their failure
to the app, whose one handler (`OstuiApp.on_worker_failed`) tells the user."""

from __future__ import annotations

from textual.message_pump import MessagePump
from textual.worker import Worker, WorkerState

from .messages import WorkerFailed

# What each worker group does, in the words the user sees when it stops.
WORK_NAMES = {
    "discover": "finding the logs",
    "index": "indexing",
    "requests": "the request index",
    "clock": "comparing clocks",
    "follow": "following the files",
    "older": "fetching older logs",
    "view": "building the stream",
    "client-call": "opening the client's call",
    "watch": "watching the nodes",
    "faults": "matching known faults",
    "detail-story": "finding the request's story",
    "detail-report": "writing the report",
    "fault-match": "matching the record to a known fault",
    "traceback-source": "reading source lines",
}


def what_failed(group: str) -> str:
    return WORK_NAMES.get(group, group or "a background task")


def forward_failure(node: MessagePump, event: Worker.StateChanged) -> None:
    """Post a `WorkerFailed` for a worker that ended in error (bubbles up to the app)."""
    if event.state == WorkerState.ERROR:
        worker = event.worker
        node.post_message(WorkerFailed(worker.group or worker.name, worker.error))


class ForwardsWorkerFailures:
    """Mixin for widgets and screens that run workers: their failures reach the app."""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        assert isinstance(self, MessagePump)
        forward_failure(self, event)

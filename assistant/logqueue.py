"""Log output off the event loop: the handlers of the service's loggers move behind a queue.

A record is created (and masked, see assistant/security/pii.py) where it is logged; formatting and
writing it — the part that can block on a slow terminal, pipe or disk — happen in a listener thread.
``QueueHandler.prepare`` is overridden to pass the record itself: the stock one formats it into
``msg`` and drops ``args``, which uvicorn's access-log formatter unpacks.
"""

from __future__ import annotations

import atexit
import logging
import logging.handlers
import queue

# The loggers whose handlers write the service's output (uvicorn configures its own two).
SERVICE_LOGGERS = ("", "uvicorn", "uvicorn.access")

_listeners: list[logging.handlers.QueueListener] = []


class _PassThroughQueueHandler(logging.handlers.QueueHandler):
    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        return record  # same process: no pickling, the target handlers format it


def install_log_queue(names: tuple[str, ...] = SERVICE_LOGGERS) -> None:
    """Put each logger's handlers behind its own queue and listener thread (idempotent)."""
    for name in names:
        logger = logging.getLogger(name)
        handlers = [h for h in logger.handlers if not isinstance(h, logging.handlers.QueueHandler)]
        if not handlers:
            continue
        q: queue.SimpleQueue[logging.LogRecord] = queue.SimpleQueue()
        listener = logging.handlers.QueueListener(q, *handlers, respect_handler_level=True)
        for h in handlers:
            logger.removeHandler(h)
        logger.addHandler(_PassThroughQueueHandler(q))
        listener.start()
        _listeners.append(listener)


def stop_log_queue() -> None:
    """Flush and stop the listeners (what is queued is written first)."""
    while _listeners:
        _listeners.pop().stop()


atexit.register(stop_log_queue)

"""A stream read while its consumer is busy: its items in batches of what has arrived.

`status -w` redraws 10,000 rows (~0.3 s) per change; a pod that ends makes two or
three watch events, so under churn one redraw per event falls minutes behind. Read by
a thread, the events that came during a redraw are applied together before the next.
"""
from __future__ import annotations

import queue
import threading
from typing import Iterator, TypeVar

T = TypeVar("T")
_END = object()


class _Raised:
    """An exception of the reading thread, raised again in the consumer's."""

    def __init__(self, error: BaseException) -> None:
        self.error = error


def batches(items: Iterator[T]) -> Iterator[list[T]]:
    """items in lists: the next one waited for, then every other already read.

    An exception of the iterator is raised here once the items before it are handed
    over; a consumer that stops early leaves the thread to end with the stream."""
    arrived: queue.Queue[object] = queue.Queue()

    def read() -> None:
        try:
            for item in items:
                arrived.put(item)
        except BaseException as e:  # noqa: B036 - raised in the consumer's thread
            arrived.put(_Raised(e))
        arrived.put(_END)

    threading.Thread(target=read, name="stream", daemon=True).start()
    while True:
        got = [arrived.get()]
        while True:
            try:
                got.append(arrived.get_nowait())
            except queue.Empty:
                break
        for n, item in enumerate(got):
            if item is _END or isinstance(item, _Raised):
                if n:
                    yield got[:n]  # type: ignore[misc]
                if isinstance(item, _Raised):
                    raise item.error
                return
        yield got  # type: ignore[misc]

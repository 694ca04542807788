"""batches(): a stream's items grouped by what arrived while the consumer was busy."""
import threading
import time

import pytest

from kubectl_ijob.commands.stream import batches


def test_what_arrives_during_a_slow_step_comes_as_one_batch():
    first_taken = threading.Event()

    def stream():
        yield 1
        first_taken.wait(5)
        yield from (2, 3, 4)

    got = []
    for batch in batches(stream()):
        got.append(batch)
        if batch == [1]:
            first_taken.set()
            time.sleep(0.3)  # a redraw: 2, 3 and 4 arrive meanwhile
    assert got == [[1], [2, 3, 4]]


def test_an_error_comes_after_the_items_before_it():
    def stream():
        yield "a"
        yield "b"
        raise ConnectionError("dropped")

    seen = []
    with pytest.raises(ConnectionError, match="dropped"):
        for batch in batches(stream()):
            seen += batch
    assert seen == ["a", "b"]


def test_an_empty_stream_gives_no_batch():
    assert list(batches(iter(()))) == []

"""Progress for long keyword-spotting work, without tying the library to a terminal.

Long loops (reading a data set, speaking clips, training epochs) take a
``Bar``: called with the number of steps and a label, it returns a context
that yields an ``advance(steps)`` function. The command line passes bars
drawn on stderr; library callers and tests pass nothing and get ``no_bar``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

Advance = Callable[[int], None]
Bar = Callable[[int, str], AbstractContextManager[Advance]]


@contextmanager
def no_bar(length: int, label: str) -> Iterator[Advance]:
    """A bar that shows nothing."""
    yield lambda steps: None

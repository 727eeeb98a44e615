"""When a listed image may be captioned: not before we know what alt text it already has.

The scanner lists a folder first and reads each file's existing alt text afterwards
(``capdesk.jobs.scanner``), so an image can be in the window before we know whether a
person already described it. With "leave images that already have alt text uncaptioned"
on (the default), queueing it at that point could caption over that description; waiting
for the whole folder's reads would make the first images wait. This gate queues each image
as soon as *its own* read says it has no alt text.

Plain Python (no Qt): the controller feeds it the scanner's signals and acts on its answers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class AltTextGate:
    """Remembers which images are listed but unread, and which of them wait to be queued."""

    _unread: set[Path] = field(default_factory=set)
    _waiting: set[Path] = field(default_factory=set)

    def listed(self, paths: Iterable[Path], *, caption: bool, keep_existing: bool) -> list[Path]:
        """New images appeared; returns those to queue now (the others wait for their read)."""
        paths = list(paths)
        self._unread.update(paths)
        if not caption:
            return []
        if keep_existing:
            self._waiting.update(paths)
            return []
        return paths

    def read(
        self, paths: Iterable[Path], existing: dict[Path, str], *, keep_existing: bool
    ) -> tuple[dict[Path, str], list[Path]]:
        """Alt text of ``paths`` is known; returns (texts to show, images to queue now).

        Only images still unread count: a path listed again by a later drop was already
        settled by its first read.
        """
        fresh = [p for p in paths if p in self._unread]
        self._unread.difference_update(fresh)
        found = {p: existing[p] for p in fresh if p in existing}
        ready = [p for p in fresh if p in self._waiting and not (keep_existing and p in found)]
        self._waiting.difference_update(fresh)
        return found, ready

    def defer(self, paths: Iterable[Path], *, keep_existing: bool) -> list[Path]:
        """A person asked to caption ``paths``; returns those to queue now and keeps the
        unread ones for their read when existing alt text is to be kept."""
        paths = list(paths)
        if not keep_existing:
            return paths
        unread = [p for p in paths if p in self._unread]
        self._waiting.update(unread)
        return [p for p in paths if p not in self._unread]

    def forget(self, paths: Iterable[Path]) -> None:
        """Images left the list: their reads no longer matter."""
        gone = set(paths)
        self._unread -= gone
        self._waiting -= gone

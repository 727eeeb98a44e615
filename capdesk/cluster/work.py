"""What runs inside a worker: one Captioner per process, batches of paths in, rows out.

Workers send back :class:`~capdesk.domain.CaptionRecord` rows, not engine results:
a row is a few hundred bytes, while a result carries attention maps the table never
shows, and result traffic is what limits a big cluster (docs/SCALING.md).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from capdesk.domain import CaptionRecord
from capdesk.engine import Captioner
from capdesk.export import result_record

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WorkSettings:
    """How every worker builds its captioner and captions a batch (picklable, small)."""

    model_dir: str
    provider: str = "cpu"
    threads: int | None = 1
    beam: int | None = None
    batch: int = 8
    #: Language codes to caption in (None: the model's default).
    languages: tuple[str, ...] | None = None

    def captioner(self) -> Captioner:
        return Captioner(Path(self.model_dir), provider=self.provider, threads=self.threads,
                         languages=self.languages)


def caption_records(captioner: Captioner, paths: list[str], settings: WorkSettings
                    ) -> list[CaptionRecord]:
    """Caption one task's paths (read here, inside the worker) into rows, in order."""
    results = captioner.caption_paths([Path(p) for p in paths], beam_size=settings.beam,
                                      batch_size=max(1, settings.batch))
    return [result_record(result, captioner.model_name) for result in results]


def failed_records(paths: list[str], error: str) -> list[CaptionRecord]:
    """Rows for a batch that could not be captioned at all (its worker kept dying)."""
    return [CaptionRecord(path=Path(p), caption="", error=error) for p in paths]


# --- one captioner per local process (ProcessPoolExecutor initializer) -----------------

_captioner: Captioner | None = None
_settings: WorkSettings | None = None


def init_process(settings: WorkSettings) -> None:
    """Pool initializer: load the model once for the life of this process."""
    global _captioner, _settings  # noqa: PLW0603 - one model per worker process, by design
    _settings = settings
    _captioner = settings.captioner()


def process_batch(index: int, paths: list[str]) -> tuple[int, list[CaptionRecord]]:
    """A pool task: caption ``paths`` with this process's captioner."""
    if _captioner is None or _settings is None:
        raise RuntimeError("worker process was not initialised")
    return index, caption_records(_captioner, paths, _settings)

"""What an export would change, worked out before anything is written.

An export must never change what the person did not ask to change. Three rules, checked
here without Qt so the Export dialog, the command line and :func:`export_records` itself
apply the same ones:

* a copy, sidecar or table is never written over one of the photos being exported
  (copies into the photos' own folder would otherwise *be* the originals): refused;
* a file that already exists (a CSV, a sidecar, an earlier copy) is replaced only when
  the options say so (``replace_existing``; the dialog asks, the CLI has ``--replace``);
* writing into the originals is visible in advance: how many will change and how many
  of those captions nobody has reviewed, so the dialog can say so before it starts.

Files are compared by device and inode (``os.stat``), so a symlink, a hard link, a
differently-cased name on a case-insensitive disk or a bind mount still counts as the
same file.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from capdesk.domain.records import CaptionRecord
from capdesk.export.alt_text import has_alt_text
from capdesk.export.options import ExportFormat, ExportOptions
from capdesk.export.sidecars import sidecar_path

COPY_FOLDER_NAME = "captioned"
"""Subfolder the Export dialog proposes when the photos' own folder would be the default."""

_SHOWN = 3


class ExportRefused(ValueError):
    """The export would overwrite an original or an existing file without permission.

    A ValueError, like other options that don't fit together: nothing has been written.
    """


@dataclass(frozen=True)
class ExportPlan:
    """The files an export would touch, by kind (see the module docstring).

    ``changed_originals``: photos whose own bytes get the alt text (in place only);
    ``unreviewed``: those of them whose caption nobody has reviewed;
    ``existing``: other files that exist and would be replaced;
    ``onto_inputs``: targets that are one of the photos being exported (always refused);
    ``clashes``: targets two different photos would both write;
    ``skipped``: photos left alone because they already have alt text (when asked),
    unless the person edited their caption: an edit is newer words on purpose.
    """

    changed_originals: tuple[Path, ...] = ()
    unreviewed: tuple[Path, ...] = ()
    existing: tuple[Path, ...] = ()
    onto_inputs: tuple[Path, ...] = ()
    clashes: tuple[Path, ...] = ()
    skipped: frozenset[Path] = frozenset()

    def refusal(self) -> str | None:
        """Why this export must not run at all, or None."""
        if not self.onto_inputs:
            return None
        folders = sorted({str(p.parent) for p in self.onto_inputs})
        return (
            f"The export would write over {_count(self.onto_inputs, 'original photo')} "
            f"({_names(self.onto_inputs)}) in {', '.join(folders)}. Choose another "
            f"destination folder (for example a '{COPY_FOLDER_NAME}' subfolder), or write "
            "into the originals on purpose."
        )

    def clash_message(self) -> str:
        """Files two photos would both write, or ''. :func:`export_records` fails the
        second photo of each pair; the command line, which exports photo by photo as it
        captions, refuses up front instead."""
        if not self.clashes:
            return ""
        return (
            f"Different photos would write the same {_count(self.clashes, 'file')} "
            f"({_names(self.clashes)}); export them to separate folders."
        )

    def existing_message(self) -> str:
        """``"3 files already exist (a.csv, b.txt, c.jpg) and would be replaced."``, or ''."""
        if not self.existing:
            return ""
        verb = "exists" if len(self.existing) == 1 else "already exist"
        return (
            f"{_count(self.existing, 'file')} {verb} ({_names(self.existing)}) "
            "and would be replaced."
        )

    def in_place_message(self) -> str:
        """``"Write alt text into 12 original files? 3 of these captions …"``, or ''."""
        if not self.changed_originals:
            return ""
        text = f"This changes {_count(self.changed_originals, 'original file')}."
        if self.unreviewed:
            text += f" {len(self.unreviewed)} of these captions nobody has reviewed yet."
        else:
            text += " Every one of these captions has been reviewed."
        return text

    def check(self, *, replace_existing: bool) -> None:
        """Raise :class:`ExportRefused` unless the export may run as planned."""
        refusal = self.refusal()
        if refusal:
            raise ExportRefused(refusal)
        if self.existing and not replace_existing:
            raise ExportRefused(
                f"{self.existing_message()} Nothing was written; allow replacing them "
                "(the dialog asks, --replace on the command line) or choose another destination."
            )


def _count(paths: Sequence[Path], noun: str) -> str:
    return f"{len(paths)} {noun}{'' if len(paths) == 1 else 's'}"


def _names(paths: Sequence[Path]) -> str:
    names = ", ".join(p.name for p in paths[:_SHOWN])
    return names + (f" and {len(paths) - _SHOWN} more" if len(paths) > _SHOWN else "")


def _file_id(path: Path) -> tuple[int, int] | None:
    """(device, inode) of the file ``path`` names now or will name once its folders exist.

    ``out/new/../a.jpg`` does not resolve while ``new`` is missing, but the export creates
    ``new`` first and then writes ``out/a.jpg``; the lexically normalised path says that.
    """
    for candidate in (path, Path(os.path.normpath(path.absolute()))):
        try:
            info = candidate.stat()
        except OSError:
            continue
        return (info.st_dev, info.st_ino)
    return None


def not_captioned(record: CaptionRecord) -> bool:
    """An image the model could not caption (``error`` set, no caption).

    Its row, with the error, goes into CSV and JSON Lines so a table accounts for every
    image; nothing is written into or beside the photo, and the HTML page leaves it out
    (an empty ``alt`` would tell a screen reader the image is decorative).
    """
    return record.error is not None and not record.caption.strip()


def onto_photos(targets: Iterable[Path], photos: Iterable[Path]) -> list[Path]:
    """The ``targets`` that are (the same file as) one of ``photos``."""
    inputs = {fid for photo in photos if (fid := _file_id(photo))}
    return [target for target in targets if _file_id(target) in inputs]


def further_languages(record: CaptionRecord) -> tuple[str, ...]:
    """The codes of a record's languages after the first: each gets its own sidecar."""
    return tuple(entry.language.code for entry in record.texts[1:])


def image_targets(
    image: Path, options: ExportOptions, languages: Sequence[str] = ()
) -> list[tuple[ExportFormat, Path]]:
    """The per-image files ``options`` write for ``image``, in the order they are written;
    ``languages`` (:func:`further_languages`) add ``photo.<code>.txt`` sidecars."""
    targets: list[tuple[ExportFormat, Path]] = []
    for fmt in options.image_formats:
        if fmt is ExportFormat.SIDECAR:
            for lang in (None, *languages):
                folder = options.output_dir
                path = sidecar_path(image, options.sidecar_extension, folder=folder, lang=lang)
                targets.append((fmt, path))
        else:
            targets.append(
                (fmt, image if options.output_dir is None else options.output_dir / image.name)
            )
    return targets


def plan_export(records: Iterable[CaptionRecord], options: ExportOptions) -> ExportPlan:
    """What exporting ``records`` with ``options`` would write, replace or refuse.

    Reads only file metadata (``stat``) and, with ``skip_existing_alt_text``, whether an
    image already has alt text, so it can run in the dialog before the export starts.
    """
    items = list(records)
    inputs = {fid: record.path for record in items if (fid := _file_id(record.path))}
    changed: list[Path] = []
    unreviewed: list[Path] = []
    existing: list[Path] = []
    onto_inputs: list[Path] = []
    clashes: list[Path] = []
    skipped: set[Path] = set()
    owners: dict[Path, Path] = {}

    def consider(target: Path, owner: Path | None, *, own_sidecar_ok: bool = False) -> None:
        key = target.absolute()
        if owner is not None and owners.setdefault(key, owner) != owner:
            clashes.append(target)
            return
        fid = _file_id(target)
        if fid is None:
            return
        if fid not in inputs:
            existing.append(target)
        elif not (own_sidecar_ok and owner is not None and fid == _file_id(owner)):
            onto_inputs.append(target)
        # else: a sidecar named like its own image (notes.txt); write_sidecar refuses
        # that one image with a message, the rest of the export goes on.

    for record in items:
        targets = image_targets(record.path, options, further_languages(record))
        if not targets or not_captioned(record):
            continue
        if options.skip_existing_alt_text and not record.edited and has_alt_text(record.path):
            skipped.add(record.path)
            continue
        for fmt, target in targets:
            if fmt is ExportFormat.ALT_TEXT and options.in_place:
                changed.append(record.path)
                if not (record.reviewed or record.edited):
                    unreviewed.append(record.path)
                continue
            consider(target, record.path, own_sidecar_ok=fmt is ExportFormat.SIDECAR)
    for fmt in options.table_formats:
        consider(options.table_path(fmt), None)
    return ExportPlan(
        tuple(changed),
        tuple(unreviewed),
        tuple(existing),
        tuple(onto_inputs),
        tuple(clashes),
        frozenset(skipped),
    )


def unreviewed_flagged(records: Iterable[CaptionRecord]) -> tuple[Path, ...]:
    """Photos whose caption the engine flagged (docs/TRUST.md) and nobody reviewed.

    Exporting them publishes alt text that is likely wrong, so the Export dialog asks
    first; plain values in, so the command line can apply the same count.
    """
    return tuple(r.path for r in records if r.flags and not (r.reviewed or r.edited))


def flagged_message(paths: Sequence[Path]) -> str:
    """``"3 captions are flagged and nobody reviewed them (a.jpg, …) — export anyway?"``,
    or '' when there are none."""
    if not paths:
        return ""
    verb = "caption is" if len(paths) == 1 else "captions are"
    pronoun = "it" if len(paths) == 1 else "them"
    return (
        f"{len(paths)} {verb} flagged and nobody reviewed {pronoun} ({_names(paths)}) "
        "— export anyway?"
    )


def default_destination(records: Iterable[CaptionRecord], folder: Path) -> Path:
    """``folder``, or its ``captioned`` subfolder when ``folder`` holds any of the photos.

    The Export dialog starts in the last opened folder; copies written there would be the
    originals themselves, so the proposed destination moves one level down instead.
    """
    target = _file_id(folder)
    if target is not None and any(_file_id(r.path.parent) == target for r in records):
        return folder / COPY_FOLDER_NAME
    return folder

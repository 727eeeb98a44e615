"""The caption library: every caption, edit, review and export kept in one SQLite file.

No Qt here (the app and the command line share it) and nothing from engine, jobs or ui:
it sits beside :mod:`capdesk.export` and uses only :mod:`capdesk.domain`. See
docs/adr/0007-caption-library-in-sqlite.md. Typical use::

    with Library.open() as library:            # default file, or Library.open(path)
        known = library.lookup(paths)          # {path: KnownCaption} unchanged, captioned
        library.record_caption(path, "a dog on the beach", score=-0.4, model_name="m")
        library.record_edit(path, "my dog Rex on the beach")
        hits = library.search("dog beach")
"""

from capdesk.library.errors import LibraryCorrupted, LibraryError
from capdesk.library.paths import data_folder, default_library_path, fingerprint, path_key
from capdesk.library.records import LIBRARY_PROVIDER, FolderCounts, KnownCaption
from capdesk.library.schema import SCHEMA_VERSION
from capdesk.library.store import Library

__all__ = [
    "LIBRARY_PROVIDER",
    "SCHEMA_VERSION",
    "FolderCounts",
    "KnownCaption",
    "Library",
    "LibraryCorrupted",
    "LibraryError",
    "data_folder",
    "default_library_path",
    "fingerprint",
    "path_key",
]

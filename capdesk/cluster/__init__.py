"""The same captioning spread over processes or a Dask cluster (``--workers``, ``--cluster``).

Why a package of its own: the command line stays a plain in-process run by default, and
the distributed path only changes *where* batches are captioned, never what a row says.
Workers build their rows with :func:`capdesk.cluster.work.caption_records` (one
``Captioner`` per process, loaded once); the parent writes them through the same
:mod:`capdesk.export.tables` writers, in input order, and records them in the library.
No Qt here; dask is imported only when ``--cluster`` is used (``capdesk[cluster]``).
"""

from capdesk.cluster.work import WorkSettings, caption_records

__all__ = ["WorkSettings", "caption_records"]

"""The engine's errors about model folders, in one module every engine module can import."""

from __future__ import annotations


class ModelError(Exception):
    """The model folder is missing, incomplete or corrupt; the message says what to do."""

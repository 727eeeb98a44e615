"""ONNX Runtime sessions, and the truth about which provider runs them.

onnxruntime quietly falls back to the CPU when the CUDA libraries are missing or the
wrong version, so the provider asked for is not evidence of the provider in use; after
creating a session we read back what it actually registered.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import onnxruntime as ort

from capdesk.domain import usable_cpu_count
from capdesk.domain.decoding import PROVIDER_CHOICES

log = logging.getLogger(__name__)

_CUDA = "CUDAExecutionProvider"
_CPU = "CPUExecutionProvider"


class ProviderError(Exception):
    """The provider the user insisted on cannot run here."""


def _providers_for(choice: str) -> list[str]:
    if choice not in PROVIDER_CHOICES:
        raise ValueError(f"provider must be one of {PROVIDER_CHOICES}, not {choice!r}")
    available = ort.get_available_providers()
    if choice == "cpu":
        return [_CPU]
    if choice == "cuda" and _CUDA not in available:
        raise ProviderError(
            "CUDA was requested but this onnxruntime build has no CUDA provider "
            "(install onnxruntime-gpu and the CUDA runtime, or choose Auto/CPU)."
        )
    return [_CUDA, _CPU] if _CUDA in available else [_CPU]


def provider_name(session: ort.InferenceSession) -> str:
    """"cuda" or "cpu": the first provider the session really registered."""
    active = session.get_providers()
    return "cuda" if active and active[0] == _CUDA else "cpu"


def _default_threads() -> int | None:
    """The cores this process may use when that differs from the machine's count (a
    container's CPU set, ``taskset``, ``$CAPDESK_THREADS``); else None, leaving ONNX
    Runtime's own choice (one thread per physical core, skipping SMT siblings, which is
    faster for GEMM) instead of one thread per cores the process cannot run on."""
    usable = usable_cpu_count()
    return usable if usable != (os.cpu_count() or usable) else None


def create_session(
    path: Path, provider: str = "auto", threads: int | None = None
) -> ort.InferenceSession:
    """One session per graph, to be created once and reused for every batch."""
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    threads = threads or _default_threads()
    if threads:
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
    options.log_severity_level = 3
    # Idle worker threads sleep instead of spinning. Between two decode steps the beam
    # search runs in numpy on the calling thread, and photos are decoded on another; on
    # a 2-core machine spinning workers took the cores from both (25.1-26.0 -> 28.8-29.5 images/s
    # end to end with the four-member model, docs/PERFORMANCE.md).
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    session = ort.InferenceSession(str(path), options, providers=_providers_for(provider))
    actual = provider_name(session)
    if provider == "cuda" and actual != "cuda":
        raise ProviderError(
            "CUDA was requested but onnxruntime fell back to the CPU (the CUDA or cuDNN "
            "libraries did not load); choose Auto or CPU, or fix the CUDA installation."
        )
    log.info("loaded %s on %s (registered: %s)", path.name, actual, session.get_providers())
    return session

"""Shared by the library tests: photos on disk and the command line in a child process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO, write_photo


def photos(folder: Path, count: int, prefix: str = "photo", seed: int = 0) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return [write_photo(folder / f"{prefix}{i:04d}.jpg", size=(32, 24), seed=seed + i)
            for i in range(count)]


def cli_env(model: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONIOENCODING": "utf-8", "CAPDESK_MODEL_DIR": str(model),
            "PYTHONPATH": str(REPO)}


def start_cli(*args: str, model: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "capdesk", *args], stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, env=cli_env(model), cwd=REPO,
    )


def run_cli(*args: str, model: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "capdesk", *args], capture_output=True, text=True,
        env=cli_env(model), cwd=REPO, timeout=300, check=False,
    )

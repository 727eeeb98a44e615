"""Thread counts start from the cores this process may use, not the machine's count."""

from __future__ import annotations

import os

import pytest

from capdesk.domain import system, usable_cpu_count


def test_affinity_wins_over_the_machine_count(monkeypatch):
    monkeypatch.delenv(system.THREADS_ENV, raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 64)
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {3, 5, 7}, raising=False)
    assert usable_cpu_count() == 3


def test_machine_count_where_affinity_does_not_exist(monkeypatch):
    monkeypatch.delenv(system.THREADS_ENV, raising=False)
    monkeypatch.delattr(os, "sched_getaffinity", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 6)
    assert usable_cpu_count() == 6
    monkeypatch.setattr(os, "cpu_count", lambda: None)  # "undeterminable" per the docs
    assert usable_cpu_count() == 1


def test_environment_override(monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 1, 2, 3}, raising=False)
    monkeypatch.setenv(system.THREADS_ENV, "2")
    assert usable_cpu_count() == 2


@pytest.mark.parametrize("value", ["0", "-1", "many"])
def test_invalid_override_is_ignored(monkeypatch, caplog, value):
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 1, 2, 3}, raising=False)
    monkeypatch.setenv(system.THREADS_ENV, value)
    assert usable_cpu_count() == 4
    assert system.THREADS_ENV in caplog.text

"""Shared fixtures. Every test runs in its own temporary directory; nothing touches the network."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

import custodia


def repo_root() -> Path:
    """The checkout this test file sits in (bindings/python/tests -> repo)."""
    return Path(__file__).resolve().parents[3]


@pytest.fixture
def no_leaks():
    """Fail a test that leaves library handles or buffers live that it did not find live."""
    gc.collect()
    before = custodia.live_counts()
    yield
    gc.collect()
    assert custodia.live_counts() == before


@pytest.fixture
def anna():
    with custodia.Actor("anna", "prosecutor", "DE", custodia.Classification.SECRET) as actor:
        yield actor

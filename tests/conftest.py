"""Shared test fixtures: where the real data lives, and skipping cleanly where it does not."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DATA_DIR = Path(os.environ.get("LOGSIEVE_DATA_DIR", REPO.parent / "shared" / "data"))


def data_path(*parts: str) -> Path:
    """A path under ../shared/data; skips the test with the reason when it is absent."""
    p = DATA_DIR.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"real data not available: {p} (set LOGSIEVE_DATA_DIR)")
    return p


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return data_path()

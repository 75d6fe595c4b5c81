from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
REAL = DATA / "real"
SEED = DATA / "seed"
SEED_REQUEST = "req-e359221b-6be3-4ac2-bb55-5310f5bb0bb2"


@pytest.fixture
def data_dir() -> Path:
    return DATA

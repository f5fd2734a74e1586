"""Where the real Kraken captures are: ../shared/fixtures (see each .source.txt).

shared/ sits beside the repository, as CI lays it out; ``KRAKEN_FIXTURES`` overrides it
(a clone elsewhere). A missing capture fails the test: the captures are the point.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

_BESIDE_REPO = Path(__file__).resolve().parents[2] / "shared" / "fixtures"
FIXTURES = Path(os.environ.get("KRAKEN_FIXTURES", _BESIDE_REPO))


def capture_path(name: str) -> Path:
    path = FIXTURES / name
    if not path.exists():
        pytest.fail(f"fixture {path} not found (set KRAKEN_FIXTURES to shared/fixtures)")
    return path


def docs_examples() -> dict[str, Any]:
    """Kraken's own documented examples (checksums, the REST signature)."""
    return json.loads(capture_path("kraken-docs-examples.json").read_text())

"""Shared pytest set-up: the repository root on sys.path so tests can import
`examples.kws` (pytest itself puts tests/ on the path, so test helpers are imported as `modelgen`, `bitexact`)."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

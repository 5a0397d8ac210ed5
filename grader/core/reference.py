"""The reference solutions, imported by path in the grader's process (trusted code).

Used by the checks (the ``reference`` fixture of :mod:`grader.core.runner`), by
``pixelgrade show`` and by the misconception catalog's tests; one module each,
imported once per process.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from grader.core import catalog

_REFERENCES: dict[str, object] = {}


def load_reference(name: str, solutions_dir: Path | None = None):
    """The reference solution module of exercise ``name`` (``solutions/<name>.py``), imported by path."""
    path = (solutions_dir or catalog.active().solutions_dir) / f"{name}.py"
    key = str(path)
    if key not in _REFERENCES:
        spec = importlib.util.spec_from_file_location(f"pixelgrade_reference_{name}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _REFERENCES[key] = module
    return _REFERENCES[key]

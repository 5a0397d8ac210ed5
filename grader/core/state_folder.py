"""The ``.pixelgrade`` folder beside a target: where the tools keep what they write for it.

A learner's progress (:mod:`grader.learning.state`), the failure pictures
(:mod:`grader.kit.pictures`) and ``pixelgrade show``'s drawings all go there, so it is
named once, here, below every one of them. ``PIXELGRADE_STATE_DIR`` (or a tool's
``--state DIR``) puts it elsewhere.
"""

from __future__ import annotations

import os
from pathlib import Path

STATE_DIR_ENV = "PIXELGRADE_STATE_DIR"


def state_dir(target: str | Path = "exercises", override: str | Path | None = None) -> Path:
    """The ``.pixelgrade`` folder for ``target``: ``override``, else $PIXELGRADE_STATE_DIR, else next to it."""
    if override:
        return Path(override)
    if os.environ.get(STATE_DIR_ENV):
        return Path(os.environ[STATE_DIR_ENV])
    return Path(target).resolve().parent / ".pixelgrade"

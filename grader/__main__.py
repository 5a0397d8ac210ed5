"""``python -m grader``: the same as the ``pixelgrade`` command."""

import os
import sys

# `python -m grader` puts the working folder first on sys.path; run inside a submission's folder, the
# grader would import that learner's modules (a `hypothesis.py`) in its own process, outside any
# sandbox. The `pixelgrade` command never does: neither does this.
if sys.path and sys.path[0] in ("", os.getcwd()):
    del sys.path[0]

from grader.cli.main import main  # noqa: E402 - after sys.path is cleaned, on purpose

if __name__ == "__main__":  # not when a spawned grading process imports it (grader.core.parallel)
    sys.exit(main())

"""``python -m grader``: the same as the ``pixelgrade`` command."""

import sys

from grader.cli.main import main

if __name__ == "__main__":  # not when a spawned grading process imports it (grader.core.parallel)
    sys.exit(main())

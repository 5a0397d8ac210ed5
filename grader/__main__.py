"""``python -m grader``: the same as the ``pixelgrade`` command."""

import sys

from grader.cli.main import main

sys.exit(main())

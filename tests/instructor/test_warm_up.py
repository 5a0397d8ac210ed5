"""A batch's fork server warms up for the course it grades: the course's ``warm_up`` hook, once."""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import COURSE, PROJECT_ROOT

PROBE = """
import sys
import grader.instructor.batch.child  # the fork server's preload: warms up when PIXELGRADE_FORKSERVER=1
from imagecourse import samples
print(all(name in sys.modules for name in ("skimage.filters", "imagecourse.strategies")),
      samples.sample.cache_info().currsize == len(samples.IMAGES))
"""


def test_the_fork_server_imports_and_loads_what_the_courses_hook_names(tmp_path):
    env = {**os.environ, "PIXELGRADE_FORKSERVER": "1", "PIXELGRADE_COURSE": str(COURSE.catalog_file),
           "PYTHONPATH": str(PROJECT_ROOT)}
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "True"], done.stdout + done.stderr

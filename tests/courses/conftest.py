"""The courses under tests/courses are graded by the engine, not collected by the project's pytest.

Their ``test_*.py`` files are checks (they need the grader's ``learner`` and ``reference``
fixtures): the tests grade them through ``pixelgrade`` (tests/engine/test_any_course.py).
"""

collect_ignore_glob = ["*"]

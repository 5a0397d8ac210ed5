"""Running untrusted learner code in a separate worker process.

`client` (grader side) starts and feeds workers, `processes` supervises them (and a
batch's grading children); `worker` is the program that runs in the child; `wire` is
the pickle-free format that carries data between them, in the length-prefixed frames
of `frames` (which also signs a batch child's result).
"""

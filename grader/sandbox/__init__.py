"""Running untrusted learner code in a separate worker process.

`client` (grader side) starts and supervises workers; `worker` is the program that
runs in the child; `wire` is the pickle-free format that carries data between them.
"""

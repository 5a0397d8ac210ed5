"""Read files the grader keeps outside the worker's copy (a planted secret, the references, the digits)."""

from _common import outcome


def attack(paths):
    """{path: the first bytes it read, or the error that stopped it}."""
    seen = {}
    for path in paths:
        found = []

        def read(path=path, found=found):
            with open(path, "rb") as file:
                found.append(file.read(200).decode("utf-8", "replace"))

        result = outcome(read)
        seen[path] = "read: " + found[0] if found else result
    return seen

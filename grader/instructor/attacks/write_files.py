"""Create files outside the scratch folder: a world-writable folder, the temporary folder, beside its stage."""

import os

from _common import outcome


def attack(paths, token):
    """{path: "done" or the error that stopped it}, for each file it tried to create.

    A path that starts with ``{stage}`` lies in the folder that holds its scratch folder.
    """
    stage = os.path.dirname(os.path.abspath(os.environ.get("HOME", ".")))
    results = {}
    for path in paths:
        path = path.replace("{stage}", stage, 1)

        def create(path=path):
            with open(path, "x") as file:
                file.write(token)

        results[path] = outcome(create)
    return results

"""Read /proc files that show other processes' secrets or the machine's sockets."""


def attack(paths):
    """{path: what it read (cut), or the error that stopped it}."""
    seen = {}
    for path in paths:
        try:
            with open(path, "rb") as file:
                seen[path] = "read: " + file.read(64 * 1024).decode("utf-8", "replace")
        except OSError as error:
            seen[path] = type(error).__name__
    return seen

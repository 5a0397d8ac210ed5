"""Fill the disk from the scratch folder: 2 GiB in files of 128 MiB each (fallocate, or writes where it is refused).

Many files below the file-size limit, not one above it: a limit per file alone would let
them all through.
"""

import errno
import os

CHUNK = 64 * 1024 * 1024
FILE_BYTES = 128 * 1024 * 1024


def _fill(fd, size):
    try:
        os.posix_fallocate(fd, 0, size)
    except OSError as error:
        if error.errno not in (errno.EOPNOTSUPP, errno.EINVAL):
            raise
        block = b"\x01" * CHUNK  # no fallocate here: write it instead
        for _ in range(size // CHUNK):
            os.write(fd, block)


def attack(total_bytes):
    """{"result": "done" or the error, "allocated": bytes its files really hold}."""
    folder = os.environ.get("TMPDIR") or os.environ.get("HOME") or os.getcwd()
    result, allocated = "done", 0
    for number in range(max(1, total_bytes // FILE_BYTES)):
        try:
            fd = os.open(os.path.join(folder, f"filler-{number}.bin"), os.O_CREAT | os.O_WRONLY, 0o600)
        except OSError as error:
            return {"result": type(error).__name__, "allocated": allocated}
        try:
            _fill(fd, FILE_BYTES)
        except OSError as error:
            result = errno.errorcode.get(error.errno or 0, type(error).__name__)
        finally:
            allocated += os.fstat(fd).st_blocks * 512
            os.close(fd)
        if result != "done":
            break
    return {"result": result, "allocated": allocated}

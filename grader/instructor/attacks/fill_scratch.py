"""Fill the disk from the scratch folder: fallocate a file of 2 GiB (or write it, where fallocate is refused)."""

import os

CHUNK = 64 * 1024 * 1024


def attack(total_bytes):
    """{"result": "done" or the error, "allocated": bytes the file really holds}."""
    folder = os.environ.get("TMPDIR") or os.environ.get("HOME") or os.getcwd()
    path = os.path.join(folder, "filler.bin")
    result = "done"
    try:
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
    except OSError as error:
        return {"result": type(error).__name__, "allocated": 0}
    try:
        try:
            os.posix_fallocate(fd, 0, total_bytes)
        except OSError as error:
            import errno

            result = errno.errorcode.get(error.errno or 0, type(error).__name__)
            if error.errno in (errno.EOPNOTSUPP, errno.EINVAL):  # no fallocate here: write it instead
                result = "done"
                block = b"\x01" * CHUNK
                try:
                    for _ in range(total_bytes // CHUNK):
                        os.write(fd, block)
                except OSError as failure:
                    result = errno.errorcode.get(failure.errno or 0, type(failure).__name__)
        allocated = os.fstat(fd).st_blocks * 512
    finally:
        os.close(fd)
    return {"result": result, "allocated": allocated}

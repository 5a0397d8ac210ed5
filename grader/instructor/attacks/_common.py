"""What several attacks share: naming a process so the checker can find it from outside."""

import ctypes
import os

_PR_SET_NAME = 15


def libc():
    """The C library, with errno kept (ctypes.get_errno)."""
    return ctypes.CDLL(None, use_errno=True)


def name_this_process(name: str) -> None:
    """Give this process the short name ``name`` (``comm``: what psutil calls its name)."""
    try:
        libc().prctl(_PR_SET_NAME, name[:15].encode(), 0, 0, 0)
    except (OSError, AttributeError):
        pass


def errno_name() -> str:
    """The name of the last C call's error (``EPERM``...)."""
    import errno

    return errno.errorcode.get(ctypes.get_errno(), str(ctypes.get_errno()))


def outcome(action) -> str:
    """``"done"`` when ``action()`` succeeds, else the name of the error it raised."""
    try:
        action()
    except OSError as error:
        import errno

        return errno.errorcode.get(error.errno or 0, type(error).__name__)
    except Exception as error:  # noqa: BLE001 - the attempt failed: say how
        return type(error).__name__
    return "done"


def keep_running(seconds: float) -> None:
    """Sleep, then leave without cleaning up (a process meant to be killed)."""
    import time

    time.sleep(seconds)
    os._exit(0)

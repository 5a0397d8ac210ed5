"""Call into the kernel for more power: ptrace another process, unshare namespaces, mount a filesystem,
make a System V shared-memory segment (which outlives the worker and is shared by its uid).

Whatever succeeds is undone at once (a mount is detached; a namespace lives in a child that
exits), so that running this where the sandbox does not hold changes nothing on the machine.
"""

import ctypes
import os

from _common import errno_name, libc

PTRACE_SEIZE = 0x4206
CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
MNT_DETACH = 2


def _mount_tmpfs(c, folder: bytes) -> str:
    if c.mount(b"none", folder, b"tmpfs", 0, None) != 0:
        return errno_name()
    c.umount2(folder, MNT_DETACH)
    return "done"


def ptrace(pid: int) -> str:
    """Seize ``pid`` (a process of the grader's user): "done" or the error."""
    c = libc()
    c.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
    return "done" if c.ptrace(PTRACE_SEIZE, pid, None, None) == 0 else errno_name()


def unshare(folder: str | None = None) -> str:
    """In a child: a new user and mount namespace, then a tmpfs over ``folder`` (its HOME) in it."""
    folder = folder or os.environ["HOME"]
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:
        os.close(read_end)
        c = libc()
        # With a new user namespace the new mount namespace receives no propagation back:
        # nothing mounted there can show up on the machine.
        result = "unshare " + ("done" if c.unshare(CLONE_NEWUSER | CLONE_NEWNS) == 0 else errno_name())
        if result.endswith("done"):
            result += ", mount " + _mount_tmpfs(c, folder.encode())
        os.write(write_end, result.encode())
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        said = pipe.read().decode()
    os.waitpid(child, 0)
    return said or "the child said nothing"


def mount(folder: str | None = None) -> str:
    """A tmpfs over ``folder`` (its HOME), in the worker's own mount namespace."""
    folder = folder or os.environ["HOME"]
    return _mount_tmpfs(libc(), folder.encode())


IPC_CREAT = 0o1000
IPC_RMID = 0


def shared_memory(_unused=None) -> str:
    """Make a 1 MiB System V segment (removed at once if it was made): "done" or the error."""
    c = libc()
    c.shmget.restype = ctypes.c_int
    segment = c.shmget(0x70697867, ctypes.c_size_t(1 << 20), IPC_CREAT | 0o600)
    if segment < 0:
        return errno_name()
    c.shmctl(segment, IPC_RMID, None)
    return "done"


def attack(kind, argument=None):
    return {"ptrace": ptrace, "unshare": unshare, "mount": mount, "shared_memory": shared_memory}[kind](argument)

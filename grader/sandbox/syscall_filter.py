"""The worker's system-call filter: the kernel's seccomp, through libseccomp.

Landlock decides which files a worker may touch and bubblewrap hides the machine;
neither closes every door. This filter, installed by the worker after Landlock and
the uid drop and before any learner code, refuses outright what a worker never
needs, whatever the level:

* every ``socket()``: no TCP, no UDP, no raw or packet socket, no netlink, no Unix
  socket to reach anything the grader or anyone else runs (``socketpair()`` stays,
  for pipe-like pairs inside the worker's own tree);
* ``io_uring`` (its operations never pass through this filter), ``ptrace`` and the
  other ways into another process's memory, namespaces (``unshare``, ``setns``,
  ``clone`` with a namespace flag), mounts, BPF, keyrings, ``perf_event_open``,
  ``userfaultfd``, kernel modules, kexec, quotas, swap, reboot;
* every change of a file's mode, owner, times or extended attributes: the worker
  has no reason to make any, and as root without capabilities (where the uid cannot
  be dropped) it could otherwise change every root-owned file it can name.

Everything else is allowed: a default-allow list of refusals keeps NumPy, SciPy,
scikit-image, scikit-learn and TensorFlow working. A refused call fails with
``EPERM`` (a ``PermissionError`` in Python); ``clone3`` fails with ``ENOSYS``
instead, so that the C library falls back to ``clone``, whose flags the filter can
read (``clone3`` passes them in memory, out of the filter's sight).

The binding is ``pyseccomp`` (ctypes over the system's ``libseccomp.so.2``, with
the API of libseccomp's own Python binding, which is not on PyPI). The worker
loads this module from its runtime copy; the grader uses :func:`problem` to tell
whether the filter can be had here.
"""

from __future__ import annotations

import errno
import platform
import sys

# The architectures whose syscall numbers above 423 are the common table's (and whose
# clone() takes its flags first): the same as Landlock's (grader.sandbox.landlock.abi).
_ARCHITECTURES = ("x86_64", "aarch64", "arm64", "riscv64")

SOCKETS = ("socket",)
ASYNC_IO = ("io_uring_setup", "io_uring_enter", "io_uring_register")
OTHER_PROCESSES = ("ptrace", "process_vm_readv", "process_vm_writev", "pidfd_getfd", "kcmp", "process_madvise")
NAMESPACES_AND_MOUNTS = ("mount", "umount2", "pivot_root", "chroot", "unshare", "setns", "fsopen", "fsconfig",
                         "fsmount", "fspick", "move_mount", "open_tree", "open_tree_attr", "mount_setattr",
                         "statmount", "listmount")
KERNEL = ("bpf", "keyctl", "add_key", "request_key", "perf_event_open", "userfaultfd", "kexec_load",
          "kexec_file_load", "init_module", "finit_module", "delete_module", "open_by_handle_at",
          "name_to_handle_at", "acct", "swapon", "swapoff", "reboot", "quotactl", "quotactl_fd", "syslog",
          "iopl", "ioperm", "vhangup", "lookup_dcookie", "uselib", "fanotify_init")
FILE_ATTRIBUTES = ("chmod", "fchmod", "fchmodat", "fchmodat2", "chown", "fchown", "lchown", "fchownat",
                   "utime", "utimes", "utimensat", "futimesat", "setxattr", "lsetxattr", "fsetxattr",
                   "setxattrat", "removexattr", "lremovexattr", "fremovexattr", "removexattrat", "file_setattr")
# System V and POSIX message IPC: objects that outlive the worker (its cgroup does not hold
# them) and that every worker of uid 65534 could share, a channel between two submissions
# where no IPC namespace separates them (the Landlock-only level). No library a worker uses needs them.
SHARED_IPC = ("shmget", "shmat", "shmdt", "shmctl", "semget", "semop", "semtimedop", "semctl", "msgget",
              "msgsnd", "msgrcv", "msgctl", "mq_open", "mq_unlink", "mq_timedsend", "mq_timedreceive",
              "mq_notify", "mq_getsetattr")
REFUSED = SOCKETS + ASYNC_IO + OTHER_PROCESSES + NAMESPACES_AND_MOUNTS + KERNEL + FILE_ATTRIBUTES + SHARED_IPC

# clone() flags that make a namespace (CLONE_NEWTIME shares its bit with the exit
# signal in clone(), so only clone3 and unshare can ask for it: both are refused).
NAMESPACE_FLAGS = {"CLONE_NEWNS": 0x00020000, "CLONE_NEWCGROUP": 0x02000000, "CLONE_NEWUTS": 0x04000000,
                   "CLONE_NEWIPC": 0x08000000, "CLONE_NEWUSER": 0x10000000, "CLONE_NEWPID": 0x20000000,
                   "CLONE_NEWNET": 0x40000000}

# System calls newer than the libseccomp a distribution ships (Debian 12's 2.5.4 knows
# none of these): their numbers, the same on every architecture above.
_COMMON_NUMBERS = {"fchmodat2": 452, "statmount": 457, "listmount": 458, "setxattrat": 463,
                   "removexattrat": 466, "open_tree_attr": 467, "file_setattr": 469}


def problem() -> str:
    """Why the filter cannot be installed here ("" when it can).

    Builds the whole filter without loading it, so a binding or library that cannot
    express a rule is found here, in the grader, rather than in a worker.
    """
    try:
        build()
    except (ImportError, OSError, RuntimeError, ValueError) as error:
        return str(error) or type(error).__name__
    return ""


def install() -> None:
    """Load the filter into this process, for good (it also binds every process it starts).

    Raises ``OSError`` (or ``ImportError`` without the binding) when it cannot; the
    worker then runs no learner code.
    """
    build().load()


def build():
    """The filter, built but not loaded (``.load()`` installs it): the worker builds it while it
    can still read every library, and loads it once the rest of its confinement is in place."""
    if sys.platform != "linux":
        raise OSError("seccomp is Linux's; this is " + sys.platform)
    machine = platform.machine()
    if machine not in _ARCHITECTURES:
        raise OSError(f"the seccomp filter knows the system calls of {', '.join(_ARCHITECTURES)}; this is {machine}")
    seccomp = _binding()

    refuse = seccomp.ERRNO(errno.EPERM)
    rules = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
    # Every thread of the worker, not only the one that loads the filter (the numeric
    # libraries may have started theirs already).
    rules.set_attr(seccomp.Attr.CTL_TSYNC, 1)
    for name in REFUSED:
        number = _number(seccomp, name)
        if number is not None:
            rules.add_rule(refuse, number)
    clone = _number(seccomp, "clone")
    for flag in NAMESPACE_FLAGS.values():
        rules.add_rule(refuse, clone, seccomp.Arg(0, seccomp.MASKED_EQ, flag, flag))
    clone3 = _number(seccomp, "clone3")
    if clone3 is not None:
        rules.add_rule(seccomp.ERRNO(errno.ENOSYS), clone3)
    # fallocate reserves gigabytes of disk in microseconds, faster than the grader can watch
    # a scratch folder that is no sized tmpfs; "not supported" makes the C library's
    # posix_fallocate write instead, at the disk's pace (and charged to the worker's memory).
    rules.add_rule(seccomp.ERRNO(errno.EOPNOTSUPP), _number(seccomp, "fallocate"))
    return rules


# pyseccomp finds libc and libseccomp with ctypes.util.find_library as it is imported, which
# runs ldconfig in a subprocess: 30 ms of every worker's start, and no ldconfig is in a
# worker's sandbox. The dynamic loader finds them by these names alone (None: the libc
# Python itself is linked with).
_LIBRARIES = {"c": None, "seccomp": "libseccomp.so.2"}


def _binding():
    """The ``pyseccomp`` module, its libraries named rather than searched for."""
    if "pyseccomp" in sys.modules:
        return sys.modules["pyseccomp"]
    import ctypes.util

    search = ctypes.util.find_library
    ctypes.util.find_library = lambda name: _LIBRARIES[name] if name in _LIBRARIES else search(name)
    try:
        import pyseccomp
    except ImportError as error:
        raise ImportError(f"the seccomp binding is not installed (pip install pyseccomp): {error}") from error
    except (OSError, RuntimeError) as error:  # pyseccomp loads libseccomp.so.2 as it is imported
        raise OSError(f"libseccomp could not be loaded (apt-get install libseccomp2): {error}") from error
    finally:
        ctypes.util.find_library = search
    return pyseccomp


def _number(seccomp, name: str) -> int | None:
    """The call's number on this machine: from libseccomp's table, else the common one, else None (no such call)."""
    number = seccomp.resolve_syscall(seccomp.Arch.NATIVE, name)
    if number >= 0:
        return number
    return _COMMON_NUMBERS.get(name)

"""Landlock, the kernel's unprivileged sandbox, through its three system calls.

Linux >= 5.13 lets any process give up access rights for itself and every process
it starts, for good. The worker calls :func:`restrict` after its own start-up and
before it imports learner code: from then on the learner's code can read only the
paths granted, write only the scratch folder, open no TCP connection (ABI >= 4)
and signal or reach through abstract sockets no process outside its own sandbox
(ABI >= 6). Ptrace of processes outside the sandbox is refused by Landlock at
every ABI.

Python has no binding for these calls (``os`` has none), so this module makes
them with :mod:`ctypes`; the constants and structures are the kernel's UAPI
(``include/uapi/linux/landlock.h``). Nothing here runs on other systems:
:func:`abi` answers 0 there.
"""

from __future__ import annotations

import ctypes
import os
import platform
import sys

# System call numbers: the same on every architecture that has them (they were
# added after the tables were unified).
_SYS_CREATE_RULESET = 444
_SYS_ADD_RULE = 445
_SYS_RESTRICT_SELF = 446
_PR_SET_NO_NEW_PRIVS = 38

_CREATE_RULESET_VERSION = 1 << 0
_RULE_PATH_BENEATH = 1

# Filesystem rights, with the ABI that introduced each.
EXECUTE = 1 << 0
WRITE_FILE = 1 << 1
READ_FILE = 1 << 2
READ_DIR = 1 << 3
REMOVE_DIR = 1 << 4
REMOVE_FILE = 1 << 5
MAKE_CHAR = 1 << 6
MAKE_DIR = 1 << 7
MAKE_REG = 1 << 8
MAKE_SOCK = 1 << 9
MAKE_FIFO = 1 << 10
MAKE_BLOCK = 1 << 11
MAKE_SYM = 1 << 12
REFER = 1 << 13  # ABI 2
TRUNCATE = 1 << 14  # ABI 3
IOCTL_DEV = 1 << 15  # ABI 5

_FS_BY_ABI = {1: (1 << 13) - 1, 2: (1 << 14) - 1, 3: (1 << 15) - 1, 4: (1 << 15) - 1, 5: (1 << 16) - 1}
NET_BIND_TCP = 1 << 0  # ABI 4
NET_CONNECT_TCP = 1 << 1
SCOPE_ABSTRACT_UNIX_SOCKET = 1 << 0  # ABI 6
SCOPE_SIGNAL = 1 << 1

READ = EXECUTE | READ_FILE | READ_DIR
_FILE_RIGHTS = EXECUTE | WRITE_FILE | READ_FILE | TRUNCATE | IOCTL_DEV


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1  # the kernel's struct is __attribute__((packed))
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


class LandlockError(OSError):
    """The kernel refused to set up the sandbox."""


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def abi() -> int:
    """The Landlock ABI version this kernel offers (0: none, or not Linux)."""
    if sys.platform != "linux" or platform.machine() not in ("x86_64", "aarch64", "arm64", "riscv64"):
        return 0
    try:
        libc = _libc()
        libc.syscall.restype = ctypes.c_long
        version = libc.syscall(_SYS_CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(_CREATE_RULESET_VERSION))
    except (OSError, AttributeError):
        return 0
    return max(int(version), 0)


def handled_filesystem_rights(version: int) -> int:
    return _FS_BY_ABI.get(version, (1 << 16) - 1) if version > 0 else 0


def restrict(*, read=(), write=(), devices=(), version: int | None = None) -> int:
    """Confine this process (and its future children) for good; returns the ABI used.

    ``read``: paths (folders or files) that may be read and executed beneath.
    ``write``: folders that may also be written beneath (files created, removed).
    ``devices``: device files that may be read and written (``/dev/null``...).
    Paths that do not exist are skipped. Raises :class:`LandlockError` when the
    kernel has no Landlock or refuses.
    """
    version = abi() if version is None else version
    if version < 1:
        raise LandlockError("Landlock is not available on this system")
    libc = _libc()
    libc.syscall.restype = ctypes.c_long
    handled_fs = handled_filesystem_rights(version)
    attr = _RulesetAttr(handled_access_fs=handled_fs,
                        handled_access_net=(NET_BIND_TCP | NET_CONNECT_TCP) if version >= 4 else 0,
                        scoped=(SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL) if version >= 6 else 0)
    # An older kernel rejects fields it does not know: pass only those of its ABI.
    size = ctypes.sizeof(_RulesetAttr) if version >= 6 else (16 if version >= 4 else 8)
    ruleset = libc.syscall(_SYS_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size), ctypes.c_uint32(0))
    if ruleset < 0:
        raise LandlockError(ctypes.get_errno(), "landlock_create_ruleset failed")
    try:
        writing = READ | WRITE_FILE | REMOVE_DIR | REMOVE_FILE | MAKE_DIR | MAKE_REG | MAKE_SYM | MAKE_FIFO \
            | MAKE_SOCK | (REFER | TRUNCATE) & handled_fs
        for paths, rights in ((read, READ), (write, writing), (devices, READ_FILE | WRITE_FILE | IOCTL_DEV)):
            for path in paths:
                _add_rule(libc, ruleset, str(path), rights & handled_fs)
        if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            raise LandlockError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
        if libc.syscall(_SYS_RESTRICT_SELF, ctypes.c_int(ruleset), ctypes.c_uint32(0)) != 0:
            raise LandlockError(ctypes.get_errno(), "landlock_restrict_self failed")
    finally:
        os.close(ruleset)
    return version


def _add_rule(libc, ruleset: int, path: str, rights: int) -> None:
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return  # not on this system: nothing to grant
    try:
        if not os.path.isdir(path):
            rights &= _FILE_RIGHTS  # the kernel refuses directory rights on a file
        rule = _PathBeneathAttr(allowed_access=rights, parent_fd=fd)
        if libc.syscall(_SYS_ADD_RULE, ctypes.c_int(ruleset), ctypes.c_int(_RULE_PATH_BENEATH),
                        ctypes.byref(rule), ctypes.c_uint32(0)) != 0:
            raise LandlockError(ctypes.get_errno(), f"landlock_add_rule failed for {path}")
    finally:
        os.close(fd)

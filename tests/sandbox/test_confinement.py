"""The worker's confinement holds against a hostile learner module, at the full and the Landlock-only level.

Issue 21's attacks, each run as learner code in a real worker (``WorkerProcess``) at the
default level (bubblewrap, Landlock, seccomp, uid 65534) and with
``PIXELGRADE_ISOLATION=landlock`` (what a container without namespaces gets), which must
hold as firmly: the uid is 65534 even where Python lives under /root; no socket of any
family reaches a listener this test runs on 127.0.0.1 or on a Unix socket; io_uring,
ptrace, namespaces and mounts are refused; no file's mode, times or extended attributes
change outside the scratch folder; the machine's sockets in /proc are out of sight; the
scratch folder has a size; the private copies are the worker's uid's alone.

One worker per level serves every attack (a start costs about 0.2 s); each attack
reports what it achieved, and the grader's side checks what really happened (the
listeners received nothing, the marker files are unchanged).
"""

from __future__ import annotations

import ctypes
import errno
import json
import os
import secrets
import shutil
import socket
import stat
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest
from conftest import forced_level

from grader.sandbox import isolation, reachability, syscall_filter
from grader.sandbox.client import Limits, WorkerProcess

pytestmark = pytest.mark.skipif(sys.platform != "linux" or os.geteuid() != 0,
                                reason="the levels under test (bubblewrap, Landlock, uid 65534) need Linux and root")

LEVELS = ("auto", "landlock")
OTHER_UID = 12345  # a local user who is neither the grader nor the sandbox
SCRATCH_BYTES = Limits().scratch_bytes

HOSTILE = '''
    """Tries every way out of its sandbox and tells what worked."""
    import ctypes, errno, os, platform, socket, threading, time

    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long


    def _outcome(action):
        try:
            result = action()
        except OSError as error:
            return errno.errorcode.get(error.errno, str(error.errno))
        return "done" if result is None else result


    def _call(result):
        """A libc call's outcome: "done", or the name of its errno."""
        return "done" if result >= 0 else errno.errorcode.get(ctypes.get_errno(), str(ctypes.get_errno()))


    def identity():
        with open("/proc/self/status") as status:
            fields = dict(line.split(":", 1) for line in status if ":" in line)
        return {"uid": os.getuid(), "euid": os.geteuid(), "gid": os.getgid(), "groups": os.getgroups(),
                "capabilities": int(fields["CapEff"].strip(), 16), "cwd": os.getcwd(), "home": os.environ["HOME"]}


    def internet(tcp_port, udp_port, token):
        outcome = {}

        def tcp():
            with socket.create_connection(("127.0.0.1", tcp_port), timeout=2) as connection:
                connection.sendall(token.encode())

        def udp():
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as datagram:
                datagram.sendto(token.encode(), ("127.0.0.1", udp_port))

        def udp6():  # made, never sent: the test's listeners are on 127.0.0.1 only
            socket.socket(socket.AF_INET6, socket.SOCK_DGRAM).close()

        for name, action in (("tcp", tcp), ("udp", udp), ("udp6", udp6)):
            outcome[name] = _outcome(action)
        kinds = {"packet": (socket.AF_PACKET, socket.SOCK_RAW, 0), "netlink": (socket.AF_NETLINK, socket.SOCK_RAW, 0),
                 "raw": (socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP),
                 "unix": (socket.AF_UNIX, socket.SOCK_STREAM, 0)}
        for name, (family, kind, protocol) in kinds.items():
            outcome[name] = _outcome(lambda: socket.socket(family, kind, protocol).close())
        left, right = socket.socketpair()  # a pipe-like pair stays allowed
        left.sendall(b"x")
        outcome["socketpair"] = "works" if right.recv(1) == b"x" else "broken"
        left.close(), right.close()
        return outcome


    def unix(abstract, path, token):
        outcome = {}
        for name, address in (("abstract", "\\0" + abstract), ("path", path)):
            def connect():
                with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
                    client.settimeout(2)
                    client.connect(address)
                    client.sendall(token.encode())
            outcome[name] = _outcome(connect)
        return outcome


    def system_calls(mount_point):
        outcome = {}
        params = ctypes.create_string_buffer(120)  # struct io_uring_params, zeroed: a valid request
        outcome["io_uring_setup"] = _call(libc.syscall(425, 4, params))
        outcome["ptrace"] = _call(libc.ptrace(0, 0, None, None))  # PTRACE_TRACEME
        outcome["unshare_user"] = _call(libc.unshare(0x10000000))
        outcome["unshare_net"] = _call(libc.unshare(0x40000000))
        outcome["mount"] = _call(libc.mount(b"none", mount_point.encode(), b"tmpfs", 0, None))
        outcome["clone3"] = _call(libc.syscall(435, None, 0))
        clone = {"x86_64": 56, "aarch64": 220}.get(platform.machine())
        if clone is not None:
            child = libc.syscall(clone, 0x10000000 | 17, 0, 0, 0, 0)  # CLONE_NEWUSER | SIGCHLD, fork-like
            if child == 0:
                os._exit(0)
            outcome["clone_newuser"] = _call(child)
            if child > 0:
                os.waitpid(child, 0)
        child = os.fork()  # plain processes and threads still work
        if child == 0:
            os._exit(7)
        outcome["fork"] = os.waitstatus_to_exitcode(os.waitpid(child, 0)[1])
        ran = []
        thread = threading.Thread(target=lambda: ran.append(True))
        thread.start(), thread.join()
        outcome["thread"] = bool(ran)
        return outcome


    def attributes(paths):
        outcome = {}
        for path in [*paths, __file__]:
            label = "own copy" if path == __file__ else path
            outcome[label] = {
                "chmod": _outcome(lambda: os.chmod(path, 0o6777)),
                "utime": _outcome(lambda: os.utime(path, (1, 1))),
                "setxattr": _outcome(lambda: os.setxattr(path, "user.pixelgrade", b"changed")),
                "chown": _outcome(lambda: os.chown(path, os.getuid(), os.getgid())),
                "mode_after": oct(os.stat(path).st_mode) if path == __file__ else None,
            }
        return outcome


    def proc():
        outcome = {}
        for path in ("/proc/self/net/unix", "/proc/self/net/tcp", "/proc/self/environ", "/proc/self/mounts",
                     "/proc/1/cmdline", "/proc/self/cmdline", "/proc/self/maps"):
            outcome[path] = _outcome(lambda: open(path, "rb").read(64) and "read")
        return outcome


    def scratch():
        home = os.environ["HOME"]
        outcome = {"home": home}

        def reserve():
            descriptor = os.open(os.path.join(home, "huge"), os.O_CREAT | os.O_WRONLY, 0o600)
            try:
                os.posix_fallocate(descriptor, 0, 2 * 1024**3)
            finally:
                os.close(descriptor)
                os.unlink(os.path.join(home, "huge"))  # what it did reserve, given back

        outcome["fallocate_2GiB"] = _outcome(reserve)
        with open(os.path.join(home, "small"), "wb") as small:  # what the scratch is for still works
            small.write(b"x" * 4096)
        outcome["small"] = os.path.getsize(os.path.join(home, "small"))
        info = os.statvfs(home)
        outcome["capacity"] = info.f_blocks * info.f_frsize
        return outcome


    def write_outside(folder, token):
        outcome = {}
        for name in ("created", "linked"):
            target = os.path.join(folder, name + "-" + token)
            if name == "created":
                outcome[name] = _outcome(lambda: open(target, "x").close())
            else:
                outcome[name] = _outcome(lambda: os.symlink("/etc/passwd", target))
        return outcome
'''


# -- the grader's side -----------------------------------------------------------------------------


@pytest.fixture(scope="module", params=LEVELS)
def hostile(request, tmp_path_factory):
    """A running worker at the level asked for, with the hostile module loaded."""
    folder = tmp_path_factory.mktemp(f"hostile-{request.param}")
    (folder / "hostile.py").write_text(textwrap.dedent(HOSTILE))
    with forced_level(request.param) as level:
        worker = WorkerProcess("hostile", folder / "hostile.py", limits=Limits(timeout_s=20))
    assert worker.ensure_loaded() is None
    yield worker, level
    worker.stop()


def call(worker: WorkerProcess, function: str, *args):
    reply = worker.call(function, args)
    assert reply.ok, (reply.error, reply.output, reply.problem)
    return reply.value


@pytest.fixture
def outside():
    """A world-writable folder outside every sandbox (as /tmp is), with a root-owned marker file in it."""
    folder = Path(tempfile.mkdtemp(prefix="pixelgrade-outside-"))
    os.chmod(folder, 0o1777)
    marker = folder / "marker.txt"
    marker.write_text("the grader's\n")
    os.chmod(marker, 0o644)
    yield folder, marker
    shutil.rmtree(folder)


@pytest.fixture
def open_folder():
    """A folder every uid may enter (pytest's own are root's alone, and the probe must not meet those)."""
    folder = Path(tempfile.mkdtemp(prefix="pixelgrade-reach-"))
    os.chmod(folder, 0o755)
    yield folder
    shutil.rmtree(folder)


def snapshot(path: Path):
    info = os.lstat(path)
    return info.st_mode, info.st_uid, info.st_gid, info.st_mtime_ns, os.listxattr(path), path.read_bytes()


def test_the_levels_are_what_ci_gets(hostile):
    worker, level = hostile
    assert level.seccomp and level.landlock_abi >= isolation.MINIMUM_LANDLOCK_ABI, level
    assert level.protects_others, level.unprotected()
    assert level.namespaces == (level.mode == "auto"), level  # bubblewrap is installed on CI
    assert "seccomp" in level.describe()


def test_worker_runs_as_nobody_with_no_capability(hostile):
    worker, level = hostile
    seen = call(worker, "identity")
    assert (seen["uid"], seen["euid"], seen["gid"], seen["groups"]) == (65534, 65534, 65534, [])
    assert seen["capabilities"] == 0
    assert level.uid == 65534 and f"uid {isolation.SANDBOX_UID}" in level.describe()


def test_search_is_granted_where_the_runtime_is_out_of_reach(hostile):
    worker, level = hostile
    blocked = [folder for folder in reachability.folders_on_the_way(isolation.read_paths())
               if not os.stat(folder).st_mode & stat.S_IXOTH]
    if level.namespaces:
        assert level.search_granted == ()  # bubblewrap makes the way in itself
        return
    # Where Python lives under /root (0700), as on CI: search granted there, named in every report.
    for folder in blocked:
        assert folder in level.search_granted, (folder, level)
        entries = reachability.read_acl(folder)
        assert entries[(reachability.USER, isolation.SANDBOX_UID)] == reachability.SEARCH  # search only
        assert entries[(reachability.MASK, 0xFFFFFFFF)] & reachability.SEARCH
    if level.search_granted:
        assert "granted search on " + ", ".join(level.search_granted) in level.describe()


def test_no_socket_reaches_a_listener_on_this_machine(hostile):
    worker, _ = hostile
    token = secrets.token_hex(8)
    with socket.socket() as tcp, socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        tcp.bind(("127.0.0.1", 0))
        tcp.listen(8)
        tcp.setblocking(False)
        udp.bind(("127.0.0.1", 0))
        udp.setblocking(False)
        seen = call(worker, "internet", tcp.getsockname()[1], udp.getsockname()[1], token)
        with pytest.raises(BlockingIOError):
            tcp.accept()
        with pytest.raises(BlockingIOError):
            udp.recvfrom(100)
    # The filter refuses socket() itself, whatever the family: EPERM every time.
    assert {name: seen[name] for name in ("tcp", "udp", "udp6", "packet", "netlink", "raw", "unix")} == \
        dict.fromkeys(("tcp", "udp", "udp6", "packet", "netlink", "raw", "unix"), "EPERM"), seen
    assert seen["socketpair"] == "works"


def test_no_unix_socket_of_the_machine_is_reachable(hostile, outside):
    worker, _ = hostile
    folder, _marker = outside
    token, abstract = secrets.token_hex(8), f"pixelgrade-test-{secrets.token_hex(6)}"
    path = str(folder / "listener.sock")
    with socket.socket(socket.AF_UNIX) as named, socket.socket(socket.AF_UNIX) as hidden:
        named.bind(path)
        os.chmod(path, 0o777)  # connectable by every uid: only the sandbox can refuse it
        named.listen(8)
        named.setblocking(False)
        hidden.bind("\0" + abstract)
        hidden.listen(8)
        hidden.setblocking(False)
        seen = call(worker, "unix", abstract, path, token)
        for listener in (named, hidden):
            with pytest.raises(BlockingIOError):
                listener.accept()
    assert seen == {"abstract": "EPERM", "path": "EPERM"}, seen


def test_kernel_interfaces_a_worker_never_needs_are_closed(hostile, outside):
    worker, _ = hostile
    folder, _marker = outside
    seen = call(worker, "system_calls", str(folder))
    refused = ("io_uring_setup", "ptrace", "unshare_user", "unshare_net", "mount")
    assert {name: seen[name] for name in refused} == dict.fromkeys(refused, "EPERM"), seen
    assert seen.get("clone_newuser", "EPERM") == "EPERM", seen
    assert seen["clone3"] == "ENOSYS"  # so the C library falls back to clone(), whose flags the filter sees
    assert seen["fork"] == 7 and seen["thread"] is True  # processes and threads still work


def test_no_file_changes_mode_times_or_attributes_outside_the_scratch(hostile, outside):
    worker, _ = hostile
    folder, marker = outside
    before = snapshot(marker)
    seen = call(worker, "attributes", [str(marker)])
    assert snapshot(marker) == before
    for label in (str(marker), "own copy"):  # its own copy is its uid's, yet read-only for it
        assert {seen[label][change] for change in ("chmod", "utime", "setxattr", "chown")} == {"EPERM"}, seen
    assert int(seen["own copy"]["mode_after"], 8) & 0o7777 == 0o400
    written = call(worker, "write_outside", str(folder), secrets.token_hex(6))
    assert set(written.values()) <= {"EACCES", "ENOENT", "EROFS"}, written
    assert sorted(p.name for p in folder.iterdir()) == ["marker.txt"]  # nothing was written


def test_proc_shows_only_what_the_worker_needs(hostile):
    worker, _ = hostile
    seen = call(worker, "proc")
    for hidden in ("/proc/self/net/unix", "/proc/self/net/tcp", "/proc/self/environ", "/proc/self/mounts",
                   "/proc/1/cmdline"):
        assert seen[hidden] in ("EACCES", "ENOENT"), (hidden, seen)
    assert seen["/proc/self/cmdline"] == "read" and seen["/proc/self/maps"] == "read"  # TensorFlow, threadpoolctl


def test_the_scratch_folder_has_a_size(hostile):
    worker, level = hostile
    seen = call(worker, "scratch")
    assert seen["fallocate_2GiB"] in ("EFBIG", "ENOSPC"), seen
    assert seen["small"] == 4096
    if level.namespaces:  # a tmpfs of that size, in the worker's own mount namespace
        assert seen["capacity"] <= SCRATCH_BYTES, seen
        view = isolation.scratch_seen_from_grader(worker._stage, level, worker._process.pid)
        assert view is not None and (view / "small").stat().st_size == 4096  # the grader reaches it
    else:
        assert isolation.scratch_seen_from_grader(worker._stage, level, worker._process.pid) == worker._stage.scratch
        assert (worker._stage.scratch / "small").stat().st_size == 4096


def test_private_copies_are_the_workers_alone(hostile):
    worker, level = hostile
    stage = worker._stage
    runtime = isolation.runtime_dir(level.uid)
    for folder, mode in ((stage.root, 0o700), (stage.scratch, 0o700), (stage.code, 0o500)):
        info = os.stat(folder)
        assert (stat.S_IMODE(info.st_mode), info.st_uid) == (mode, isolation.SANDBOX_UID), folder
    copy = stage.code / "hostile.py"
    info = os.stat(copy)
    assert (stat.S_IMODE(info.st_mode), info.st_uid) == (0o400, isolation.SANDBOX_UID)
    worker_code = runtime / "grader" / "sandbox" / "worker.py"
    # The runtime every worker runs (its bootstrap before it confines itself) is the grader's, read through
    # the workers' group: no process of the workers' uid can make it writable again.
    for path, mode in ((runtime, 0o550), (worker_code, 0o440)):
        info = os.stat(path)
        assert (stat.S_IMODE(info.st_mode), info.st_uid, info.st_gid) == (mode, os.geteuid(), isolation.SANDBOX_GID)
    assert _chmod_as(isolation.SANDBOX_UID, runtime / "pixelgrade_worker.py") == "EPERM"
    # Another local user reads neither the copy nor the worker's code, nor lists the stage.
    seen = as_other_user([str(copy), str(stage.root), str(stage.scratch), str(worker_code)])
    assert seen == dict.fromkeys(seen, "EACCES"), seen


def _as_user(uid: int, work) -> str:
    """What ``work()`` (returning text) says in a forked child that became ``uid``, outside any sandbox."""
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports through the pipe
        try:
            os.setgroups([])
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
            os.write(write_end, work().encode())
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as reader:
        said = reader.read().decode()
    os.waitpid(child, 0)
    return said


def _chmod_as(uid: int, path) -> str:
    """What a process of ``uid`` outside any sandbox gets from making ``path`` writable: "done" or the errno's name."""
    def chmod():
        try:
            os.chmod(path, 0o700)
            return "done"
        except OSError as error:
            return errno.errorcode[error.errno]

    return _as_user(uid, chmod)


def as_other_user(paths: list[str], uid: int = OTHER_UID) -> dict:
    """What a forked child, become ``uid``, can do with each path: "read", or its errno's name."""
    def read():
        seen = {}
        for path in paths:
            try:
                if os.path.isdir(path):
                    os.listdir(path)
                else:
                    open(path, "rb").close()
                seen[path] = "read"
            except OSError as error:
                seen[path] = errno.errorcode[error.errno]
        return json.dumps(seen)

    return json.loads(_as_user(uid, read))


# -- the pieces, on their own ----------------------------------------------------------------------
def test_the_filter_alone_stops_root_without_capabilities(tmp_path):
    """Where the uid cannot be dropped (root stays uid 0), the filter still refuses every change of a
    root-owned file's mode, times and attributes, and every socket (the issue's setuid-file attack)."""
    assert syscall_filter.problem() == ""
    marker = tmp_path / "marker"
    marker.write_text("root's\n")
    before = snapshot(marker)
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports through the pipe
        try:
            syscall_filter.install()
            seen = {}
            attempts = {"chmod": lambda: os.chmod(marker, 0o6777), "utime": lambda: os.utime(marker, (1, 1)),
                        "setxattr": lambda: os.setxattr(marker, "user.pixelgrade", b"x"),
                        "chown": lambda: os.chown(marker, 1, 1), "socket": lambda: socket.socket().close(),
                        "unshare": lambda: _libc_call("unshare", 0x10000000)}
            for name, attempt in attempts.items():
                try:
                    attempt()
                    seen[name] = "done"
                except OSError as error:
                    seen[name] = errno.errorcode[error.errno]
            os.write(write_end, json.dumps(seen).encode())
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as reader:
        seen = json.loads(reader.read())
    os.waitpid(child, 0)
    assert seen == dict.fromkeys(("chmod", "utime", "setxattr", "chown", "socket", "unshare"), "EPERM"), seen
    assert snapshot(marker) == before


def _libc_call(name: str, *args) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if getattr(libc, name)(*args) != 0:
        raise OSError(ctypes.get_errno(), name)


def test_search_grant_is_exact_and_keeps_every_entry(open_folder):
    """Search only, on exactly the folders in the way, every existing ACL entry kept; no one else gains."""
    top = open_folder / "home"
    inner = top / "runtime"
    (inner / "lib").mkdir(parents=True)
    (inner / "lib" / "module.py").write_text("x = 1\n")
    secret = top / "secret"
    secret.mkdir()
    os.chmod(top, 0o700)
    os.chmod(inner, 0o750)
    os.chmod(secret, 0o700)
    reachability.grant_search(str(inner), OTHER_UID + 1)  # an ACL entry that was there before
    wanted = [str(inner / "lib" / "module.py"), str(inner / "lib")]
    blocked = reachability.probe(wanted, 65534, 65534)
    assert blocked.blocking == (str(top),)  # the first folder in the way; the next is out of sight

    reached = reachability.make_reachable(wanted, 65534, 65534)
    assert reached.ok and reached.granted == (str(top), str(inner)), reached
    assert reachability.probe(wanted, 65534, 65534) == reachability.Probe()
    entries = reachability.read_acl(str(inner))
    assert entries[(reachability.USER, OTHER_UID + 1)] == reachability.SEARCH  # kept
    assert entries[(reachability.USER, 65534)] == reachability.SEARCH
    assert entries[(reachability.GROUP_OBJ, 0xFFFFFFFF)] == 0o5  # the owning group keeps r-x, no more
    assert stat.S_IMODE(os.stat(top).st_mode) & 0o007 == 0  # others still get nothing
    nobody = as_other_user([str(top), str(inner / "lib" / "module.py"), str(secret)], uid=65534)
    assert nobody == {str(top): "EACCES", str(inner / "lib" / "module.py"): "read", str(secret): "EACCES"}
    assert as_other_user([str(inner / "lib" / "module.py")]) == {str(inner / "lib" / "module.py"): "EACCES"}
    # A path the uid reaches but may not read: search cannot help, and it says so.
    refused = reachability.make_reachable([str(secret)], 65534, 65534)
    assert not refused.ok and str(secret) in refused.problem


def test_root_that_cannot_drop_protects_nobody_else():
    """Learner code as uid 0 is graded for its author only: the level says so, and what it leaves open."""
    stuck = isolation.Isolation(mode="landlock", landlock_abi=7, uid=None, running_as_root=True, seccomp=True,
                                uid_problem="uid 65534 cannot read /opt/python")
    assert not stuck.protects_others and not stuck.full
    assert any("uid 0" in gap and "/opt/python" in gap for gap in stuck.unprotected()), stuck.unprotected()
    unfiltered = isolation.Isolation(mode="landlock", landlock_abi=7, uid=65534, running_as_root=True,
                                     seccomp=False, seccomp_problem="libseccomp could not be loaded")
    assert not unfiltered.protects_others
    assert any("UDP" in gap for gap in unfiltered.unprotected()), unfiltered.unprotected()
    assert any("libseccomp could not be loaded" in gap for gap in unfiltered.missing()), unfiltered.missing()
    granted = isolation.Isolation(mode="landlock", landlock_abi=7, uid=65534, running_as_root=True, seccomp=True,
                                  search_granted=("/root",))
    assert granted.protects_others and granted.full
    assert "uid 65534 (granted search on /root)" in granted.describe()

"""``pixelgrade dev sandbox``: run the project's own hostile submissions against this machine's sandbox.

An instructor checks a machine (a laptop, a CI runner, a Gradescope image, any container)
before trusting it with other people's work. Each attack is a small module of
``grader/instructor/attacks/`` whose ``attack`` function tries one harmful thing and says
what it achieved; it runs in a real worker (:class:`grader.sandbox.client.WorkerProcess`),
at the level this machine gives (:func:`grader.sandbox.isolation.current`), exactly as a
learner's module would. The verdict is the checker's, taken from outside wherever that is
possible: a marker file that must not exist, a listener that must have received nothing, a
process that must be gone, the grader's own memory and clock. Only what cannot be seen
from outside (a socket it opened, the uid it runs as) is taken from the attack's reply.

Everything an attack aims at is planted by the checker for the occasion (a secret, a
world-writable folder, listeners on 127.0.0.1 and on Unix sockets, a process to trace)
and removed afterwards; the attacks undo what they can, so running the check where the
sandbox does not hold harms nothing else. :func:`run` prints a table, attack by attack, then
the level, and returns exit status 0 only when every attack held.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import math
import os
import secrets
import select
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from grader.core import catalog
from grader.exitcodes import ExitCode
from grader.sandbox import isolation
from grader.sandbox.client import Limits, Reply, SandboxError, WorkerProcess
from grader.writers import grader_paths

ATTACKS_DIR = Path(__file__).resolve().parent / "attacks"
MiB = 1024**2
GiB = 1024**3
# Every worker of the check: short calls, a modest memory limit (the memory attack sets its own).
LIMITS = Limits(timeout_s=10.0, import_timeout_s=30.0, memory_bytes=512 * MiB, threads=1)
MEMORY_LIMIT = 256 * MiB  # the memory attack's worker: three children of 0.9 x this each
# The fork bomb's worker may hold this many tasks (Limits.processes, a cgroup's pids.max);
# a bomb that starts four times as many without being stopped is not bounded. The attack
# stops by itself there, so the check never harms the machine it checks.
FORK_BOMB_LIMIT = 64
FORK_BOMB_CAP = 4 * FORK_BOMB_LIMIT
FILL_BYTES = 2 * GiB
HUGE_REPLY_STREAM = 384 * MiB  # what the forged 4 GiB reply actually sends
HUGE_REPLY_HARM = 128 * MiB  # the grader's memory growing by this much is harm done
CLOCK_SLEEP_S = 1.0
LEFTOVER_WAIT_S = 2.0


class Outcome(StrEnum):
    """What became of one attack."""

    HELD = "held"
    GOT_THROUGH = "got through"
    UNKNOWN = "could not tell"  # the attack could not run as planned: no proof either way


@dataclass(frozen=True)
class Verdict:
    """One attack: its name, what it tried, what became of it and the evidence."""

    name: str
    tried: str
    outcome: Outcome
    detail: str


@dataclass(frozen=True)
class Attack:
    """An attack as the checker knows it: ``judge(bench)`` runs it and returns (outcome, evidence)."""

    name: str
    tried: str
    judge: Callable[[Bench], tuple[Outcome, str]]


@dataclass(frozen=True)
class Report:
    """The whole check: every verdict and the level it was run against."""

    verdicts: list[Verdict]
    level: str
    unprotected: list[str]
    seconds: float

    @property
    def held(self) -> bool:
        return all(v.outcome == Outcome.HELD for v in self.verdicts)

    def to_dict(self) -> dict:
        return {"held": self.held, "level": self.level, "unprotected": self.unprotected,
                "seconds": round(self.seconds, 2), "attacks": [dataclasses.asdict(v) for v in self.verdicts]}


class CouldNotRun(RuntimeError):
    """An attack could not be run as planned (its worker did not start): no verdict either way."""


# -- the bench: what the checker plants and listens on, outside every worker ----------------------------------
class Bench:
    """Baits for the attacks, made once per check and removed by :meth:`close`.

    The folder is readable by everyone, its ``open`` folder writable by everyone, and the
    Unix socket file connectable by everyone, so that only the sandbox (never a file's
    permissions) can stop an attack.
    """

    def __init__(self):
        self.token = secrets.token_hex(4)
        self.folder = Path(tempfile.mkdtemp(prefix="pixelgrade-sandbox-check-"))
        self.folder.chmod(0o755)
        self.open_folder = self.folder / "open"
        self.open_folder.mkdir()
        self.open_folder.chmod(0o777)
        self.secret = self.folder / "secret.txt"
        self.secret.write_text(f"PGSECRET-{self.token}: the checker's secret\n")
        self.secret.chmod(0o644)
        self.listeners: list[socket.socket] = []
        self.udp = self._listen(socket.AF_INET, socket.SOCK_DGRAM, ("127.0.0.1", 0))
        self.tcp = self._listen(socket.AF_INET, socket.SOCK_STREAM, ("127.0.0.1", 0))
        self.abstract_name = f"\0pixelgrade-check-{self.token}"
        # Abstract Unix sockets (a name, no file) are Linux's alone.
        self.abstract = (self._listen(socket.AF_UNIX, socket.SOCK_STREAM, self.abstract_name)
                         if sys.platform == "linux" else None)
        self.socket_path = str(self.open_folder / f"pixelgrade-check-{self.token}.sock")
        self.unix = self._listen(socket.AF_UNIX, socket.SOCK_STREAM, self.socket_path)
        os.chmod(self.socket_path, 0o777)
        self.strays: list[Path] = []  # files an attack may have made outside the folder
        self._traced: subprocess.Popen | None = None

    def _listen(self, family, kind, address) -> socket.socket:
        listener = socket.socket(family, kind)
        listener.bind(address)
        if kind == socket.SOCK_STREAM:
            listener.listen(8)
        listener.setblocking(False)
        self.listeners.append(listener)
        return listener

    def process_name(self, letter: str) -> str:
        """The name an attack gives the processes it starts, so that they can be found from outside."""
        return f"pg{letter}{self.token}"

    def received(self, listener: socket.socket, wait_s: float = 0.3) -> bytes:
        """What reached ``listener`` (accepted connections' data too), waiting up to ``wait_s``."""
        got = b""
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            if not select.select([listener], [], [], max(0.0, deadline - time.monotonic()))[0]:
                break
            try:
                if listener.type == socket.SOCK_DGRAM:
                    got += listener.recv(4096)
                    continue
                connection, _ = listener.accept()
            except OSError:
                break
            with connection:
                connection.settimeout(1.0)
                with contextlib.suppress(OSError):
                    got += connection.recv(4096) or b"(connected)"
        return got

    def traced_process(self) -> int:
        """A process of the grader's user for the ptrace attack (started once, ended by :meth:`close`)."""
        if self._traced is None:
            self._traced = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"],
                                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        return self._traced.pid

    def call(self, module: str, *args, limits: Limits = LIMITS, timeout_s: float | None = None,
             inspect: Callable[[WorkerProcess], object] | None = None) -> tuple[Reply, object]:
        """Run ``attack(*args)`` of ``module`` in a fresh worker: its reply, and what ``inspect(worker)``
        saw while the worker still ran (after the reply, before the worker was stopped)."""
        worker = WorkerProcess(module, ATTACKS_DIR / f"{module}.py", limits=limits)
        try:
            # The worker must be up and confined before the attack counts: a worker that never
            # started would make every attack judged from outside look as if it had held.
            failed = worker.ensure_loaded()
            if failed is not None:
                said = failed.output.strip()[-300:]
                raise CouldNotRun("the worker did not start: " + _no_value(failed) + (f" ({said})" if said else ""))
            reply = worker.call("attack", args, timeout_s=timeout_s)
            seen = inspect(worker) if inspect else None
        finally:
            worker.stop()
        return reply, seen

    def close(self) -> None:
        for listener in self.listeners:
            listener.close()
        if self._traced is not None:
            self._traced.kill()
            self._traced.wait()
        for stray in self.strays:
            with contextlib.suppress(OSError):
                stray.unlink()
        shutil.rmtree(self.folder, ignore_errors=True)


# -- how a reply reads ----------------------------------------------------------------------------------------
def _no_value(reply: Reply) -> str:
    """Why a reply carries no value, in a few words."""
    if reply.problem == "died":
        code = (reply.error or {}).get("returncode")
        return "the worker was stopped" + (f" (exit status {code})" if code is not None else "")
    if _hit_limit(reply):
        return f"its tree was stopped at its {_hit_limit(reply)} limit"
    if reply.problem:
        return {"timeout": "the call ran out of time", "corrupt": "its reply was refused as corrupt",
                "unsendable": "its reply could not be sent"}.get(reply.problem, reply.problem)
    if reply.error:
        return f"it raised {(reply.error.get('types') or ['an error'])[0]}: {reply.error.get('message', '')[:200]}"
    return "no value came back"


def _hit_limit(reply: Reply) -> str:
    """The limit of the worker's tree the call hit, as the kernel counted it ("memory", "processes"), or ""."""
    return getattr(reply, "limit", "") or ("resource" if reply.problem == "limit" else "")


def _attempts(results: dict) -> str:
    return "; ".join(f"{key}: {value}" for key, value in results.items())


def _read(result) -> bool:
    return isinstance(result, str) and result.startswith("read: ") and len(result) > len("read: ")


def _processes_named(name: str) -> list:
    import psutil

    found = []
    for process in psutil.process_iter(["name", "status"]):
        if process.info["name"] == name and process.info["status"] != psutil.STATUS_ZOMBIE:
            found.append(process)
    return found


def _still_running(name: str, wait_s: float = LEFTOVER_WAIT_S) -> list:
    """The processes called ``name`` still alive, waiting up to ``wait_s`` for a kill to land."""
    deadline = time.monotonic() + wait_s
    while True:
        alive = _processes_named(name)
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.1)


def _end(processes: list) -> None:
    """End processes an attack left behind (found by the name only this check gives)."""
    import psutil

    for process in processes:
        with contextlib.suppress(psutil.Error):
            process.kill()


# -- the attacks --------------------------------------------------------------------------------------------
def _read_files(bench: Bench):
    targets = {"the checker's planted secret": str(bench.secret)}
    course = catalog.active()
    # A reference solution of the course (the first there is), and the files it keeps private (its data).
    reference = next((e.solution_file for e in course.exercises if e.solution_file.is_file()), None)
    if reference is not None:
        targets[f"the reference solution ({reference.name})"] = str(reference)
    for path, words in grader_paths.private_files().items():
        if os.path.isfile(path):
            targets[f"{words} (a private file of the course)"] = path
    reply, _ = bench.call("read_files", list(targets.values()))
    if not reply.ok:
        return Outcome.UNKNOWN, _no_value(reply)
    got = [label for label, path in targets.items() if _read(reply.value.get(path))]
    if got or bench.token in json.dumps(reply.value, default=str):
        return Outcome.GOT_THROUGH, "read " + ", ".join(got or ["the checker's secret"])
    return Outcome.HELD, "; ".join(f"{label}: {reply.value.get(path)}" for label, path in targets.items())


def _write_outside(bench: Bench):
    name = f"pixelgrade-marker-{bench.token}"
    targets = {"a world-writable folder": bench.open_folder / name,
               "the temporary folder": Path(tempfile.gettempdir()) / name,
               "the grader's own package": Path(__file__).resolve().parent / name}
    bench.strays += targets.values()

    def look(worker: WorkerProcess) -> bool:  # the stage is removed with the worker: look while it runs
        return worker.scratch is not None and (worker.scratch.parent / name).exists()

    reply, made_beside_stage = bench.call("write_files", [str(p) for p in targets.values()] + [f"{{stage}}/{name}"],
                                          bench.token, inspect=look)
    made = [label for label, path in targets.items() if path.exists()]
    if made_beside_stage:
        made.append("beside its stage")
    if made:
        return Outcome.GOT_THROUGH, "created a file in " + ", ".join(made)
    if not reply.ok:
        return Outcome.HELD, f"no file appeared ({_no_value(reply)})"
    errors = list(reply.value.values())
    labels = [*targets, "beside its stage"]
    return Outcome.HELD, "no file appeared (" + "; ".join(f"{label}: {error}"
                                                          for label, error in zip(labels, errors)) + ")"


def _change_metadata(bench: Bench):
    bait = bench.folder / "grader-file.txt"
    bait.write_text("a file of the grader's user\n")
    bait.chmod(0o644)
    os.utime(bait, (1_000_000_000, 1_000_000_000))
    reply, _ = bench.call("change_metadata", str(bait))
    after = bait.stat()
    changed = []
    if stat.S_IMODE(after.st_mode) != 0o644:
        changed.append(f"its mode is now {oct(stat.S_IMODE(after.st_mode))}")
    if after.st_mtime != 1_000_000_000:
        changed.append("its times changed")
    if changed:
        return Outcome.GOT_THROUGH, ", ".join(changed)
    return Outcome.HELD, "unchanged (" + (_attempts(reply.value) if reply.ok else _no_value(reply)) + ")"


def _network(kind: str):
    def judge(bench: Bench):
        listener, address = {
            "udp": (bench.udp, list(bench.udp.getsockname())),
            "tcp": (bench.tcp, list(bench.tcp.getsockname())),
            "abstract": (bench.abstract, bench.abstract_name),
            "path": (bench.unix, bench.socket_path),
        }[kind]
        if listener is None:
            return Outcome.UNKNOWN, "this machine has no such sockets to listen on"
        reply, _ = bench.call("network", kind, address, bench.token)
        got = bench.received(listener)
        if got:
            return Outcome.GOT_THROUGH, f"the listener received {got[:40]!r}"
        return Outcome.HELD, "the listener received nothing (" + (reply.value if reply.ok else _no_value(reply)) + ")"

    return judge


def _raw_sockets(bench: Bench):
    reply, _ = bench.call("raw_sockets")
    if not reply.ok:
        return Outcome.UNKNOWN, _no_value(reply)
    opened = [kind for kind, result in reply.value.items() if result == "done"]
    if opened:
        return Outcome.GOT_THROUGH, "opened " + ", ".join(opened)
    return Outcome.HELD, _attempts(reply.value)


def _proc_environ(bench: Bench):
    paths = ["/proc/1/environ", f"/proc/{os.getpid()}/environ"]
    reply, _ = bench.call("read_proc", paths)
    if not reply.ok:
        return Outcome.UNKNOWN, _no_value(reply)
    got = [path for path in paths if _read(reply.value.get(path))]
    if got:
        return Outcome.GOT_THROUGH, "read " + ", ".join(got).replace(str(os.getpid()), "<the grader>")
    return Outcome.HELD, _attempts(reply.value).replace(str(os.getpid()), "<the grader>")


def _proc_net_unix(bench: Bench):
    reply, _ = bench.call("read_proc", ["/proc/self/net/unix", "/proc/net/unix"])
    if not reply.ok:
        return Outcome.UNKNOWN, _no_value(reply)
    text = json.dumps(reply.value)
    if bench.token in text:
        return Outcome.GOT_THROUGH, "it listed the checker's Unix sockets"
    readable = [path for path, result in reply.value.items() if _read(result)]
    return Outcome.HELD, ("readable, but it shows none of the machine's sockets" if readable
                          else _attempts(reply.value))


def _identity(bench: Bench):
    reply, _ = bench.call("identity")
    if not reply.ok:
        return Outcome.UNKNOWN, _no_value(reply)
    found = reply.value
    problems = []
    if os.name == "posix" and os.geteuid() == 0 and 0 in (found.get("uid"), found.get("euid")):
        problems.append("it runs as uid 0 (root) while the grader is root")
    held = {key: found[key] for key in ("CapEff", "CapPrm", "CapAmb") if key in found and int(found[key], 16)}
    if held:
        problems.append("it holds capabilities (" + ", ".join(f"{k} {v}" for k, v in held.items()) + ")")
    if problems:
        return Outcome.GOT_THROUGH, "; ".join(problems)
    return Outcome.HELD, f"uid {found.get('uid')}, no capabilities"


def _kernel_call(kind: str):
    def judge(bench: Bench):
        if kind == "ptrace":
            target = bench.traced_process()
            reply, tracer = bench.call("kernel_calls", kind, target, inspect=lambda _worker: _tracer_of(target))
            if tracer:
                return Outcome.GOT_THROUGH, "it traced a process of the grader's user"
        else:
            reply, _ = bench.call("kernel_calls", kind)
        if not reply.ok:
            return Outcome.UNKNOWN, _no_value(reply)
        if "done" in str(reply.value):
            return Outcome.GOT_THROUGH, str(reply.value)
        return Outcome.HELD, str(reply.value)

    return judge


def _tracer_of(pid: int) -> int:
    with contextlib.suppress(OSError, ValueError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("TracerPid:"):
                return int(line.split()[1])
    return 0


def _memory_tree(bench: Bench):
    each = int(MEMORY_LIMIT * 0.9)
    limits = dataclasses.replace(LIMITS, memory_bytes=MEMORY_LIMIT)
    name = bench.process_name("m")
    reply, _ = bench.call("memory_tree", 3, each, name, limits=limits, timeout_s=30)
    if reply.problem == "died" or _hit_limit(reply):
        return Outcome.HELD, f"{_no_value(reply)} ({MEMORY_LIMIT // MiB} MiB for the whole tree)"
    if not reply.ok:
        return Outcome.UNKNOWN, _no_value(reply)
    holding = reply.value["holding"]
    total = f"{holding} x {each // MiB} MiB with a limit of {MEMORY_LIMIT // MiB} MiB"
    if holding * each > MEMORY_LIMIT:
        return Outcome.GOT_THROUGH, f"its processes held {total} at once"
    return Outcome.HELD, f"only {total} could be held at once"


def _fork_bomb(bench: Bench):
    name = bench.process_name("f")
    limits = dataclasses.replace(LIMITS, processes=FORK_BOMB_LIMIT) if hasattr(LIMITS, "processes") else LIMITS
    reply, _ = bench.call("fork_bomb", FORK_BOMB_CAP, 8.0, name, limits=limits, timeout_s=30)
    if reply.problem == "died" or _hit_limit(reply):
        return Outcome.HELD, f"{_no_value(reply)} ({FORK_BOMB_LIMIT} tasks)"
    if not reply.ok:
        return Outcome.UNKNOWN, _no_value(reply)
    started, stopped_by = reply.value["started"], reply.value["stopped_by"]
    if stopped_by:
        return Outcome.HELD, f"stopped after {started} processes ({stopped_by})"
    if started >= FORK_BOMB_CAP:
        return Outcome.GOT_THROUGH, (f"it started {started} processes and nothing stopped it "
                                     f"(its worker may hold {FORK_BOMB_LIMIT})")
    return Outcome.UNKNOWN, f"it started {started} processes in 8 s, and nothing stopped it yet"


def _daemon(bench: Bench):
    name = bench.process_name("d")
    reply, seen = bench.call("double_fork", name, 120, inspect=lambda _worker: bool(_processes_named(name)))
    left = _still_running(name)
    if left:
        _end(left)
        return Outcome.GOT_THROUGH, f"{len(left)} process(es) outlived the worker"
    if not seen:
        return Outcome.UNKNOWN, "the daemon was never seen running (" + (
            str(reply.value) if reply.ok else _no_value(reply)) + ")"
    return Outcome.HELD, "it started, and ended with the worker"


def _fill_disk(bench: Bench):
    def size_seen_outside(worker: WorkerProcess) -> int:
        if worker.scratch is None or not worker.scratch.is_dir():
            return 0
        return sum(path.lstat().st_blocks * 512 for path in worker.scratch.rglob("*") if path.is_file())

    reply, outside = bench.call("fill_scratch", FILL_BYTES, timeout_s=60, inspect=size_seen_outside)
    allocated = max(outside or 0, reply.value.get("allocated", 0) if reply.ok else 0)
    if allocated >= FILL_BYTES:
        return Outcome.GOT_THROUGH, f"it holds {allocated / GiB:.1f} GiB of files in its scratch folder"
    if reply.ok:
        return Outcome.HELD, f"refused ({reply.value['result']}) with {allocated // MiB} MiB written"
    return Outcome.HELD, _no_value(reply)


def _huge_reply(bench: Bench):
    before = _peak_memory()
    started = time.monotonic()
    try:
        reply, _ = bench.call("forge_reply", "huge", bench.token, HUGE_REPLY_STREAM, 30.0, timeout_s=5)
    except (SandboxError, CouldNotRun):
        raise
    except Exception as error:  # noqa: BLE001 - the grader failing is what this attack is after
        return Outcome.GOT_THROUGH, f"the grader failed reading it ({type(error).__name__}: {error})"
    grew = _peak_memory() - before
    seconds = time.monotonic() - started
    if reply.ok:
        return Outcome.GOT_THROUGH, "the grader accepted it"
    if grew > HUGE_REPLY_HARM:
        return Outcome.GOT_THROUGH, f"the grader took in {grew // MiB} MiB of it before giving up"
    return Outcome.HELD, f"refused ({_no_value(reply)}) in {seconds:.1f} s; the grader grew by {grew // MiB} MiB"


def _peak_memory() -> int:
    """This process's peak resident memory, in bytes (Linux counts KiB, macOS bytes)."""
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def _malformed_reply(bench: Bench):
    try:
        reply, _ = bench.call("forge_reply", "schema", bench.token)
    except (SandboxError, CouldNotRun):
        raise
    except Exception as error:  # noqa: BLE001 - the grader failing is what this attack is after
        return Outcome.GOT_THROUGH, f"the grader failed reading it ({type(error).__name__}: {error})"
    if reply.ok and reply.value == bench.token and not isinstance(reply.seconds, float):
        return Outcome.GOT_THROUGH, "the grader took a reply of the wrong shape"
    return Outcome.HELD, "the grader went on (" + ("answered" if reply.ok else _no_value(reply)) + ")"


def _patched_clock(bench: Bench):
    reply, _ = bench.call("patched_clock", CLOCK_SLEEP_S)
    if not reply.ok:
        return Outcome.UNKNOWN, _no_value(reply)
    measured = reply.seconds
    if not (isinstance(measured, float) and math.isfinite(measured)) or measured < 0.8 * CLOCK_SLEEP_S:
        return Outcome.GOT_THROUGH, f"it slept {CLOCK_SLEEP_S:.0f} s and the grader measured {measured!r} s"
    return Outcome.HELD, f"the grader measured {measured:.2f} s"


# In the order they run: the first alone (it sets up what every worker shares, the grader's
# runtime copy among them), then two at a time, the slowest first so that they finish together.
ATTACKS = (
    Attack("read-secrets", "read a secret planted outside its copy, a reference solution, the course's private files",
           _read_files),
    Attack("fork-bomb", "start processes without end (a fork bomb)", _fork_bomb),
    Attack("memory-tree", "hold more than the memory limit across three child processes", _memory_tree),
    Attack("fill-disk", "fallocate 2 GiB in its scratch folder, in files of 128 MiB", _fill_disk),
    Attack("huge-reply", "announce a 4 GiB reply and send 384 MiB of it (the grader must not take it in)",
           _huge_reply),
    Attack("write-outside", "create files outside its scratch folder", _write_outside),
    Attack("chmod-utime", "chmod and utime a file of the grader's user outside its scratch folder",
           _change_metadata),
    Attack("udp", "send UDP to a listener on 127.0.0.1", _network("udp")),
    Attack("tcp", "connect over TCP to a listener on 127.0.0.1", _network("tcp")),
    Attack("raw-sockets", "open raw IPv4, raw IPv6 and packet sockets", _raw_sockets),
    Attack("unix-abstract", "connect to an abstract Unix socket the checker listens on", _network("abstract")),
    Attack("unix-path", "connect to a Unix socket file the checker listens on", _network("path")),
    Attack("proc-environ", "read /proc/1/environ and the grader's /proc/<pid>/environ", _proc_environ),
    Attack("proc-net-unix", "read /proc/self/net/unix (the machine's Unix sockets)", _proc_net_unix),
    Attack("uid", "run as root, or with capabilities", _identity),
    Attack("ptrace", "ptrace a process of the grader's user", _kernel_call("ptrace")),
    Attack("unshare", "make a user and a mount namespace, and mount in them", _kernel_call("unshare")),
    Attack("mount", "mount a tmpfs over its scratch folder", _kernel_call("mount")),
    Attack("shared-memory", "make a System V shared-memory segment (it would outlive the worker)",
           _kernel_call("shared_memory")),
    Attack("daemon", "leave a double-forked setsid process running after the worker stops", _daemon),
    Attack("malformed-reply", "send a reply of the wrong shape with the right id (the grader must go on)",
           _malformed_reply),
    Attack("patched-clock", "stop its clocks and sleep 1 s (it must not look fast)", _patched_clock),
)
NAMES = tuple(attack.name for attack in ATTACKS)
# The attacks that start processes, and the letter of the names they give them (Bench.process_name).
_NAMED_PROCESSES = {"fork-bomb": "f", "memory-tree": "m"}


def _judge(attack: Attack, bench: Bench) -> Verdict:
    try:
        outcome, detail = attack.judge(bench)
    except (SandboxError, CouldNotRun) as error:
        outcome, detail = Outcome.UNKNOWN, str(error)
    except Exception as error:  # noqa: BLE001 - one broken attack must not hide the others' verdicts
        outcome, detail = Outcome.UNKNOWN, f"the check itself failed: {type(error).__name__}: {error}"
    # Whatever its outcome, nothing it started may outlive it (the daemon attack judges that itself).
    if attack.name in _NAMED_PROCESSES:
        left = _still_running(bench.process_name(_NAMED_PROCESSES[attack.name]))
        if left:
            _end(left)
            outcome, detail = Outcome.GOT_THROUGH, f"{len(left)} of its processes outlived the worker; {detail}"
    return Verdict(attack.name, attack.tried, outcome, detail)


def check(names: list[str] | None = None, *, jobs: int = 2, progress=None) -> Report:
    """Run the attacks ``names`` (default: all), ``jobs`` at a time; the :class:`Report`.

    ``progress(verdict)`` is called as each attack ends. ``ValueError`` for an unknown name.
    """
    unknown = sorted(set(names or ()) - set(NAMES))
    if unknown:
        raise ValueError(f"no attack called {', '.join(map(repr, unknown))}; choose from: {', '.join(NAMES)}")
    chosen = [attack for attack in ATTACKS if not names or attack.name in names]
    level = isolation.current()  # detected before the first worker starts
    started = time.monotonic()
    bench = Bench()
    try:
        import concurrent.futures

        verdicts = [_judge(chosen[0], bench)]
        if progress:
            progress(verdicts[0])
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            futures = [pool.submit(_judge, attack, bench) for attack in chosen[1:]]
            for future in concurrent.futures.as_completed(futures):
                if progress:
                    progress(future.result())
            verdicts += [future.result() for future in futures]
    finally:
        bench.close()
    return Report(verdicts, level.describe(), level.unprotected(), time.monotonic() - started)


# -- the command -------------------------------------------------------------------------------------------
def run(names: list[str] | None = None, *, json_path: str | None = None, jobs: int = 2) -> ExitCode:
    """``pixelgrade dev sandbox``: check, print the table and the level; 0 when every attack held, else 1."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console()
    level = isolation.current()
    console.print(f"[bold]pixelgrade dev sandbox[/]: {len(names or NAMES)} hostile submissions against "
                  f"this machine's sandbox ({escape(level.describe())})")
    try:
        report = check(names, jobs=jobs)
    except ValueError as error:
        Console(stderr=True).print(f"[red]pixelgrade dev sandbox: {escape(str(error))}[/]")
        return ExitCode.USAGE
    styles = {Outcome.HELD: "green", Outcome.GOT_THROUGH: "bold red", Outcome.UNKNOWN: "yellow"}
    table = Table(show_lines=False, expand=False)
    for column in ("attack", "what it tried", "outcome", "evidence"):
        table.add_column(column, overflow="fold")
    for verdict in report.verdicts:
        style = styles[verdict.outcome]
        table.add_row(verdict.name, escape(verdict.tried), f"[{style}]{verdict.outcome}[/]", escape(verdict.detail))
    console.print(table)
    console.print(f"level: {escape(report.level)}")
    for gap in report.unprotected:
        console.print(f"[yellow]not protected at this level:[/] {escape(gap)}")
    if json_path:
        Path(json_path).write_text(json.dumps(report.to_dict(), indent=2) + "\n", encoding="utf-8")
    through = [v.name for v in report.verdicts if v.outcome == Outcome.GOT_THROUGH]
    unknown = [v.name for v in report.verdicts if v.outcome == Outcome.UNKNOWN]
    count = f"{len(report.verdicts)} attack{'s' if len(report.verdicts) != 1 else ''}"
    if not through and not unknown:
        every = not names or set(names) >= set(NAMES)
        console.print(f"[green]All {count} held[/] ({report.seconds:.1f} s)"
                      + (": this machine may grade other people's work." if every else
                         "; run them all (no ATTACK named) before trusting this machine."))
        return ExitCode.OK
    if through:
        console.print(f"[bold red]{len(through)} of {count} got through:[/] {', '.join(through)}.")
    if unknown:
        console.print(f"[yellow]{len(unknown)} of {count} could not be judged:[/] {', '.join(unknown)} "
                      "(see their evidence).")
    console.print(f"The sandbox did not hold ({report.seconds:.1f} s). Do not grade other people's work on this "
                  "machine until every attack holds: README: Safety says what each level needs.")
    return ExitCode.NOT_FULL

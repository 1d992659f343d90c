"""Kernels for the report runner: started by forking a pre-loaded server (Linux) or as usual, always tracked.

A kernel started as usual pays about 0.8 s of interpreter and ipykernel start-up plus its notebook's imports
(pandas, matplotlib, seaborn: about 0.5 s each time). `ForkServer` pays them once per build: it imports
ipykernel and the notebooks' own imports, then forks a ready process per kernel (copy-on-write, so kernels also
share those pages in memory). Every kernel, forked or not, is recorded in `LIVE_KERNELS` with the job it runs,
so a timeout or Ctrl-C can kill it by process group.

With the server, and where the lanes leave a core free (the executor decides: `want_spares`), each lane (a
thread of the executor) also keeps a spare: when it launches a kernel and jobs are still waiting, it forks one
more with the same command, environment and folder, which boots while the notebook runs; the lane's next
notebook adopts it (`TrackedProvisioner` hands its connection to jupyter_client) instead of waiting about 0.2 s
for a new kernel to start. Unused spares are killed (`discard_spares`).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from queue import Empty
from typing import Any

import zmq
import zmq.asyncio
from jupyter_client import AsyncKernelClient, AsyncKernelManager
from jupyter_client.provisioning import LocalProvisioner
from traitlets import DottedObjectName, Type, default

from helpers.report.config import KERNEL_ENV

_LOCK = threading.Lock()
LIVE_KERNELS: dict[int, str] = {}  # process group id -> job name
_CURRENT = threading.local()  # the job name of the notebook this thread executes
_SERVER: ForkServer | None = None
RECONNECT_MS = 5  # how soon a socket to a kernel first tries again when the kernel has not bound its port yet
RECONNECT_MAX_MS = 100  # ... doubling each time up to ZeroMQ's own interval (a kernel slow to start)
SPARE_OWNER = "(spare)"  # the owner of a spare kernel in LIVE_KERNELS until a job adopts it
CONNECTION_FILE = (
    "{connection_file}"  # stands for the connection file in a kernel command compared with a spare's
)


class ForkServerError(RuntimeError):
    """The fork server did not start or stopped answering."""


def set_current_job(name: str | None) -> None:
    """Record which job this thread's next kernel belongs to."""
    _CURRENT.name = name


def kernels_of(job: str) -> list[int]:
    """Return the process group ids of the live kernels of `job`."""
    with _LOCK:
        return [pgid for pgid, owner in LIVE_KERNELS.items() if owner == job]


def kill_process_group(pgid: int) -> None:
    """SIGKILL a kernel's process group (the kernel and anything it started); ignore one already gone."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def kill_kernels(job: str | None = None) -> int:
    """Kill the live kernels of `job` (all when None); return how many were signalled."""
    with _LOCK:
        targets = [pgid for pgid, owner in LIVE_KERNELS.items() if job is None or owner == job]
    for pgid in targets:
        kill_process_group(pgid)
    return len(targets)


def _track(pgid: int) -> None:
    with _LOCK:
        LIVE_KERNELS[pgid] = getattr(_CURRENT, "name", None) or "?"


def _untrack(pgid: int | None) -> None:
    if pgid is not None:
        with _LOCK:
            LIVE_KERNELS.pop(pgid, None)


class ForkServer:
    """Client of the `_forkserver` process: start it, fork kernels from it, stop it.

    Args:
        preload: modules the server imports before forking (missing ones are skipped).
        env: environment of the server; kernels get the environment jupyter_client gives them.
        cwd: working folder of the server.
        warm: "module:function" names the server calls once after the imports (see _forkserver.warm).
        early: "module:function" names the server runs in children of its own while it imports `preload`
            (see _forkserver.start_early).
    """

    def __init__(self, preload: list[str], env: dict[str, str], cwd: Path, warm: tuple[str, ...] = (),
                 early: tuple[str, ...] = ()):  # fmt: skip
        server_env = dict(env)
        server_env["FORK_SERVER_PRELOAD"] = json.dumps(preload)
        server_env["FORK_SERVER_WARM"] = json.dumps(list(warm))
        server_env["FORK_SERVER_EARLY"] = json.dumps(list(early))
        self.process = subprocess.Popen(
            [sys.executable, "-c", "from helpers.report._forkserver import main; main()"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=server_env, cwd=cwd,
        )  # fmt: skip
        self.exit_codes: dict[int, int] = {}
        self.ready = threading.Event()
        self.info: dict[str, Any] = {}
        self._replies: dict[int, dict] = {}
        self._reply_ready = threading.Condition()
        self._next_id = 0
        self._write_lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, name="fork-server-reader", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            message = json.loads(line)
            with self._reply_ready:
                if message.get("ready"):
                    self.info = message
                    self.ready.set()
                elif "exited" in message:
                    self.exit_codes[message["exited"]] = message["code"]
                else:
                    self._replies[message["id"]] = message
                self._reply_ready.notify_all()
        with self._reply_ready:  # the server ended: wake anyone waiting
            self.ready.set()
            self._reply_ready.notify_all()

    @property
    def is_alive(self) -> bool:
        return self.process.poll() is None

    def can_fork(self, cmd: list[str]) -> bool:
        """True when `cmd` is this interpreter running `-m ipykernel_launcher`, which the server can imitate."""
        if len(cmd) < 3 or cmd[1:3] != ["-m", "ipykernel_launcher"]:
            return False
        try:
            return os.path.samefile(cmd[0], sys.executable)
        except OSError:
            return False

    def spawn(
        self, cmd: list[str], env: dict[str, str], cwd: str | None, log: str | None, timeout: float = 60
    ):
        """Fork a kernel running `cmd`; return its pid (also its process group id).

        Raises:
            ForkServerError: the server is not running or did not answer within `timeout` seconds.
        """
        if not self.ready.wait(timeout) or not self.is_alive:
            raise ForkServerError("the kernel fork server is not running")
        with self._write_lock:
            self._next_id += 1
            request_id = self._next_id
            request = {"op": "spawn", "id": request_id, "argv": cmd, "env": env, "cwd": cwd, "log": log}
            assert self.process.stdin is not None
            self.process.stdin.write((json.dumps(request) + "\n").encode())
            self.process.stdin.flush()
        deadline = time.monotonic() + timeout
        with self._reply_ready:
            while request_id not in self._replies:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not self.is_alive:
                    raise ForkServerError("the kernel fork server did not answer")
                self._reply_ready.wait(remaining)
            return self._replies.pop(request_id)["pid"]

    def stop(self) -> None:
        """Close the server's stdin (it kills its remaining kernels and exits); kill it if it lingers."""
        try:
            if self.process.stdin:
                self.process.stdin.close()
            self.process.wait(timeout=2)
        except (OSError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait()


def start_fork_server(
    preload: list[str], cwd: Path, warm: tuple[str, ...] = (), early: tuple[str, ...] = ()
) -> ForkServer | None:
    """Start the fork server (Linux only; None elsewhere) and make new kernels use it; it imports `preload` (while
    children of its own run `early`) and calls `warm` ("module:function" names) before it forks the first
    kernel."""
    global _SERVER
    if not sys.platform.startswith("linux"):
        return None
    env = dict(os.environ)
    env.update(KERNEL_ENV)
    _SERVER = ForkServer(preload, env, cwd, warm, early)
    return _SERVER


def stop_fork_server() -> None:
    """Stop the fork server, if one runs; later kernels start as usual."""
    global _SERVER
    server, _SERVER = _SERVER, None
    if server is not None:
        server.stop()


class ForkedKernelProcess:
    """The subset of `subprocess.Popen` that jupyter_client uses, for a kernel forked by the server."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int, server: ForkServer):
        self.pid = pid
        self.server = server
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            code = self.server.exit_codes.get(self.pid)
            if code is None and not self.server.is_alive:
                code = -signal.SIGKILL  # the server kills its kernels when it ends
            self.returncode = code
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(str(self.pid), timeout or 0)
            time.sleep(0.02)
        return self.returncode  # type: ignore[return-value]

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


class Spare:
    """A kernel forked ahead of need for one lane: its pid, connection (`info`, key as bytes) and file, the
    command it runs (its connection file as CONNECTION_FILE), environment, folder and log file."""

    def __init__(self, pid: int, info: dict, connection_file: str, command: list[str], env: dict[str, str],
                 cwd: str, log: str | None):  # fmt: skip
        self.pid, self.info, self.connection_file = pid, info, connection_file
        self.command, self.env, self.cwd, self.log = command, env, cwd, log


_SPARES: dict[int, Spare] = {}  # thread id of a lane -> its spare kernel
_SPARES_WANTED: list = [None]  # a callable: True while a job waits that a spare could serve


def want_spares(wanted) -> None:
    """Let lanes keep a spare kernel while `wanted()` is true (None: no spares). `wanted` is called on a lane's
    thread each time it launches a kernel, with the number of spares alive: the executor answers whether more
    jobs wait than spares are ready for them."""
    _SPARES_WANTED[0] = wanted


def spare_count() -> int:
    """How many spare kernels are alive (not yet adopted)."""
    with _LOCK:
        return len(_SPARES)


def command_template(cmd: list[str], connection_file: str) -> list[str]:
    """`cmd` with its connection file replaced by CONNECTION_FILE: the same for every kernel of a build."""
    return [CONNECTION_FILE if arg == connection_file else arg for arg in cmd]


def start_spare(server: ForkServer, template: list[str], km, env: dict[str, str], cwd: str,
                log_dir: Path | None) -> None:  # fmt: skip
    """Fork a spare kernel for this thread's lane: `template` with a connection file of its own (new ports and
    key, the transport, address and signature scheme of `km`), its output to a log file in `log_dir`."""
    from jupyter_client.connect import write_connection_file
    from jupyter_client.session import new_id_bytes

    connection_file, info = write_connection_file(
        ip=km.ip, key=new_id_bytes(), transport=km.transport, signature_scheme=km.session.signature_scheme,
        kernel_name=km.kernel_name,
    )  # fmt: skip
    info = dict(info, key=info["key"].encode() if isinstance(info["key"], str) else info["key"])
    log = None
    if log_dir is not None:
        handle, log = tempfile.mkstemp(prefix=".spare-", suffix=".log", dir=log_dir)
        os.close(handle)
    command = [connection_file if arg == CONNECTION_FILE else arg for arg in template]
    try:
        pid = server.spawn(command, env, cwd, log)
    except ForkServerError:
        _remove(connection_file, log)
        return
    with _LOCK:
        LIVE_KERNELS[pid] = SPARE_OWNER
        _SPARES[threading.get_ident()] = Spare(pid, info, connection_file, template, env, cwd, log)


def take_spare(server: ForkServer, template: list[str], env: dict[str, str], cwd: str) -> Spare | None:
    """This lane's spare, taken for the kernel being launched, when it runs the same command in the same
    environment and folder and is still alive; else None (a spare that does not fit is discarded)."""
    with _LOCK:
        spare = _SPARES.pop(threading.get_ident(), None)
    if spare is None:
        return None
    fits = (spare.command, spare.env, spare.cwd) == (template, env, cwd)
    if fits and server.is_alive and spare.pid not in server.exit_codes:
        return spare
    _discard(spare)
    return None


def _remove(*paths: str | None) -> None:
    for path in paths:
        if path:
            try:
                os.unlink(path)
            except OSError:
                pass


def _discard(spare: Spare) -> None:
    kill_process_group(spare.pid)
    _untrack(spare.pid)
    _remove(spare.connection_file, spare.log)


def discard_spares() -> None:
    """Kill every spare kernel not adopted and remove its files (the end of a build, or an interrupt)."""
    with _LOCK:
        spares = list(_SPARES.values())
        _SPARES.clear()
    for spare in spares:
        _discard(spare)


class TrackedProvisioner(LocalProvisioner):
    """LocalProvisioner that forks from the server when it can, and records every kernel in LIVE_KERNELS."""

    async def launch_kernel(self, cmd: list[str], **kwargs: Any):
        server = _SERVER
        forkable = server is not None and server.is_alive and server.can_fork(cmd)
        pid = spare = None
        if forkable:
            env = dict(kwargs.get("env") or os.environ)
            env.update(KERNEL_ENV)
            cwd = str(kwargs.get("cwd") or Path.cwd())
            log = getattr(_CURRENT, "kernel_log", None)
            template = command_template(cmd, self.parent.connection_file)
            spare = take_spare(server, template, env, cwd)
            if spare is not None:
                pid = spare.pid
                if log and spare.log:
                    os.replace(spare.log, log)  # the kernel writes on, to the job's own log
                self.connection_info = spare.info  # jupyter_client takes it over (_reconcile_connection_info)
                self._spare_file = spare.connection_file
            else:
                try:
                    pid = server.spawn(cmd, env, cwd, log)
                except ForkServerError:  # the server died: start this kernel the usual way
                    forkable = False
        if pid is not None:
            self.process = ForkedKernelProcess(pid, server)
            self.pid = self.pgid = pid
            self.cwd = cwd
        else:
            log = getattr(_CURRENT, "kernel_log", None)
            if log and "stdout" not in kwargs:  # keep the kernel's own chatter out of the runner's terminal
                with open(log, "ab") as handle:
                    await super().launch_kernel(cmd, **kwargs, stdout=handle, stderr=handle)
            else:
                await super().launch_kernel(cmd, **kwargs)
        _track(self.pgid or self.pid)
        wanted = _SPARES_WANTED[0]
        if forkable and wanted is not None and wanted(spare_count()):
            start_spare(server, template, self.parent, env, cwd, Path(log).parent.parent if log else None)
        return self.connection_info

    async def wait(self) -> int | None:
        pgid = self.pgid or self.pid
        code = await super().wait()
        _untrack(pgid)
        return code

    async def cleanup(self, restart: bool = False) -> None:
        _untrack(self.pgid or self.pid)
        _remove(getattr(self, "_spare_file", None))  # an adopted spare's own connection file
        await super().cleanup(restart=restart)


def reconnecting_context(context: zmq.asyncio.Context) -> zmq.asyncio.Context:
    """`context`, its new sockets set to retry a refused connection after RECONNECT_MS, doubling the wait up to
    RECONNECT_MAX_MS, instead of every 100 ms.

    The runner connects to a kernel right after forking it, before the kernel has bound its ports: the first
    connection is refused, and ZeroMQ waited 100 ms to try again. A forked kernel binds within a few
    milliseconds, so its first reply came about 0.1 s late, for every notebook."""
    context.setsockopt(zmq.RECONNECT_IVL, RECONNECT_MS)
    context.setsockopt(zmq.RECONNECT_IVL_MAX, RECONNECT_MAX_MS)
    return context


class KernelDiedAtStart(RuntimeError):
    """The kernel exited before it answered kernel_info: it never ran a cell. The classic cause is a port taken
    by another process between the moment jupyter_client chose the kernel's ports and the moment the kernel
    bound them (jupyter_client#154); the kernel's log says "Address already in use". A new kernel gets new
    ports (helpers.report.executor starts one once more)."""


class ReportKernelClient(AsyncKernelClient):
    """AsyncKernelClient that is ready as soon as the kernel answers kernel_info on shell and IOPub.

    jupyter_client's `wait_for_ready` then waits until IOPub has been silent for 0.2 s ("flush"), every time: a
    fifth of a second idle per notebook. nbclient only reads the IOPub messages that answer its own requests (it
    matches their parent ids), so messages still in flight from the start-up are ignored there anyway.
    """

    def _context_default(self) -> zmq.asyncio.Context:
        return reconnecting_context(super()._context_default())

    async def wait_for_ready(self, timeout: float | None = None) -> None:
        """Send kernel_info until the kernel replies on shell and a message arrives on IOPub (the channel is
        connected).

        Raises:
            KernelDiedAtStart: the kernel died before it replied.
            RuntimeError: the kernel did not reply within `timeout` seconds.
        """
        deadline = time.time() + (float("inf") if timeout is None else timeout)
        while True:
            self.kernel_info()
            try:
                reply = await self.shell_channel.get_msg(timeout=1)
            except Empty:
                reply = None
            if reply is not None and reply["msg_type"] == "kernel_info_reply":
                try:
                    await self.iopub_channel.get_msg(timeout=0.2)
                except Empty:
                    pass  # IOPub not connected yet: ask again
                else:
                    self._handle_kernel_info_reply(reply)
                    return
            if not await self._async_is_alive():
                raise KernelDiedAtStart("Kernel died before replying to kernel_info")
            if time.time() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout:g} seconds")


class ReportKernelManager(AsyncKernelManager):
    """AsyncKernelManager whose kernels go through TrackedProvisioner (passed to papermill as
    `kernel_manager_class`), with ReportKernelClient as client, and that notices a killed kernel's exit within
    10 ms rather than 100 ms."""

    client_class = DottedObjectName("helpers.report.kernels.ReportKernelClient")
    client_factory = Type(klass=ReportKernelClient)

    @default("context")
    def _context_default(self) -> zmq.asyncio.Context:
        return reconnecting_context(super()._context_default())

    async def _async_wait(self, pollinterval: float = 0.1) -> None:
        await super()._async_wait(pollinterval=min(pollinterval, 0.01))

    async def _async_pre_start_kernel(self, **kw: Any):
        kw["env"] = {**(kw.get("env") or os.environ), **KERNEL_ENV}
        if self.provisioner is None:
            self.kernel_id = self.kernel_id or kw.pop("kernel_id", None) or __import__("uuid").uuid4().hex
            self.provisioner = TrackedProvisioner(
                kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self
            )
        return await super()._async_pre_start_kernel(**kw)


def set_kernel_log(path: Path | None) -> None:
    """Where this thread's next forked kernel writes its own stdout and stderr."""
    _CURRENT.kernel_log = str(path) if path else None

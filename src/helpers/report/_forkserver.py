"""A pre-loaded parent process that forks ready-made IPython kernels (Linux), so each kernel skips the imports.

Started by `helpers.report.kernels.ForkServer` as `python -c "from helpers.report._forkserver import main; main()"`
with a JSON list of module names in FORK_SERVER_PRELOAD. It first forks a child for each "module:function" of
FORK_SERVER_EARLY (helpers.dataset_cache.prepare validates the build's dataset meanwhile), then imports ipykernel
and those modules once, calls each "module:function" listed in FORK_SERVER_WARM (helpers.session.warm_up loads
the fonts and the build's dataset), then answers one JSON line per request on stdin with one JSON line on stdout:

    {"op": "spawn", "id": 1, "argv": [...], "env": {...}, "cwd": "...", "log": "..."}  ->  {"id": 1, "pid": 123}

and reports each child's end as {"exited": 123, "code": 0}. Each child starts a new session (so it is its own
process group), dies with the server (PR_SET_PDEATHSIG), and runs `ipykernel_launcher` as the kernel command
would. The server dies with the runner (PR_SET_PDEATHSIG too) and when its stdin closes.
"""

from __future__ import annotations

import ctypes
import gc
import importlib
import importlib.util
import json
import os
import select
import signal
import sys
import threading
import traceback

PR_SET_PDEATHSIG = 1
PRELOAD_ENV = "FORK_SERVER_PRELOAD"
WARM_ENV = "FORK_SERVER_WARM"  # JSON list of "module:function" to call once the modules are loaded
EARLY_ENV = "FORK_SERVER_EARLY"  # JSON list of "module:function" to run in a child while the modules load


def set_death_signal() -> None:
    """Ask Linux to SIGKILL this process when its parent ends (no-op where prctl is missing)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


def send(message: dict) -> None:
    """Write one JSON line to the runner."""
    os.write(1, (json.dumps(message) + "\n").encode())


def preload(names: list[str]) -> tuple[list[str], dict[str, str]]:
    """Import `names` (failures are left for the notebook to report); return (loaded, failed -> reason). A dotted
    name that is an attribute of its module, not a module (`from a import b` names "a.b", where b may be a
    function), is skipped."""
    loaded, failed = [], {}
    for name in names:
        try:
            importlib.import_module(name)
            loaded.append(name)
        except ModuleNotFoundError as error:
            parent, _, attribute = name.rpartition(".")
            is_attribute = error.name == name and hasattr(sys.modules.get(parent), attribute)
            if not is_attribute:
                failed[name] = f"{type(error).__name__}: {error}"
        except BaseException as error:  # noqa: BLE001 - any import failure is the notebook's to report
            failed[name] = f"{type(error).__name__}: {error}"
    return loaded, failed


def resolve(name: str):
    """The function a "module:function" name stands for (the module imported)."""
    module, _, function = name.partition(":")
    return getattr(importlib.import_module(module), function)


def warm(names: list[str]) -> tuple[list[str], dict[str, str]]:
    """Call each "module:function" of `names` once, before any fork, so that every kernel inherits what it
    loads (failures are left for the notebooks to meet again); return (called, failed -> reason)."""
    called, failed = [], {}
    for name in names:
        try:
            resolve(name)()
            called.append(name)
        except BaseException as error:  # noqa: BLE001 - any failure is the notebooks' to report
            failed[name] = f"{type(error).__name__}: {error}"
    return called, failed


def cannot_find(module: str) -> str:
    """Why `module` cannot be imported, as far as looking it up tells (its parent packages are imported), or ""
    when it can be found."""
    try:
        if importlib.util.find_spec(module) is not None:
            return ""
    except (ImportError, ValueError) as error:  # a parent package missing, an empty name
        return f"{type(error).__name__}: {error}"
    return f"ModuleNotFoundError: No module named {module!r}"


def start_early(names: list[str]) -> dict[str, str]:
    """For each "module:function" of `names`, fork a child that imports the module, calls the function and exits,
    while this process goes on loading the kernels' modules (the dataset is validated while ipykernel and
    matplotlib load). The child imports the module itself, so the fork comes first thing; this process only
    checks that the module can be found. Nothing waits for the children: their work is what a later warm-up
    would otherwise do itself (it reads the dataset file the child writes, under the same lock). Return the names
    that could not start."""
    failed = {}
    for name in names:
        reason = cannot_find(name.partition(":")[0])
        if reason:
            failed[name] = reason
            continue
        if os.fork() == 0:
            code = 1
            try:
                set_death_signal()
                gc.enable()
                resolve(name)()
                code = 0
            except BaseException:  # noqa: BLE001 - the warm-up meets the same failure and reports it
                pass
            finally:
                os._exit(code)
    return failed


def run_child(request: dict, pipes: tuple[int, ...]) -> None:
    """In the forked child: become a kernel as `python -m ipykernel_launcher <args>` would. Never returns."""
    code = 1
    try:
        gc.enable()  # the server's objects stay frozen (see serve)
        os.setsid()
        set_death_signal()
        signal.set_wakeup_fd(-1)
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGCHLD, signal.SIGPIPE):
            signal.signal(signum, signal.SIG_DFL)
        for fd in pipes:  # the server's own pipes; fds 0, 1 and 2 are replaced below
            os.close(fd)
        null = os.open(os.devnull, os.O_RDONLY)
        log = os.open(request.get("log") or os.devnull, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.dup2(null, 0)
        os.dup2(log, 1)
        os.dup2(log, 2)
        for fd in {null, log} - {0, 1, 2}:
            os.close(fd)
        sys.stdout = sys.__stdout__ = open(1, "w", encoding="utf-8", errors="backslashreplace", closefd=False)  # noqa: SIM115
        sys.stderr = sys.__stderr__ = open(2, "w", encoding="utf-8", errors="backslashreplace", closefd=False)  # noqa: SIM115
        if request.get("cwd"):
            os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request.get("env") or {})
        os.environ["JPY_PARENT_PID"] = str(os.getppid())
        import ipykernel_launcher
        from ipykernel import kernelapp

        sys.argv = [ipykernel_launcher.__file__, *request["argv"][3:]]
        if sys.path and sys.path[0] == "":
            del sys.path[0]
        kernelapp.launch_new_instance()
        code = 0
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 0
    except BaseException:  # noqa: BLE001 - report anything to the kernel's log, then end the child
        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # noqa: BLE001
                pass
        os._exit(code)


def reap_children(children: set[int]) -> None:
    """Collect every ended child and tell the runner its exit code."""
    while children:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        children.discard(pid)
        send({"exited": pid, "code": os.waitstatus_to_exitcode(status)})


def serve() -> None:
    """Preload, then fork a kernel per request until stdin closes; finally kill the children still alive."""
    set_death_signal()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the runner handles Ctrl-C and stops us
    gc.disable()  # until the freeze below (as the gc module's documentation advises for a forking server)
    names = json.loads(os.environ.pop(PRELOAD_ENV, "[]"))
    # ipykernel reads JPY_PARENT_PID when it is imported: the kernels' parent is this server.
    os.environ["JPY_PARENT_PID"] = str(os.getpid())
    # First the early children (the dataset's validation is the longest piece of work before the first kernel)
    failed = start_early(json.loads(os.environ.pop(EARLY_ENV, "[]")))
    # ipykernel.debugger (debugpy) and psutil are imported by each kernel's start-up: loaded here, once
    loaded, failed_kernel = preload(
        ["ipykernel_launcher", "ipykernel.kernelapp", "ipykernel.debugger", "psutil"]
    )
    failed.update(failed_kernel)
    more, more_failed = preload(names)
    warmed, warm_failed = warm(json.loads(os.environ.pop(WARM_ENV, "[]")))
    loaded += more
    failed.update(more_failed)
    failed.update(warm_failed)
    # Everything loaded so far lives as long as the kernels: frozen, the garbage collector of a kernel never
    # walks it (a full collection would visit every object of every module and copy its page on write).
    gc.freeze()  # (a gc.collect() first would free only a few thousand objects, for 0.26 s before any fork)
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_write, False)
    signal.set_wakeup_fd(wake_write)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    children: set[int] = set()
    send({"ready": True, "loaded": loaded, "warmed": warmed, "failed": failed,
          "threads": threading.active_count()})  # fmt: skip
    buffer = b""
    try:
        while True:
            readable, _, _ = select.select([0, wake_read], [], [])
            if wake_read in readable:
                os.read(wake_read, 4096)
                reap_children(children)
            if 0 not in readable:
                continue
            chunk = os.read(0, 65536)
            if not chunk:
                return
            buffer += chunk
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                request = json.loads(line)
                pid = os.fork()
                if pid == 0:
                    run_child(request, (wake_read, wake_write))
                children.add(pid)
                send({"id": request["id"], "pid": pid})
    finally:
        for pid in list(children):
            try:
                os.killpg(pid, signal.SIGKILL)
            except OSError:
                pass


def main() -> None:
    """Entry point of the server process. It ends with os._exit once its kernels are killed: it writes nothing
    buffered (see `send`), and tearing down the interpreter's modules would keep the runner waiting for ~0.15 s
    at the end of every build."""
    try:
        serve()
    except (BrokenPipeError, KeyboardInterrupt):
        pass
    os._exit(0)


if __name__ == "__main__":
    main()

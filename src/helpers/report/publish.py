"""Build beside the target, then swap in: a run folder is either the last good report or the new one, whole.

A build writes `<reports>/.staging-<run>-<pid>/`, then exchanges it with `<reports>/<run>/` in one step
(Linux renameat2 RENAME_EXCHANGE; elsewhere two renames, leaving at most an instant without the folder) and
removes the old one. One build per run at a time: `RunLock` holds an exclusive lock on `<reports>/.locks/<run>`.
"""

from __future__ import annotations

import ctypes
import errno
import os
import re
import shutil
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

RENAME_EXCHANGE = 2
AT_FDCWD = -100


class PublishError(OSError):
    """The reports folder cannot be written."""


class RunLockedError(RuntimeError):
    """Another build of the same run holds the lock."""


class RunLock:
    """Exclusive, non-blocking lock on one run (released when the process ends, however it ends)."""

    def __init__(self, locks_dir: Path, run: str):
        self.path = Path(locks_dir) / f"{run}.lock"
        self.run = run
        self.handle = None

    def __enter__(self) -> RunLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.handle = open(self.path, "a+")  # noqa: SIM115 - held for the whole build
        if fcntl is not None:
            try:
                fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as error:
                if error.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                    raise
                self.handle.seek(0)
                holder = self.handle.read().strip() or "another process"
                self.handle.close()
                raise RunLockedError(
                    f"another build of run {self.run!r} is running ({holder}); wait for it to finish, or build "
                    f"another run with --run NAME"
                ) from None
        self.handle.seek(0)
        self.handle.truncate()
        self.handle.write(f"pid {os.getpid()}")
        self.handle.flush()
        return self

    def __exit__(self, *_) -> None:
        if self.handle is not None:
            self.handle.close()


def check_writable(reports_dir: Path) -> None:
    """Create `reports_dir` if needed and prove a file can be written in it.

    Raises:
        PublishError: naming the folder and the reason.
    """
    probe = Path(reports_dir) / f".write-test-{os.getpid()}"
    try:
        Path(reports_dir).mkdir(parents=True, exist_ok=True)
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        raise PublishError(
            f"cannot write the reports folder {reports_dir}: {error.strerror or error}"
        ) from None


def staging_dir(reports_dir: Path, run: str) -> Path:
    """A fresh, empty folder beside the run's folder (same file system, so the swap is a rename)."""
    path = Path(reports_dir) / f".staging-{run}-{os.getpid()}"
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def exchange(a: Path, b: Path) -> bool:
    """Swap two existing paths in one step (Linux renameat2); False when the system cannot."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    result = renameat2(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def publish(staging: Path, target: Path) -> None:
    """Put `staging` in place of `target` whole, then delete the previous report."""
    if not target.exists():
        os.replace(staging, target)
        return
    if exchange(staging, target):
        shutil.rmtree(staging, ignore_errors=True)  # now holds the previous report
        return
    old = target.with_name(f".old-{target.name}-{os.getpid()}")
    os.replace(target, old)
    os.replace(staging, target)
    shutil.rmtree(old, ignore_errors=True)


def remove_stale_staging(reports_dir: Path, run: str) -> None:
    """Delete staging folders of this run left by builds that were killed outright (we hold the run lock)."""
    pattern = re.compile(rf"^\.(staging|old)-{re.escape(run)}-\d+$")
    for path in Path(reports_dir).glob(".*-*"):
        if pattern.match(path.name) and path.is_dir():
            shutil.rmtree(path, ignore_errors=True)

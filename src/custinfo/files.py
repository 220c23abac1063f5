"""Output files that are never half-written and never one of custinfo's own files.

Every file a command writes for the user (`export -o`, `import --rejects`) and every file
custinfo writes for itself (backup manifest, journal copy, a `.pre-restore-*` copy) goes
through `AtomicOutput`: the bytes go to a temporary file in the target's folder (0600), which
is fsynced and only then given its final name; on any failure, Ctrl-C included, the temporary
file is removed, even when closing it fails a second time (a full disk fails the flush again).

The temporary file is `.<name>.custinfo-tmp-<hex>`, held with `flock` while written, so a
writer that was killed can be told from one at work: `sweep_stale(folder)` removes the dead
ones (the next output into that folder does). An output made for a database (`track=`)
also leaves a marker beside the database naming its temporary file, and the next open of the
database removes both (`custinfo.dbfiles.tidy`), wherever the output went.

`guard` is the one check every output option calls before writing: it refuses (exit 2) the
database, its `-wal`/`-shm`/`-journal`, the purge journal, the lock file, `.pre-restore-*`
copies and anything in a backup folder, by name after resolving symlinks and by device and
inode (hard links).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import io
import os
import secrets
import stat
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from custinfo.errors import UsageError
from custinfo.i18n import _

TMP_MARK = ".custinfo-tmp-"
STALE_AFTER_S = 5.0  # a named temporary this old whose flock is free belongs to a dead writer


def fsync_path(path: Path) -> None:
    """fsync a file or a folder by name."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def remove_quietly(path: Path | str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


class AtomicOutput:
    """One output file, published under its name only when complete (see the module doc).

    `open()` returns a binary file (or a text file with `encoding`); call `commit()` when
    everything is written, or `discard()` (safe to call twice, and after `commit`).
    """

    def __init__(
        self, path: Path, *, force: bool = False, mode: int = 0o600, track: Path | None = None
    ) -> None:
        self.path = Path(path)
        self.force = force
        self.mode = mode
        self.track = track  # the database whose next open removes a temporary left behind
        self._fd = -1
        self._file: IO[Any] | None = None
        self._tmp: Path | None = None
        self._marker: Path | None = None
        self._direct = False  # a device or FIFO (/dev/null, /dev/stdout): written in place
        self._target = self.path

    def open(self, encoding: str | None = None, newline: str | None = "") -> IO[Any]:
        try:
            info = os.stat(self.path)
        except FileNotFoundError:
            info = None
        except NotADirectoryError:
            raise UsageError(
                _("cannot write {path}: a parent is not a folder").format(path=self.path)
            ) from None
        if info is not None and stat.S_ISDIR(info.st_mode):
            raise UsageError(_("{path} is a directory").format(path=self.path))
        if info is not None and not stat.S_ISREG(info.st_mode):
            self._direct = True  # never rename over (or chmod) a device, FIFO or socket
            self._fd = os.open(self.path, os.O_WRONLY)
        else:
            target = Path(os.path.realpath(self.path))  # through a symlink: the real file
            if info is not None and not self.force:
                raise UsageError(
                    _("{path} already exists; use --force to overwrite it").format(path=self.path)
                )
            self._target = target
            self._fd = self._create_temp(target.parent)
        if encoding is None:
            self._file = open(self._fd, "wb", closefd=False)  # noqa: SIM115
        else:
            self._file = open(  # noqa: SIM115
                self._fd, "w", encoding=encoding, newline=newline, closefd=False
            )
        return self._file

    def _create_temp(self, folder: Path) -> int:
        if not folder.is_dir():
            raise UsageError(
                _("cannot write {path}: no folder {folder}").format(path=self.path, folder=folder)
            )
        sweep_stale(folder)
        tmp = folder / f".{self._target.name[:100]}{TMP_MARK}{secrets.token_hex(6)}"
        if self.track is not None:
            from custinfo import dbfiles

            self._marker = dbfiles.mark_output(self.track, tmp)
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, self.mode)
        except BaseException:
            self._drop_marker()
            raise
        self._tmp = tmp
        fcntl.flock(fd, fcntl.LOCK_EX)  # tells sweep_stale that its writer is alive
        os.fchmod(fd, self.mode)
        return fd

    def _drop_marker(self) -> None:
        if self._marker is not None:
            remove_quietly(self._marker)
            self._marker = None

    def commit(self) -> None:
        """Flush, fsync and publish under the final name (then fsync the folder)."""
        assert self._file is not None, "open() first"
        try:
            self._file.flush()
            if self._direct:
                self._close()
                return
            os.fsync(self._fd)
            assert self._tmp is not None
            if self.force:
                os.replace(self._tmp, self._target)
            else:
                self._link_no_clobber(self._tmp)
            self._tmp = None
            fsync_path(self._target.parent)
        except BaseException:
            self.discard()
            raise
        self._close()
        self._drop_marker()

    def _link_no_clobber(self, tmp: Path) -> None:
        """Publish without replacing a file that appeared meanwhile (a hard link fails if
        the name exists); where links are impossible, check and rename."""
        try:
            os.link(tmp, self._target)
        except FileExistsError:
            raise UsageError(
                _("{path} already exists; use --force to overwrite it").format(path=self.path)
            ) from None
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.EMLINK, errno.EXDEV):
                raise
            if self._target.exists():
                raise UsageError(
                    _("{path} already exists; use --force to overwrite it").format(path=self.path)
                ) from None
            os.replace(tmp, self._target)
            return
        os.unlink(tmp)

    def discard(self) -> None:
        """Close and remove the temporary file; errors while doing so are ignored."""
        self._close()
        if self._tmp is not None:
            remove_quietly(self._tmp)
            self._tmp = None
        self._drop_marker()

    def _close(self) -> None:
        if self._file is not None:
            with contextlib.suppress(Exception):  # a full disk fails the flush again: ignore
                self._file.close()
            self._file = None
        if self._fd >= 0:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = -1


@contextlib.contextmanager
def atomic_output(
    path: Path,
    *,
    force: bool = False,
    encoding: str | None = None,
    newline: str | None = "",
    track: Path | None = None,
) -> Iterator[IO[Any]]:
    """`with atomic_output(p) as f:` — `f` is published under `p` only if the block ends well."""
    out = AtomicOutput(path, force=force, track=track)
    try:
        handle = out.open(encoding, newline)
        yield handle
    except BaseException:
        out.discard()
        raise
    out.commit()


def write_atomic(path: Path, data: bytes) -> None:
    """Replace `path` with `data` (0600), all or nothing."""
    with atomic_output(path, force=True) as handle:
        handle.write(data)


def copy_atomic(src: Path, dst: Path, *, force: bool = False) -> None:
    """Copy `src` to `dst` (0600) all or nothing: a full disk leaves no partial `dst`."""
    import shutil

    with open(src, "rb") as inp, atomic_output(dst, force=force) as out:
        shutil.copyfileobj(inp, out, 1 << 20)


def sweep_stale(folder: Path) -> list[Path]:
    """Remove named temporaries in `folder` left by writers that died (kill -9, power loss)."""
    removed = []
    try:
        names = [e.name for e in os.scandir(folder) if e.name.startswith(".")]
    except OSError:
        return removed
    for name in names:
        path = folder / name
        if TMP_MARK in name and is_stale(path):
            remove_quietly(path)
            removed.append(path)
    return removed


def is_stale(path: Path) -> bool:
    """True for a temporary file whose writer is gone: its `flock` is free and it has not
    changed for `STALE_AFTER_S` (the writer takes the lock just after creating it)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or time.time() - info.st_mtime < STALE_AFTER_S:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False  # its writer is still at work
        return True
    finally:
        os.close(fd)


# -- custinfo's own files ---------------------------------------------------------------------
def guard(target: Path, db_path: Path | None) -> None:
    """Raise UsageError (exit 2) if writing `target` could overwrite one of custinfo's files.

    Checked by name after resolving symlinks (also for a target that does not exist yet) and
    by device and inode against every existing own file (hard links).
    """
    what = own_file(target, db_path)
    if what:
        raise UsageError(
            _("refusing to write to {target}: it is {what}").format(target=target, what=what)
        )


def guard_stream(stream: Any, db_path: Path | None) -> None:
    """The same for an already open stream (stdout redirected with `>>` onto the database)."""
    try:
        info = os.fstat(stream.fileno())
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return
    if not stat.S_ISREG(info.st_mode):
        return
    for path, what in _protected(db_path):
        with contextlib.suppress(OSError):
            other = os.stat(path)
            if (other.st_dev, other.st_ino) == (info.st_dev, info.st_ino):
                raise UsageError(
                    _("refusing to write to standard output: it is {what}").format(what=what)
                )


def own_file(target: Path, db_path: Path | None) -> str:
    """What `target` is among custinfo's own files ("" when it is none of them)."""
    from custinfo import dbfiles

    real = Path(os.path.realpath(target))
    try:
        info = os.stat(target)
        inode = (info.st_dev, info.st_ino)
    except OSError:
        inode = None
    for path, what in _protected(db_path):
        if Path(os.path.realpath(path)) == real:
            return f"{what} ({path})"
        if inode is not None:
            with contextlib.suppress(OSError):
                other = os.stat(path)
                if (other.st_dev, other.st_ino) == inode:
                    return _("the same file as {what} {path} (a link to it)").format(
                        what=what, path=path
                    )
    folder = dbfiles.backup_folder_of(real.parent, db_path)
    if folder is not None:
        return _("in the backup folder {folder}").format(folder=folder)
    if db_path is not None and dbfiles.is_restore_temp(real, db_path):
        return _("a temporary file of 'backup restore'")
    return ""


def _protected(db_path: Path | None) -> Iterator[tuple[Path, str]]:
    from custinfo import dbfiles

    if db_path is None:
        return
    yield from dbfiles.siblings(db_path)
    for folder in dbfiles.backup_folders(db_path):
        with contextlib.suppress(OSError):
            for entry in os.scandir(folder):
                yield (
                    Path(entry.path),
                    _("a file in the backup folder {folder}").format(folder=folder),
                )

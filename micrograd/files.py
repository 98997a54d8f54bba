"""Files, safely: nothing a user saved is ever lost, and reading never blocks or runs away with memory.

``write_atomically`` writes beside the target, flushes, and renames over it, and only ever replaces a regular file
(or creates a new one). ``read_regular_file`` reads only regular files, up to a size limit.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from pathlib import Path

#: How many symbolic links ``write_atomically`` follows from the path it was given to the file it writes.
MAX_SYMLINKS = 40

_KINDS = {
    stat.S_IFDIR: "a directory",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFIFO: "a named pipe (FIFO)",
    stat.S_IFSOCK: "a socket",
    stat.S_IFLNK: "a symbolic link",
}


class NotRegularFileError(OSError):
    """The path names something other than a regular file (a device, a pipe, a socket...), which micrograd will
    neither replace nor read. ``filename`` is the path; ``kind`` says what it is, e.g. 'a character device'."""

    kind: str = ""


def kind_of(mode: int) -> str:
    """'a directory', 'a character device', ... for a ``st_mode``; 'a regular file' for one."""
    return "a regular file" if stat.S_ISREG(mode) else _KINDS.get(stat.S_IFMT(mode), "not a regular file")


def _not_regular(path: os.PathLike[str] | str, mode: int, doing: str) -> OSError:
    kind = kind_of(mode)
    if stat.S_ISDIR(mode):
        return IsADirectoryError(errno.EISDIR, f"is a directory: {doing}", str(path))
    err = NotRegularFileError(errno.EINVAL, f"is {kind}, not a regular file: {doing}", str(path))
    err.kind = kind
    return err


def _target(path: Path) -> tuple[Path, os.stat_result | None]:
    """Follow ``path`` through symbolic links to the file a write should land in, and that file's status
    (None when nothing is there yet)."""
    for _ in range(MAX_SYMLINKS + 1):
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            return path, None
        if not stat.S_ISLNK(st.st_mode):
            return path, st
        path = path.parent / os.readlink(path)
    raise OSError(errno.ELOOP, "too many levels of symbolic links", str(path))


def _umask() -> int:
    """The process umask, read without changing it when the system says it (Linux); else set and restored."""
    with contextlib.suppress(OSError, ValueError), open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _naming(err: OSError, path: Path) -> OSError:
    """``err`` again, naming ``path`` rather than the temporary file beside it."""
    return type(err)(err.errno, err.strerror or str(err), str(path))


def write_atomically(path: str | os.PathLike[str], data: str | bytes) -> Path:
    """Write ``data`` to a temporary file beside ``path``, flush it to disk, then rename it over ``path``.

    A crash or a full disk leaves either the old file or the new one, never half of either. Only a regular file
    is ever replaced: a directory raises ``IsADirectoryError``, a device, pipe or socket ``NotRegularFileError``
    (both ``OSError``), and a file you may not write ``PermissionError``. A symbolic link is written through: its
    target gets the new content and the link stays. A replaced file keeps its permissions (and, where the process
    may set them, its owner). Missing parent folders of ``path`` are created. Returns the path written (the
    link's target for a link).
    """
    given = Path(path)
    target, st = _target(given)
    if st is not None:
        if not stat.S_ISREG(st.st_mode):
            raise _not_regular(given, st.st_mode, "refusing to replace it")
        if not os.access(target, os.W_OK):
            raise PermissionError(errno.EACCES, "is read-only: refusing to replace it", str(given))
    if target == given:
        try:
            given.parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise _naming(err, given.parent) from None
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as err:
        raise _naming(err, given) from None
    try:
        if st is None:
            os.chmod(tmp, 0o666 & ~_umask())  # the permissions an ordinary open() would give
        else:
            os.chmod(tmp, stat.S_IMODE(st.st_mode))  # keep the replaced file's permissions...
            if (st.st_uid, st.st_gid) != (os.geteuid(), os.getegid()):
                with contextlib.suppress(OSError):  # ...and owner, where allowed
                    os.chown(tmp, st.st_uid, st.st_gid)
        payload = data.encode("utf-8") if isinstance(data, str) else data
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException as err:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(err, OSError):
            raise _naming(err, given) from None
        raise
    with contextlib.suppress(OSError):  # make the rename itself durable
        dir_fd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    return target


def read_regular_file(path: str | os.PathLike[str], max_bytes: int, what: str = "file") -> bytes:
    """The bytes of the regular file at ``path`` (symbolic links followed), refusing anything else.

    Never blocks and never reads more than ``max_bytes``: a named pipe, a device, a socket or a directory is a
    ``ValueError`` (it is not opened for reading in a way that could wait), as is a file larger than
    ``max_bytes`` or an empty one (special files such as those under /proc report size 0 and are not read).
    A missing or unreadable file raises the usual ``OSError``. Every message names ``path`` and ``what``.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ValueError(f"{path} is {kind_of(st.st_mode)}, not a regular file: a {what} must be a regular file")
        if st.st_size > max_bytes:
            raise ValueError(f"{path} is {st.st_size} bytes, more than a {what} may be ({max_bytes} bytes)")
        if st.st_size == 0:
            raise ValueError(f"{path} is empty (or a special file that reports no size): not a {what}")
        chunks, total = [], 0
        while total <= max_bytes:
            chunk = os.read(fd, min(1 << 20, max_bytes + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > max_bytes:
            raise ValueError(f"{path} grew past {max_bytes} bytes while being read: not a {what}")
        return b"".join(chunks)
    finally:
        os.close(fd)

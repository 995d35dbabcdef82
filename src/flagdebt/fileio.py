"""Reading and replacing the user's files without losing or corrupting anything.

Reads take only regular files (a FIFO or a device would block or never end) up to a size
cap. A replacement is written next to the file and renamed over it, keeping mode, owner
and group; it goes through a symlink to its target (the link stays a link), writes a file
with several hard links in place (the links stay shared), and leaves alone a file that
changed since it was read.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass
from pathlib import Path

MAX_BYTES = 16 * 1024 * 1024  # larger files are not source code, registries or configs


class NotRegularFile(OSError):
    """A path that is a FIFO, a device, a socket or a folder where a file was expected."""


class WriteRefused(Exception):
    """Why a file was left as it was (the message does not repeat the path)."""


@dataclass(frozen=True)
class Fingerprint:
    """What a file was when it was read: its size, modification time and content hash."""

    size: int
    mtime_ns: int
    digest: bytes

    @classmethod
    def of(cls, status: os.stat_result, data: bytes) -> Fingerprint:
        import hashlib  # not on the check path: only writes fingerprint what they read

        return cls(status.st_size, status.st_mtime_ns, hashlib.sha256(data).digest())


def read_regular(path: str | os.PathLike[str], limit: int = MAX_BYTES) -> bytes:
    """The bytes of a regular file; OSError (with a plain `strerror`) for anything else."""
    return _read(path, limit)[0]


def read_fingerprinted(path: str | os.PathLike[str],
                       limit: int = MAX_BYTES) -> tuple[bytes, Fingerprint]:
    """The bytes of a regular file and its fingerprint, taken from the same open file."""
    data, status = _read(path, limit)
    return data, Fingerprint.of(status, data)


def _read(path: str | os.PathLike[str], limit: int) -> tuple[bytes, os.stat_result]:
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            kind = "a folder" if stat.S_ISDIR(status.st_mode) else "a FIFO, device or socket"
            raise NotRegularFile(errno.EINVAL, f"not a regular file ({kind})")
        if status.st_size > limit:
            raise OSError(errno.EFBIG, f"too large ({megabytes(status.st_size)}, the limit is "
                                       f"{megabytes(limit)})")
        data = _read_all(descriptor, status.st_size, limit)
    finally:
        os.close(descriptor)
    return data, status


def _read_all(descriptor: int, expected: int, limit: int) -> bytes:
    """One read when the size is right (the usual case); more if the file grew meanwhile."""
    first = os.read(descriptor, expected + 1)
    if len(first) <= expected:
        return first
    parts = [first]
    size = len(first)
    while True:
        part = os.read(descriptor, 1 << 20)
        if not part:
            return b"".join(parts)
        size += len(part)
        if size > limit:
            raise OSError(errno.EFBIG, f"too large (more than {megabytes(limit)})")
        parts.append(part)


def megabytes(size: int) -> str:
    """A size as the messages give it: `15.2 MB` (MiB, one decimal)."""
    return f"{size / 1024 / 1024:.1f} MB"


def write_target(path: Path, root: Path | None) -> Path:
    """The file a write to `path` lands in: a symlink's target, if it lies inside `root`."""
    if not path.is_symlink():
        return path
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError) as error:
        raise WriteRefused(f"a symlink that cannot be followed: {_reason(error)}") from None
    if root is not None:
        inside = os.path.realpath(root)
        if not os.fspath(target).startswith(inside.rstrip(os.sep) + os.sep):
            raise WriteRefused(f"a symlink to {target}, outside the project: left alone")
    return target


def replace_file(path: Path, data: bytes, read_as: Fingerprint | None,
                 root: Path | None = None) -> Path:
    """Replace the file at `path` (through a symlink) with `data`; the file written.

    `read_as` is the file as it was read: a file that changed since is not replaced.
    """
    target = write_target(path, root)
    try:
        status = os.stat(target)
    except OSError as error:
        raise WriteRefused(f"cannot read it again: {_reason(error)}") from None
    if not stat.S_ISREG(status.st_mode):
        raise WriteRefused("not a regular file")
    _check_unchanged(target, status, read_as)
    if not status.st_mode & stat.S_IWUSR:
        raise WriteRefused("the file is read-only")
    try:
        if status.st_nlink > 1:
            _write_in_place(target, data, status)  # a rename would split the hard links
        else:
            _write_beside(target, data, status, read_as)
    except OSError as error:
        raise WriteRefused(f"cannot write: {_reason(error)}") from None
    return target


def new_file_beside(path: Path, data: bytes) -> str:
    """A temporary file next to `path` holding `data`, synced to disk, with the mode a new
    file gets (0o666 less the umask); the caller links or renames it into place and
    removes it if that fails. OSError when it cannot be written (nothing is left behind)."""
    import tempfile

    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(temporary, 0o666 & ~mask)
    except BaseException:
        os.unlink(temporary)
        raise
    return temporary


def _check_unchanged(target: Path, status: os.stat_result, read_as: Fingerprint | None) -> None:
    if read_as is None:
        return
    same = status.st_size == read_as.size and status.st_mtime_ns == read_as.mtime_ns
    if same:
        try:
            same = Fingerprint.of(status, read_regular(target)).digest == read_as.digest
        except OSError:
            same = False
    if not same:
        raise WriteRefused("changed since flagdebt read it (edited meanwhile?): left alone, "
                           "run again")


def _write_beside(target: Path, data: bytes, status: os.stat_result,
                  read_as: Fingerprint | None) -> None:
    """Temp file in the same folder, same mode and owner, renamed over the target."""
    import tempfile  # only writes need it; check only reads

    try:
        handle, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".flagdebt",
                                        dir=target.parent)
    except OSError as error:
        raise WriteRefused(f"cannot create a file in its folder: {_reason(error)}") from None
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
            os.fchmod(stream.fileno(), stat.S_IMODE(status.st_mode))
            owned = _keep_owner(stream.fileno(), status)
        if not owned:  # we may not give the file away: write in place, which keeps the owner
            os.unlink(temp)
            _write_in_place(target, data, status)
            return
        if read_as is not None:
            _check_unchanged(target, os.stat(target), read_as)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _keep_owner(descriptor: int, status: os.stat_result) -> bool:
    mine = os.fstat(descriptor)
    if (mine.st_uid, mine.st_gid) == (status.st_uid, status.st_gid):
        return True
    try:
        os.fchown(descriptor, status.st_uid, status.st_gid)
    except PermissionError:
        return False
    return True


def _write_in_place(target: Path, data: bytes, status: os.stat_result) -> None:
    """Overwrite the file's bytes, reserving the space first so a full disk stops it early."""
    descriptor = os.open(target, os.O_WRONLY | getattr(os, "O_CLOEXEC", 0))
    try:
        if len(data) > status.st_size and hasattr(os, "posix_fallocate"):
            try:
                os.posix_fallocate(descriptor, 0, len(data))
            except OSError as error:
                if error.errno not in (errno.EOPNOTSUPP, errno.EINVAL):
                    raise
        view = memoryview(data)
        while view:
            view = view[os.write(descriptor, view):]
        os.ftruncate(descriptor, len(data))
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _reason(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror[0].lower() + error.strerror[1:]
    return str(error)


def write_atomically(path: Path, data: bytes) -> None:
    """Replace (or create) `path` with `data` via a temporary file, keeping mode, owner and links."""
    if not os.path.lexists(path):
        _create_atomically(path, data)
        return
    try:
        replace_file(path, data, None)
    except WriteRefused as error:
        raise OSError(errno.EACCES, str(error)) from None


def _create_atomically(path: Path, data: bytes) -> None:
    temporary = new_file_beside(path, data)
    try:
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise

"""micrograd.files: atomic writes that only ever replace regular files, and reads that only read regular files."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest

from micrograd.files import NotRegularFileError, read_regular_file, write_atomically

ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def char_device(tmp_path: Path) -> Path:
    """A character device to aim writes at. Where this process may make device nodes (root), a node for the "full"
    device (1, 7) made in ``tmp_path``, so that a regression replaces only that node, never the system's; else
    /dev/full itself, which a process that cannot make nodes cannot replace either."""
    node = tmp_path / "full"
    try:
        os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(1, 7))
        return node
    except (AttributeError, OSError):
        pass
    if not Path("/dev/full").is_char_device() or os.access("/dev", os.W_OK):
        pytest.skip("no character device this test can safely aim at")
    return Path("/dev/full")


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_a_new_file_gets_the_permissions_open_would_give(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        write_atomically(tmp_path / "sub" / "new.txt", "hello")
    finally:
        os.umask(old)
    path = tmp_path / "sub" / "new.txt"
    assert path.read_text() == "hello"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert leftovers(path.parent) == []


def test_a_replaced_file_keeps_its_mode(tmp_path: Path) -> None:
    path = tmp_path / "secret.json"
    path.write_text("old")
    path.chmod(0o600)
    write_atomically(path, "new")
    assert path.read_text() == "new"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.mark.skipif(not ROOT, reason="only root can give a file to another owner")
def test_a_replaced_file_keeps_its_owner_when_root_writes_it(tmp_path: Path) -> None:
    path = tmp_path / "theirs.json"
    path.write_text("old")
    os.chown(path, 12345, 12346)
    write_atomically(path, "new")
    assert (path.stat().st_uid, path.stat().st_gid) == (12345, 12346)


def test_a_read_only_file_is_refused_or_kept_read_only(tmp_path: Path) -> None:
    path = tmp_path / "keep.json"
    path.write_text("old")
    path.chmod(0o444)
    if ROOT:  # root may write any file, as open() would let it; the file stays read-only
        write_atomically(path, "new")
        assert path.read_text() == "new" and stat.S_IMODE(path.stat().st_mode) == 0o444
    else:
        with pytest.raises(PermissionError, match="read-only"):
            write_atomically(path, "new")
        assert path.read_text() == "old"


def test_a_symlink_is_written_through_to_its_target(tmp_path: Path) -> None:
    target = tmp_path / "runs" / "model.json"
    target.parent.mkdir()
    target.write_text("old")
    target.chmod(0o600)
    link = tmp_path / "latest.json"
    link.symlink_to(Path("runs") / "model.json")
    chain = tmp_path / "chain.json"
    chain.symlink_to(link)
    assert write_atomically(chain, "new") == target
    assert chain.is_symlink() and link.is_symlink() and os.readlink(link) == str(Path("runs") / "model.json")
    assert target.read_text() == "new" and link.read_text() == "new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert leftovers(tmp_path) == [] and leftovers(target.parent) == []


def test_a_dangling_symlink_creates_its_target(tmp_path: Path) -> None:
    link = tmp_path / "link.json"
    link.symlink_to("target.json")
    write_atomically(link, "x")
    assert link.is_symlink() and (tmp_path / "target.json").read_text() == "x"


def test_a_symlink_loop_is_an_error_naming_it(tmp_path: Path) -> None:
    (tmp_path / "a").symlink_to("b")
    (tmp_path / "b").symlink_to("a")
    with pytest.raises(OSError, match="symbolic links") as info:
        write_atomically(tmp_path / "a", "x")
    assert info.value.errno == errno.ELOOP


def test_a_character_device_is_refused_and_stays_a_device(tmp_path: Path) -> None:
    device = char_device(tmp_path)
    with pytest.raises(NotRegularFileError, match="character device") as info:
        write_atomically(device, b"bytes")
    assert info.value.filename == str(device) and isinstance(info.value, OSError)
    assert device.is_char_device()
    assert leftovers(device.parent) == []


def test_a_symlink_to_a_device_is_refused(tmp_path: Path) -> None:
    device = char_device(tmp_path)
    link = tmp_path / "out.svg"
    link.symlink_to(device)
    with pytest.raises(NotRegularFileError, match="character device"):
        write_atomically(link, "x")
    assert link.is_symlink() and device.is_char_device()


def test_a_fifo_and_a_directory_are_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(NotRegularFileError, match="named pipe"):
        write_atomically(fifo, "x")
    assert fifo.is_fifo()
    folder = tmp_path / "folder"
    folder.mkdir()
    with pytest.raises(IsADirectoryError, match="is a directory"):
        write_atomically(folder, "x")
    assert folder.is_dir() and list(folder.iterdir()) == []
    assert leftovers(tmp_path) == []


def test_a_path_under_a_file_or_in_proc_is_an_os_error_naming_it(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(OSError) as info:
        write_atomically(tmp_path / "file" / "out.svg", "x")
    assert str(tmp_path / "file") in str(info.value.filename)
    with pytest.raises(OSError) as info:
        write_atomically("/proc/micrograd-test.svg", "x")  # no one, root included, may create files in /proc
    assert info.value.filename == "/proc/micrograd-test.svg"


def test_reading_refuses_anything_but_a_regular_file_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)  # opening it for reading the ordinary way would wait for a writer forever
    with pytest.raises(ValueError, match=r"pipe.*not a regular file"):
        read_regular_file(fifo, 100)
    zero = tmp_path / "zero.json"
    zero.symlink_to("/dev/zero")  # reading it the ordinary way would never end
    with pytest.raises(ValueError, match="character device"):
        read_regular_file(zero, 100)
    with pytest.raises(ValueError, match="directory"):
        read_regular_file(tmp_path, 100)
    with pytest.raises(FileNotFoundError):
        read_regular_file(tmp_path / "missing", 100)


def test_reading_caps_the_size_and_refuses_empty_and_special_files(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    path.write_bytes(b"x" * 101)
    with pytest.raises(ValueError, match="101 bytes, more than"):
        read_regular_file(path, 100)
    assert read_regular_file(path, 101) == b"x" * 101
    path.write_bytes(b"")
    with pytest.raises(ValueError, match="empty"):
        read_regular_file(path, 100)
    if Path("/proc/self/status").exists():  # reports size 0 but has content: not read at all
        with pytest.raises(ValueError, match="empty"):
            read_regular_file("/proc/self/status", 100)

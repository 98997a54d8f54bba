"""`micrograd playground`: serves the page on loopback, prints its address, warns when --host is given."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(*args: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    cmd = [sys.executable, "-m", "micrograd.cli", "playground", "--no-browser", "--port", str(port), *args]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    return proc, line


def fetch(url: str) -> str:
    for _ in range(100):
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                return r.read().decode()
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing served at {url}")


def test_the_command_serves_the_page_on_loopback() -> None:
    proc, line = start()
    try:
        assert line.startswith("micrograd playground at http://127.0.0.1:")
        url = line.split()[3]
        assert "micrograd playground" in fetch(url)
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=10)
    assert "warning" not in err


def test_an_explicit_host_is_warned_about() -> None:
    proc, line = start("--host", "127.0.0.1")
    try:
        fetch(line.split()[3])
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=10)
    assert "warning: serving on 127.0.0.1 as asked" in err


def test_a_bad_port_is_refused() -> None:
    result = subprocess.run([sys.executable, "-m", "micrograd.cli", "playground", "--port", "70000"],
                            capture_output=True, text=True)  # fmt: skip
    assert result.returncode == 2 and "port number from 1 to 65535" in result.stderr

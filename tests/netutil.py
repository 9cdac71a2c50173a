"""Loopback helpers for the tests' real servers (moto, aiosmtpd, agency serve)."""
import socket


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, proc, seconds: float, what: str) -> None:
    """Poll ``url`` until it answers; fail the run (never skip) if ``proc`` dies or time runs out."""
    import time
    import urllib.request

    import pytest

    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except Exception:  # noqa: BLE001 - any failure means "not yet"
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(what, pytrace=False)
            time.sleep(0.1)

"""Loopback helpers for the tests' real servers (moto, aiosmtpd, agency serve)."""
import socket


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

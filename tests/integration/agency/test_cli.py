"""The ``agency`` command as an operator runs it: demo, user add, worker and serve with SIGTERM."""
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.netutil import free_port

AGENCY = str(Path(sys.executable).with_name("agency"))


def run(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([AGENCY, *args], capture_output=True, text=True, timeout=120, env=dict(os.environ), **kw)


def test_demo_is_idempotent():
    first = run("demo")
    assert first.returncode == 0, first.stderr
    second = run("demo")
    assert second.returncode == 0
    assert "nothing to do" in second.stdout
    assert "admin@demo.test" in second.stdout and "demo-password" in second.stdout


def test_user_add_with_password_and_with_a_bad_organisation():
    ok = run("user", "add", "--email", "cli-user@example.test", "--name", "Cli", "--role", "negotiator", "--password", "a-long-password-1")
    assert ok.returncode == 0, ok.stderr
    bad = run("user", "add", "--email", "cli-2@example.test", "--name", "X", "--role", "creditor", "--organisation", "B00000000")
    assert bad.returncode == 2 and "no organisation" in bad.stderr
    dup = run("user", "add", "--email", "cli-user@example.test", "--name", "Cli", "--role", "negotiator")
    assert dup.returncode == 2 and "email:" in dup.stderr  # the field named, in the operator's language


def test_worker_stops_cleanly_on_sigterm():
    proc = subprocess.Popen([AGENCY, "worker", "--interval", "0.2"], stderr=subprocess.PIPE, text=True, env=dict(os.environ))
    time.sleep(2)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=15) == 0
    assert "worker stopped" in proc.stderr.read()


def test_serve_logs_json_with_request_ids_and_stops_on_sigterm():
    port = free_port()
    proc = subprocess.Popen([AGENCY, "serve", "--port", str(port)], stderr=subprocess.PIPE, text=True, env=dict(os.environ))
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(base + "/health", timeout=1)
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, "server did not start"
                time.sleep(0.2)
        request = urllib.request.Request(base + "/login?next=/cases&q=Deudor%20Secreto", headers={"X-Request-ID": "req-test-12345"})
        with urllib.request.urlopen(request) as response:
            assert response.headers["X-Request-ID"] == "req-test-12345"
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=40)
    # uvicorn finishes the requests in flight, runs the lifespan shutdown, then re-raises SIGTERM
    assert code in (0, -signal.SIGTERM)
    lines = [json.loads(line) for line in proc.stderr.read().splitlines() if line.startswith("{")]
    assert any("shutdown complete" in line["message"].lower() for line in lines), lines[-5:]
    access = [line for line in lines if line.get("path") == "/login"]
    assert access and access[0]["request_id"] == "req-test-12345" and access[0]["status"] == 200
    assert not any("Deudor" in json.dumps(line) for line in lines)  # no query strings in logs


@pytest.mark.parametrize("argv", [["migrate"]])
def test_migrate_is_repeatable(argv):
    result = run(*argv)
    assert result.returncode == 0, result.stderr

"""agency.logs.write_access: the access line in the JSON shape of every other line, and a broken stream
never breaks the request that is being logged."""
import io
import json
import logging

from agency import logs


class _Broken(io.StringIO):
    def write(self, text):
        raise OSError("broken pipe")


def test_access_line_shape_and_a_broken_stream(monkeypatch):
    logs.configure("INFO")
    handler = logging.getLogger().handlers[0]
    monkeypatch.setattr(handler, "stream", io.StringIO())
    logs.write_access("GET", "/queue", 200, 1.5, 7, "abcdef0123456789")
    line = json.loads(handler.stream.getvalue())
    assert line["logger"] == "agency.access" and line["request_id"] == "abcdef0123456789"
    assert {k: line[k] for k in ("method", "path", "status", "duration_ms", "user_id")} == \
        {"method": "GET", "path": "/queue", "status": 200, "duration_ms": 1.5, "user_id": 7}
    assert set(line) >= {"time", "level", "message"}
    monkeypatch.setattr(handler, "stream", _Broken())
    monkeypatch.setattr(logging, "raiseExceptions", False)  # logging reports a failed emit and carries on
    logs.write_access("GET", "/queue", 200, 1.5, 7, "abcdef0123456789")  # does not raise


def test_a_line_is_in_the_file_when_write_access_returns(tmp_path, monkeypatch):
    """The flush is left out only where the write already reached the file (stderr writes through since Python 3.9)."""
    logs.configure("INFO")
    handler = logging.getLogger().handlers[0]
    path = tmp_path / "log"
    for stream, at_once in ((open(path, "w"), False), (io.TextIOWrapper(open(path, "wb", buffering=0), write_through=True), True),
                            (open(path, "w", buffering=1), True), (io.StringIO(), False)):
        with stream:
            assert logs.writes_at_once(stream) is at_once
            monkeypatch.setattr(handler, "stream", stream)
            logs.write_access("GET", "/queue", 200, 1.5, 7, "abcdef0123456789")
            if not isinstance(stream, io.StringIO):
                assert json.loads(path.read_text())["path"] == "/queue"  # read while the stream is still open


def test_request_ids_are_distinct_well_formed_and_a_forked_worker_has_its_own():
    import os

    ids = [logs.new_request_id() for _ in range(1000)]
    assert len(set(ids)) == 1000 and all(logs._VALID_ID.match(i) for i in ids)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child writes its next id and leaves at once
        os.write(write, logs.new_request_id().encode())
        os._exit(0)
    os.waitpid(pid, 0)
    child = os.read(read, 64).decode()
    assert logs._VALID_ID.match(child) and child[:8] != ids[0][:8]

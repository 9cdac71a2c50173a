"""One query run raw through the standard library's sqlite3, as the queue benchmark's baseline on SQLite: a process of
`python -m tests.bench.sqlite_raw PATH THREADS SECONDS`, the query and its arguments as a line of JSON on stdin
({"sql": ..., "args": [...]}), opens THREADS threads (a connection of its own each, kept, set as the application sets
its kept connections: agency.db.READ_PRAGMAS, so the baseline has what the server has), warms them, says "ready" on
stdout, waits for a wall-clock time on stdin, runs the query back to back on every thread from that time for SECONDS,
and prints how many it ran, in how long, and each one's time in ms, as JSON. The benchmark starts as many of these
processes as the server has workers and sends them all the same time once every one is ready."""
import json
import sqlite3
import sys
import threading
import time

from agency.db import READ_PRAGMAS


def main(path: str, threads: int, seconds: float, sql: str, args: list) -> dict:
    latencies: list[list[float]] = [[] for _ in range(threads)]
    ready = threading.Barrier(threads + 1)
    go = threading.Event()
    start = 0.0

    def run(mine: list[float]) -> None:
        conn = sqlite3.connect(path, check_same_thread=False)
        for pragma in READ_PRAGMAS:
            conn.execute(pragma)
        for _ in range(20):  # the connection's cache and the statement cache warm, as a kept connection is
            conn.execute(sql, args).fetchall()
        ready.wait()
        go.wait()
        while time.time() < start:
            time.sleep(0.0005)
        end = start + seconds
        while True:
            began = time.perf_counter()
            rows = conn.execute(sql, args).fetchall()
            mine.append((time.perf_counter() - began) * 1000)
            assert rows
            if time.time() >= end:
                break
        conn.close()

    workers = [threading.Thread(target=run, args=(latencies[n],)) for n in range(threads)]
    for w in workers:
        w.start()
    ready.wait()
    print("ready", flush=True)
    start = float(sys.stdin.readline())
    go.set()
    for w in workers:
        w.join()
    return {"count": sum(len(m) for m in latencies), "seconds": time.time() - start, "latencies": [x for m in latencies for x in m]}


if __name__ == "__main__":
    query = json.loads(sys.stdin.readline())
    print(json.dumps(main(sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), query["sql"], query["args"])))

"""One query run raw through the standard library's sqlite3, as the queue benchmark's baseline on SQLite: a process of
`python -m tests.bench.sqlite_raw PATH THREADS START SECONDS`, the query and its arguments as JSON on stdin
({"sql": ..., "args": [...]}), runs it back to back on THREADS threads (a connection of its own each, kept, SQLite's
defaults) from the wall-clock time START for SECONDS, and prints how many it ran, in how long, and each one's time in ms, as
JSON.
The benchmark starts as many of these processes as the server has workers, at the same START, and adds them up."""
import json
import sqlite3
import sys
import threading
import time


def main(path: str, threads: int, start: float, seconds: float, sql: str, args: list) -> dict:
    latencies: list[list[float]] = [[] for _ in range(threads)]
    ready = threading.Barrier(threads + 1)

    def run(mine: list[float]) -> None:
        conn = sqlite3.connect(path, check_same_thread=False)
        for _ in range(20):  # the connection's cache and the statement cache warm, as a kept connection is
            conn.execute(sql, args).fetchall()
        ready.wait()
        while time.time() < start:
            time.sleep(0.001)
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
    for w in workers:
        w.join()
    return {"count": sum(len(m) for m in latencies), "seconds": time.time() - start, "latencies": [x for m in latencies for x in m]}


if __name__ == "__main__":
    query = json.load(sys.stdin)
    print(json.dumps(main(sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), query["sql"], query["args"])))

"""The benchmark's throughput measurement (bench/run.py): a page and its baselines take turns over the same
seconds, so a busy spell of the machine falls on all of them alike."""
import importlib.util
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

RUN = Path(__file__).resolve().parent.parent / "bench" / "run.py"


@pytest.fixture()
def bench_run():
    spec = importlib.util.spec_from_file_location("bench_run", RUN)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture()
def server():
    """A server on 127.0.0.1 answering /fast at once and /slow after 4 ms, noting the order of the paths."""
    seen = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append(self.path)
            if self.path == "/cookie":
                seen.append(self.headers.get("Cookie"))
            if self.path == "/slow":
                time.sleep(0.004)
            body = b"ok"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("X-Query-Count", "2")
            if self.path == "/cookie":
                self.send_header("Set-Cookie", "session=renewed; HttpOnly; Path=/")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1], seen
    httpd.shutdown()
    httpd.server_close()


def test_targets_take_turns_until_each_has_its_requests_and_seconds(bench_run, server, monkeypatch):
    port, seen = server
    monkeypatch.setattr(bench_run, "TURN_SECONDS", 0.05)
    fast, slow = bench_run.throughput_in_turn(port, [("/fast", None), ("/slow", None)], requests=20, clients=2,
                                              min_seconds=0.3)
    for measured in (fast, slow):
        assert measured["rps_requests"] >= 20
        assert measured["rps_seconds"] >= 0.3
        # rps_seconds is rounded to 10 ms
        assert measured["rps"] == pytest.approx(measured["rps_requests"] / measured["rps_seconds"], rel=0.05)
    # the slower page gets fewer requests per second
    assert slow["rps"] < fast["rps"]
    # the two took turns: at least three turns each (0.3 s in turns of 0.05 s), not one spell each
    changes = sum(1 for before, after in zip(seen, seen[1:]) if before != after)
    assert changes >= 5


def test_a_page_measured_alone_reports_latency_and_throughput(bench_run, server):
    port, _ = server
    row = bench_run.measure(port, "/slow", None, requests=10, clients=2, min_seconds=0.1)
    assert row["status"] == 200 and row["queries"] == 2 and row["bytes"] == 2
    assert 4 <= row["p50_ms"] <= row["p95_ms"]
    assert row["rps_requests"] >= 10 and row["rps_seconds"] >= 0.1
    latency_only = bench_run.measure(port, "/slow", None, requests=10, clients=2, with_throughput=False)
    assert "rps" not in latency_only and latency_only["p50_ms"] >= 4


def test_the_client_keeps_the_cookies_an_answer_sets_as_a_browser_does(bench_run, server):
    port, seen = server
    cookies = {"session": "first", "other": "kept"}
    bench_run.request(port, "GET", "/cookie", cookies)
    assert cookies == {"session": "renewed", "other": "kept"}
    bench_run.request(port, "GET", "/cookie", cookies)
    assert seen == ["/cookie", "session=first; other=kept", "/cookie", "session=renewed; other=kept"]
    # the baseline is asked for without cookies, and keeps none
    assert bench_run.request(port, "GET", "/cookie")[0] == 200

#!/usr/bin/env python
"""Benchmark the portal's key pages at two data sizes, under gunicorn, against a baseline page.

    .venv/bin/python bench/run.py                       # small and large, SQLite, 1 worker then 4
    .venv/bin/python bench/run.py --sizes small --workers 1 --requests 50
    .venv/bin/python bench/run.py --database-url postgresql+psycopg://... (an empty database per size)
    .venv/bin/python bench/run.py --sizes large --workers 1 --kinds html --markdown   # HTML pages only
    .venv/bin/python bench/run.py --from-json bench/results/<file>.json --markdown    # a table from a past run

For each size it builds (once, cached under bench/data/) a database with `flask generate-data`, starts
gunicorn on 127.0.0.1 with the bench configuration (PORTAL_CONFIG=bench: X-Query-Count header and the
/_bench/baseline page), signs in the generated accounts, and for every page measures the SQL queries per
request, p50 and p95 latency (one request at a time) and requests per second (several clients at once).
The baseline page runs the same number of trivial queries, so each page's throughput is also reported as a
ratio to it, which is steadier than raw figures on a busy machine: an HTML page and its baselines take turns of
a quarter of a second at being measured, over the same seconds. Each row gets a verdict against every
target of bench/README.md. Prints a table (with --markdown, also the README's table); writes JSON to
bench/results/ with the machine's load average before and after.
"""
import argparse
import http.client
import json
import os
import platform
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
FLASK = [str(PYTHON), "-m", "flask", "--app", "wsgi"]
GUNICORN = [str(PYTHON), "-m", "gunicorn"]

HTML, EXPORT, PDF = "html", "export", "pdf"
#: p95 targets in milliseconds, by kind of page (bench/README.md)
TARGET_P95_MS = {HTML: 100, EXPORT: 1000, PDF: 10000}

# (name, kind, who signs in, endpoint that must exist, path built from the generator's known ids)
PAGES = [
    ("Call-off list", HTML, None, "publication.call_off_list", "/call-off-lists/{system_slug}"),
    ("Call-off list, filtered", HTML, None, "publication.call_off_list",
     "/call-off-lists/{system_slug}?lot={filter_lot_id}&zone={filter_zone_id}"),
    ("Call-off list CSV", EXPORT, None, "publication.call_off_list_csv", "/call-off-lists/{system_slug}.csv"),
    ("Call-off list JSON", EXPORT, None, "publication.call_off_list_json", "/call-off-lists/{system_slug}.json"),
    ("Call-off list Excel", EXPORT, None, "publication.call_off_list_xlsx", "/call-off-lists/{system_slug}.xlsx"),
    ("Call-off list OCDS", EXPORT, None, "publication.call_off_list_ocds", "/call-off-lists/{system_slug}.ocds.json"),
    ("Provider dashboard", HTML, "provider", "onboarding.dashboard", "/provider/"),
    ("Provider application", HTML, "provider", "onboarding.task_list",
     "/provider/applications/{provider_application_id}"),
    ("Evaluator work list", HTML, "evaluator", "evaluation.work_list", "/evaluation/"),
    ("Evaluator scoring page", HTML, "evaluator", "evaluation.score",
     "/evaluation/assignments/{scoring_assignment_id}"),
    ("Moderation page", HTML, "commissioner", "evaluation.moderate",
     "/evaluation/applications/{moderation_application_id}/moderation"),
    ("Round page", HTML, "commissioner", "commissioning.round", "/commissioning/rounds/{evaluation_round_id}"),
    ("Round results table", HTML, "commissioner", "commissioning.results",
     "/commissioning/rounds/{evaluation_round_id}/results"),
    ("Commissioner dashboard", HTML, "commissioner", "commissioning.dashboard", "/commissioning/"),
    ("Audit log", HTML, "commissioner", "audit.log", "/audit/"),
    ("Audit log CSV", EXPORT, "commissioner", "audit.export", "/audit/export.csv"),
    ("Evaluation report PDF (100 applications)", PDF, "commissioner", "commissioning.evaluation_report",
     "/commissioning/rounds/{report_round_id}/evaluation-report.pdf"),
]


# ---- the database


_regenerated: set[str] = set()


def database_for(size: str, args) -> tuple[str, dict]:
    """A database URL holding the generated data of `size`, and the generator's known accounts and ids."""
    regenerate = args.regenerate and size not in _regenerated
    _regenerated.add(size)
    data_dir = ROOT / "bench" / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    if args.database_url:
        url = args.database_url.replace("{size}", size)
        known_path = data_dir / f"{size}-seed{args.seed}-{re.sub(r'[^a-z0-9]+', '-', url.split('/')[-1])}.json"
    else:
        path = data_dir / f"{size}-seed{args.seed}.db"
        url = f"sqlite:///{path}"
        known_path = path.with_suffix(".json")
        if regenerate and path.exists():
            path.unlink()
        if path.exists() and not known_path.exists():
            path.unlink()
    env = dict(os.environ, DATABASE_URL=url, PORTAL_CONFIG="development")
    # a cached database follows the portal's newest migrations too
    subprocess.run(FLASK + ["db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    if known_path.exists() and not regenerate:
        return url, json.loads(known_path.read_text())
    print(f"[{size}] generating data into {url} ...", flush=True)
    started = time.monotonic()
    subprocess.run(FLASK + ["generate-data", "--size", size, "--seed", str(args.seed), "--known", str(known_path)],
                   cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    known = json.loads(known_path.read_text())
    known["_generated_in_s"] = round(time.monotonic() - started, 1)
    known_path.write_text(json.dumps(known, indent=2))
    return url, known


def endpoints() -> set[str]:
    """The endpoints the portal has now (pages other helpers are still building are skipped)."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("SECRET_KEY", "bench-only")
    from portal import create_app

    app = create_app("bench", SQLALCHEMY_DATABASE_URI="sqlite://")
    return {rule.endpoint for rule in app.url_map.iter_rules()}


# ---- the server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn serving the portal with the bench configuration on 127.0.0.1."""

    def __init__(self, url: str, workers: int):
        self.port = free_port()
        env = dict(os.environ, DATABASE_URL=url, PORTAL_CONFIG="bench", SECRET_KEY="bench-only-not-a-secret")
        self.process = subprocess.Popen(
            GUNICORN + ["--workers", str(workers), "--bind", f"127.0.0.1:{self.port}", "--timeout", "120",
                        "--log-level", "warning", "wsgi:app"],
            cwd=ROOT, env=env, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                status, _, _ = request(self.port, "GET", "/_bench/baseline?queries=0")
                if status == 200:
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("gunicorn did not start")

    def worker_memory_mb(self) -> list[float]:
        """Resident memory of each worker process (children of the gunicorn master)."""
        result = []
        for pid in _children(self.process.pid):
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            match = re.search(r"VmRSS:\s+(\d+) kB", status)
            if match:
                result.append(round(int(match.group(1)) / 1024, 1))
        return result

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()


def _children(pid: int) -> list[int]:
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                children.append(int(entry.name))
    return children


# ---- HTTP


def request(port: int, method: str, path: str, cookies: dict | None = None, body: dict | None = None):
    """(status, headers, body bytes) of one request on a fresh connection. Like a browser, it keeps the cookies
    the answer sets in `cookies`: a signed-in page notes the person's activity in their session cookie now and
    then (portal/auth/sessions.py), and a client sending the first cookie forever would have every request after
    that note it again and sign a new cookie."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {}
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    data = None
    if body is not None:
        data = urlencode(body)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    connection.request(method, path, body=data, headers=headers)
    response = connection.getresponse()
    payload = response.read()
    result = (response.status, response.getheaders(), payload)
    if cookies is not None:
        _set_cookies(result[1], cookies)
    connection.close()
    return result


def _set_cookies(headers, cookies: dict) -> None:
    for name, value in headers:
        if name.lower() == "set-cookie":
            pair = value.split(";", 1)[0]
            key, _, val = pair.partition("=")
            cookies[key.strip()] = val.strip()


def sign_in(port: int, email: str, password: str) -> dict:
    cookies: dict = {}
    status, headers, body = request(port, "GET", "/sign-in")
    _set_cookies(headers, cookies)
    token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', body)
    form = {"email": email, "password": password}
    if token:
        form["csrf_token"] = token.group(1).decode()
    status, headers, _ = request(port, "POST", "/sign-in", cookies, form)
    _set_cookies(headers, cookies)
    if status != 302:
        raise RuntimeError(f"could not sign in as {email}: {status}")
    return cookies


def _query_count(headers) -> int:
    return int(dict((k.lower(), v) for k, v in headers).get("x-query-count", -1))


def measure(port: int, path: str, cookies: dict | None, requests: int, clients: int,
            min_seconds: float = 0.0, with_throughput: bool = True) -> dict:
    """Latency one request at a time, then (with_throughput) throughput with `clients` at once.

    The throughput phase sends at least `requests` requests and keeps going until `min_seconds` have passed:
    a fast page (the baseline answers a request in about 1 ms) would otherwise be timed over a few dozen
    milliseconds, where one pause of the machine changes its figure by half.
    """
    status, headers, body = request(port, "GET", path, cookies)  # warm-up, and the page's answer
    first_queries = _query_count(headers)
    latencies = []
    for _ in range(requests):
        started = time.perf_counter()
        s, headers, _ = request(port, "GET", path, cookies)
        latencies.append((time.perf_counter() - started) * 1000)
        if s != status:
            raise RuntimeError(f"{path} answered {s} after {status}")
    # the queries of a page as it is served again and again (a page kept rendered runs fewer than its first
    # time, which is reported too); the baseline runs as many as this
    queries = _query_count(headers)
    latencies.sort()
    result = {
        "status": status,
        "bytes": len(body),
        "queries": queries,
        "first_queries": first_queries,
        "p50_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(latencies[max(0, int(len(latencies) * 0.95) - 1)], 1),
        "max_ms": round(latencies[-1], 1),
        "requests": requests,
    }
    if with_throughput:
        result.update(throughput_in_turn(port, [(path, cookies)], requests, clients, min_seconds)[0])
    return result


#: how long each turn of throughput_in_turn lasts
TURN_SECONDS = 0.25


def throughput_in_turn(port: int, targets: list[tuple[str, dict | None]], requests: int, clients: int,
                       min_seconds: float = 0.0) -> list[dict]:
    """Requests per second of each (path, cookies), `clients` sending at once, the targets taking turns of
    TURN_SECONDS until each has had at least `requests` requests and `min_seconds` of time.

    A page and its baselines measured in turn over the same seconds share whatever else the machine is doing,
    so their ratio holds on a busy machine; measured one after the other over a few seconds each, a pause of
    the machine during one of them moved a ratio by a tenth.
    """
    counts = [0] * len(targets)
    seconds = [0.0] * len(targets)

    def turn(index: int) -> None:
        path, cookies = targets[index]
        done = []

        def client():
            while time.perf_counter() < until:
                request(port, "GET", path, cookies)
                done.append(1)

        threads = [threading.Thread(target=client) for _ in range(clients)]
        started = time.perf_counter()
        until = started + TURN_SECONDS
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        counts[index] += len(done)
        seconds[index] += time.perf_counter() - started

    while any(c < requests or s < min_seconds for c, s in zip(counts, seconds)):
        for index in range(len(targets)):
            turn(index)
    return [{"rps": round(c / s, 1), "rps_requests": c, "rps_seconds": round(s, 2)}
            for c, s in zip(counts, seconds)]


def measure_afresh(port: int, path: str, cookies: dict | None, requests: int) -> dict:
    """The page made afresh, as on its first view after any change in its council: before each request the
    worker forgets every page part it keeps (/_bench/forget, untimed), and the baseline page with as many
    queries is timed in turn, so the ratio of the two medians compares like with like. Latency one request at
    a time; meaningful with one worker (with more, the forgetting reaches only one of them)."""
    page_ms, baseline_ms, queries = [], [], None
    for _ in range(requests):
        request(port, "GET", "/_bench/forget")
        started = time.perf_counter()
        status, headers, _ = request(port, "GET", path, cookies)
        page_ms.append((time.perf_counter() - started) * 1000)
        queries = _query_count(headers)
        started = time.perf_counter()
        request(port, "GET", f"/_bench/baseline?queries={queries}")
        baseline_ms.append((time.perf_counter() - started) * 1000)
    page_ms.sort()
    page_p50, baseline_p50 = statistics.median(page_ms), statistics.median(baseline_ms)
    return {"afresh_queries": queries, "afresh_p50_ms": round(page_p50, 1),
            "afresh_p95_ms": round(page_ms[max(0, int(len(page_ms) * 0.95) - 1)], 1),
            "afresh_baseline_p50_ms": round(baseline_p50, 1),
            "afresh_latency_ratio": round(baseline_p50 / page_p50, 2) if page_p50 else None}


# ---- one run


#: an HTML page's throughput must be at least this share of the baseline's
TARGET_RPS_RATIO = 1 / 3
MAX_QUERIES = 15
#: each worker's resident memory after the whole benchmark
TARGET_MEMORY_MB = 300


def verdicts(row: dict) -> dict:
    """The row's result against each target: p95, throughput against the baseline (HTML pages), queries."""
    kind = row["kind"]
    result = {"p95_target_ms": TARGET_P95_MS[kind], "p95_met": row["p95_ms"] <= TARGET_P95_MS[kind],
              "queries_met": 0 <= max(row["queries"], row.get("first_queries", 0)) <= MAX_QUERIES}
    if kind == HTML:
        result["rps_ratio_met"] = row["rps_ratio"] is not None and row["rps_ratio"] >= TARGET_RPS_RATIO
    misses = []
    if not result["p95_met"]:
        misses.append(f"p95 > {TARGET_P95_MS[kind]:,} ms")
    if result.get("rps_ratio_met") is False:
        misses.append("throughput < 1/3 of baseline")
    if not result["queries_met"]:
        misses.append(f"> {MAX_QUERIES} queries")
    result["verdict"] = "ok" if not misses else "MISS: " + "; ".join(misses)
    return result


def run_size(size: str, workers: int, args, available: set[str]) -> dict:
    url, known = database_for(size, args)
    server = Server(url, workers)
    try:
        sessions = {}
        for who in ("provider", "evaluator", "commissioner"):
            sessions[who] = sign_in(server.port, known[who], known["password"])
        results = []
        clients = max(2, workers * 2)
        for name, kind, who, endpoint, template in PAGES:
            if kind not in args.kinds.split(","):
                continue
            row = {"page": name, "kind": kind, "path": None}
            if endpoint not in available:
                row["skipped"] = f"not on main yet ({endpoint})"
                results.append(row)
                print(f"  {name:<44} skipped: {row['skipped']}", flush=True)
                continue
            try:
                path = template.format(**known)
            except KeyError as missing:
                row["skipped"] = f"the generated data has no {missing}"
                results.append(row)
                continue
            row["path"] = path
            count = {HTML: args.requests, EXPORT: max(5, args.requests // 10), PDF: 3}[kind]
            in_turns = kind == HTML
            # latency one request at a time; for an HTML page, its throughput is measured below in turns with
            # its baselines', over the same seconds; an export or the PDF is measured alone, then its baseline
            row.update(measure(server.port, path, sessions.get(who), count, clients if in_turns else 2,
                               with_throughput=not in_turns))
            baseline_path = f"/_bench/baseline?queries={max(row['queries'], 0)}"
            baseline = measure(server.port, baseline_path, None, count, clients if in_turns else 2,
                               with_throughput=not in_turns)
            if in_turns:
                # the page, the baseline with as many queries and the layout baseline (the same plus the
                # portal's empty page layout: the least any HTML page costs)
                page_rps, baseline_rps, layout_rps = throughput_in_turn(
                    server.port,
                    [(path, sessions.get(who)), (baseline_path, None), (baseline_path + "&layout=1", None)],
                    count, clients, args.throughput_seconds)
                row.update(page_rps)
                baseline.update(baseline_rps)
                row["layout_baseline_rps"] = layout_rps["rps"]
                row["rps_ratio_to_layout"] = round(row["rps"] / layout_rps["rps"], 2) if layout_rps["rps"] else None
            row["baseline_p50_ms"] = baseline["p50_ms"]
            row["baseline_rps"] = baseline["rps"]
            row["rps_ratio"] = round(row["rps"] / baseline["rps"], 2) if baseline["rps"] else None
            if in_turns and workers == 1 and "bench_forget" in available:
                row.update(measure_afresh(server.port, path, sessions.get(who), count))
            row.update(verdicts(row))
            results.append(row)
            print(f"  {name:<44} {row['status']} q={_queries_text(row):<3} p50={row['p50_ms']:>8} "
                  f"p95={row['p95_ms']:>8} rps={row['rps']:>7} base={baseline['rps']:>7} "
                  f"ratio={row['rps_ratio']} layout-ratio={row.get('rps_ratio_to_layout')}  {row['verdict']}", flush=True)
        memory = server.worker_memory_mb()
    finally:
        server.stop()
    return {"size": size, "workers": workers, "database": url.split("://")[0], "known": known,
            "pages": results, "worker_memory_mb": memory}


def print_table(runs: list[dict]) -> None:
    for run in runs:
        print(f"\n== {run['size']} data, {run['workers']} worker(s), {run['database']}; "
              f"worker memory after the run: {run['worker_memory_mb']} MB")
        print(f"{'page':<44} {'q':>3} {'p50 ms':>8} {'p95 ms':>8} {'rps':>7} {'base rps':>8} {'ratio':>6} "
              f"{'layout':>6}  targets")
        for row in run["pages"]:
            if "skipped" in row:
                print(f"{row['page']:<44} skipped: {row['skipped']}")
                continue
            verdict = row.get("verdict") or verdicts(row)["verdict"]
            print(f"{row['page']:<44} {_queries_text(row):>3} {row['p50_ms']:>8} {row['p95_ms']:>8} {row['rps']:>7} "
                  f"{row['baseline_rps']:>8} {row['rps_ratio']:>6} {str(row.get('rps_ratio_to_layout', '')):>6}  "
                  f"{verdict}")
        afresh = [row for row in run["pages"] if "afresh_p50_ms" in row]
        if afresh:
            print(f"\n  made afresh (every kept part forgotten before each request; latency, one at a time):")
            print(f"  {'page':<42} {'q':>3} {'p50 ms':>8} {'p95 ms':>8} {'base p50':>8} {'ratio':>6}")
            for row in afresh:
                print(f"  {row['page']:<42} {row['afresh_queries']:>3} {row['afresh_p50_ms']:>8} "
                      f"{row['afresh_p95_ms']:>8} {row['afresh_baseline_p50_ms']:>8} {row['afresh_latency_ratio']:>6}")
    by_page: dict = {}
    for run in runs:
        for row in run["pages"]:
            if "queries" in row:
                by_page.setdefault(row["page"], set()).add((row.get("first_queries", row["queries"]), row["queries"]))
    growing = [page for page, counts in by_page.items() if len(counts) > 1]
    print("\nQueries per page the same at every size and worker count:",
          "yes" if not growing else f"NO: {', '.join(growing)}")
    for run in runs:
        rows = [row for row in run["pages"] if "verdict" in row or "p95_ms" in row]
        missed = [row["page"] for row in rows if (row.get("verdict") or verdicts(row)["verdict"]) != "ok"]
        print(f"Targets met at {run['size']} size, {run['workers']} worker(s): {len(rows) - len(missed)} of {len(rows)} "
              f"pages" + (f"; missed by: {', '.join(missed)}" if missed else ""))


def _queries_text(row: dict) -> str:
    """The page's queries, and its first request's when they differ (a page kept rendered between changes)."""
    first = row.get("first_queries", row["queries"])
    return str(row["queries"]) if first == row["queries"] else f"{row['queries']} ({first} first)"


def _ms(value) -> str:
    return f"{value:,.1f}" if value < 1000 else f"{value:,.0f}"


def print_markdown(runs: list[dict]) -> None:
    """The README's results table: one per run (size and worker count)."""
    for run in runs:
        memory = max(run["worker_memory_mb"] or [0])
        print(f"\n**{run['size'].capitalize()} data, {run['database']}, {run['workers']} gunicorn worker(s)**; "
              f"largest worker's memory after the run: {memory} MB "
              f"({'ok' if memory < TARGET_MEMORY_MB else 'miss'}: target under {TARGET_MEMORY_MB} MB)\n")
        print("| page | queries | p50 ms | p95 ms | req/s | ratio to baseline | ratio to layout baseline | verdict |")
        print("|---|---|---|---|---|---|---|---|")
        for row in run["pages"]:
            if "skipped" in row:
                print(f"| {row['page']} | | | | | | | skipped: {row['skipped']} |")
                continue
            verdict = row.get("verdict") or verdicts(row)["verdict"]
            ratio = row["rps_ratio"] if row["kind"] == HTML else ""
            layout = row.get("rps_ratio_to_layout", "") or ""
            shown = "ok" if verdict == "ok" else f"**{verdict.lower()}**"
            print(f"| {row['page']} | {_queries_text(row)} | {_ms(row['p50_ms'])} | {_ms(row['p95_ms'])} | {row['rps']} | "
                  f"{ratio} | {layout} | {shown} |")
        afresh = [row for row in run["pages"] if "afresh_p50_ms" in row]
        if afresh:
            print("\nThe same pages made afresh (the worker forgets every page part it keeps before each request, "
                  "as on a page's first view after any change in its council); latency one request at a time, "
                  "against the baseline page with as many queries timed in turn:\n")
            print("| page | queries | p50 ms | p95 ms | baseline p50 ms | latency ratio to baseline |")
            print("|---|---|---|---|---|---|")
            for row in afresh:
                print(f"| {row['page']} | {row['afresh_queries']} | {_ms(row['afresh_p50_ms'])} | "
                      f"{_ms(row['afresh_p95_ms'])} | {_ms(row['afresh_baseline_p50_ms'])} | "
                      f"{row['afresh_latency_ratio']} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="small,large")
    parser.add_argument("--workers", default="1,4", help="gunicorn worker counts to run, e.g. 1,4")
    parser.add_argument("--requests", type=int, default=100, help="requests per HTML page (exports a tenth)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--throughput-seconds", type=float, default=2.0,
                        help="each HTML page's (and its baselines') throughput is measured over at least this long")
    parser.add_argument("--database-url", help="a PostgreSQL URL, {size} replaced by the size (default SQLite)")
    parser.add_argument("--regenerate", action="store_true", help="build the data again even if cached")
    parser.add_argument("--label", default="", help="added to the results file name")
    parser.add_argument("--kinds", default=f"{HTML},{EXPORT},{PDF}",
                        help="which pages to measure: html, export, pdf (comma separated; default all)")
    parser.add_argument("--markdown", action="store_true", help="also print the README's results table")
    parser.add_argument("--from-json", help="print the tables of an earlier run's JSON file instead of running")
    args = parser.parse_args()

    if args.from_json:
        saved = json.loads(Path(args.from_json).read_text())
        print(f"Run {saved['when']}, machine {saved['machine']}, arguments {saved['args']}")
        print_table(saved["runs"])
        if args.markdown:
            print_markdown(saved["runs"])
        return

    load_before = os.getloadavg()
    available = endpoints()
    runs = []
    for size in args.sizes.split(","):
        for workers in (int(w) for w in args.workers.split(",")):
            print(f"[{size}] gunicorn with {workers} worker(s)", flush=True)
            runs.append(run_size(size, workers, args, available))
    print_table(runs)
    if args.markdown:
        print_markdown(runs)
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    label = f"-{args.label}" if args.label else ""
    out = out_dir / f"{stamp}{label}.json"
    load = os.getloadavg()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    out.write_text(json.dumps({
        "when": stamp, "commit": commit,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "load_average_at_start": [round(x, 2) for x in load_before],
                    "load_average_at_end": [round(x, 2) for x in load]},
        "args": vars(args), "runs": runs}, indent=2, default=str))
    print(f"\nLoad average (1, 5, 15 min) at the start {[round(x, 2) for x in load_before]}, "
          f"at the end {[round(x, 2) for x in load]}; commit {commit}")
    print(f"\nWrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

"""The deadline rush: 200 providers submit in the last seconds of a round, on the real server.

The portal runs under gunicorn with 4 workers on the throwaway PostgreSQL (production settings, a
test-only secret, sign-in rate limiting off because every user signs in from 127.0.0.1, cookies not
`Secure` because the test speaks plain HTTP). CSRF stays ON: each user fetches the sign-in form's and
the check page's token like a browser would. The round closes a few seconds after everyone has
signed in, on the real clock (the server has no frozen clock). 180 submissions are sent in the last
seconds before closes_at and 20 after it. Each client stamps its submission with `X-Request-Start:
t=<send time>` as a trusted front proxy (nginx) would, and the server is told to believe that header
(REQUEST_START_HEADER): a submission that arrived before closes_at must be stored however long the
saturated server took to reach it, with the arrival as its submitted_at; one that arrived after must be
refused. (RUSH_WITHOUT_PROXY_STAMP=1 runs it without the stamp, where only the worker's own arrival
time counts; then an on-time send may be refused, but only if it was answered after closes_at.) Run it alone with
`TEST_DATABASES=postgresql scripts/test -m rush -s`; the figures go to test-artifacts/rush.json
(and are printed; `-s` shows them).
"""
import http.client
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal import clock
from portal.demo import complete_application
from portal.extensions import db as _db

ROOT = Path(__file__).resolve().parent.parent
PROXY_STAMP = os.environ.get("RUSH_WITHOUT_PROXY_STAMP") != "1"
STAMP_HEADER = "X-Request-Start"
ARTIFACTS = ROOT / "test-artifacts"
PROVIDERS = 200
LATE = 20
WORKERS = 4

pytestmark = [
    pytest.mark.rush,
    pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL", "").startswith("postgres"),
                       reason="the deadline rush runs gunicorn on PostgreSQL (TEST_DATABASE_URL); SQLite "
                              "is a single-writer file, not what the portal serves from"),
]

APP_FACTORY = ("portal:create_app('production', SESSION_COOKIE_SECURE=False, REMEMBER_COOKIE_SECURE=False, "
               "RATELIMIT_ENABLED=False)")
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn with the portal, started and stopped by the test."""

    def __init__(self, port: int):
        self.port = port
        self.process = None
        self.log = ARTIFACTS / "rush-gunicorn.log"

    def start(self):
        ARTIFACTS.mkdir(exist_ok=True)
        env = dict(os.environ, DATABASE_URL=os.environ["TEST_DATABASE_URL"], PORTAL_CONFIG="production",
                   SECRET_KEY="rush-test-only-not-a-secret", MAIL_BACKEND="outbox",
                   REQUEST_START_HEADER=STAMP_HEADER if PROXY_STAMP else "")
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{self.port}", "--workers", str(WORKERS),
                 "--timeout", "60", "--graceful-timeout", "5", "--chdir", str(ROOT), APP_FACTORY],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"gunicorn exited; see {self.log}"
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/sign-in")
                if conn.getresponse().status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"gunicorn did not answer within 30 s; see {self.log}")

    def stop(self):
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()  # gunicorn's master stops its workers on SIGTERM
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, 9)  # the server's own process group, started above
            self.process.wait(timeout=5)


class Browser:
    """One provider's HTTP session: a keep-alive connection and the session cookie."""

    def __init__(self, port: int):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookie = None
        self.latencies = []

    def request(self, method, path, form=None, extra_headers=None):
        headers = {"Cookie": self.cookie} if self.cookie else {}
        headers.update(extra_headers or {})
        body = None
        if form is not None:
            body = "&".join(f"{k}={_quote(v)}" for k, v in form.items())
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.monotonic()
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        except (http.client.HTTPException, OSError):
            self.conn.close()  # a closed keep-alive connection: retry once on a new one
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        text = response.read().decode()
        self.latencies.append(time.monotonic() - started)
        for name, value in response.getheaders():
            if name.lower() == "set-cookie" and value.startswith("session="):
                self.cookie = value.split(";", 1)[0]
        return response.status, response.getheader("Location") or "", text

    def token(self, path):
        status, _, text = self.request("GET", path)
        assert status == 200, (path, status)
        return TOKEN.search(text).group(1)


def _quote(value):
    from urllib.parse import quote_plus
    return quote_plus(str(value))


@pytest.fixture()
def rush_setup(db, make_round, make_provider):
    """A council, the ISF system, a round open now on the real clock, and 200 complete drafts."""
    clock.set_now(None)  # the server uses the real clock; so does this set-up
    round_ = make_round(opens_in=timedelta(days=-1), closes_in=timedelta(hours=1))
    clock.set_now(None)  # make_round freezes the clock while scheduling
    people = []
    for _ in range(PROVIDERS):
        user = make_provider()
        application = complete_application(round_, user)
        people.append((user.email, application.id))
    _db.session.commit()
    yield round_, people
    clock.set_now(None)


def test_deadline_rush(rush_setup):
    from portal.audit.chain import verify_chain
    from portal.audit.models import AuditEvent
    from portal.mail.models import OutboxEmail
    from portal.onboarding.models import Application, ApplicationStatus

    round_, people = rush_setup
    server = Server(_free_port())
    started = time.monotonic()
    browsers = [Browser(server.port) for _ in people]
    try:
        server.start()

        def sign_in(i):
            email, application_id = people[i]
            browser = browsers[i]
            token = browser.token("/sign-in")
            status, location, _ = browser.request(
                "POST", "/sign-in", {"csrf_token": token, "email": email, "password": "care-dps-demo-password"})
            assert status == 302, (email, status)
            return browser.token(f"/provider/applications/{application_id}/check")

        with ThreadPoolExecutor(max_workers=20) as pool:
            tokens = list(pool.map(sign_in, range(PROVIDERS)))

        # The round closes on the real clock a few seconds from now.
        closes_at = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=8)
        round_.closes_at = closes_at
        _db.session.commit()
        closes_mono = time.monotonic() + (closes_at - datetime.now(UTC)).total_seconds()

        on_time = PROVIDERS - LATE
        # 180 in the 4 seconds before closes_at, then 20 from half a second after it
        schedule = [closes_mono - 4.0 + 3.0 * i / on_time for i in range(on_time)]
        schedule += [closes_mono + 0.5 + 0.05 * j for j in range(LATE)]
        results = [None] * PROVIDERS
        lock = threading.Lock()

        def submit(i):
            time.sleep(max(0.0, schedule[i] - time.monotonic()))
            sent = datetime.now(UTC)
            browser = browsers[i]
            # what nginx sets with `proxy_set_header X-Request-Start "t=${msec}";` (seconds.milliseconds)
            stamp = {STAMP_HEADER: f"t={sent.timestamp():.3f}"} if PROXY_STAMP else {}
            try:
                status, location, text = browser.request(
                    "POST", f"/provider/applications/{people[i][1]}/check", {"csrf_token": tokens[i], "declaration": "y"},
                    stamp)
            except Exception as error:  # noqa: BLE001 - counted as unanswered and reported
                status, location, text = None, "", repr(error)
            answered = datetime.now(UTC)
            with lock:
                results[i] = {"status": status, "location": location, "sent": sent, "answered": answered,
                              "closed_message": "closed at" in text and "can no longer be" in text,
                              "latency": browser.latencies[-1] if status else None}

        rush_started = time.monotonic()
        threads = [threading.Thread(target=submit, args=(i,)) for i in range(PROVIDERS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        rush_seconds = time.monotonic() - rush_started

        # Every request answered, none with a server error.
        assert all(r is not None and r["status"] is not None for r in results), \
            [r for r in results if r is None or r["status"] is None][:3]
        assert not [r for r in results if r["status"] >= 500]
        acknowledged = {i for i, r in enumerate(results) if r["status"] == 302 and r["location"].endswith("/receipt")}
        refused = {i for i, r in enumerate(results) if r["status"] == 200}
        assert acknowledged | refused == set(range(PROVIDERS)), \
            [results[i] for i in set(range(PROVIDERS)) - acknowledged - refused][:3]
        assert all(results[i]["closed_message"] for i in refused), "a refusal must say the round closed"
        assert acknowledged, "no submission was stored before the deadline"
        late = set(range(on_time, PROVIDERS))
        assert all(results[i]["sent"] >= closes_at for i in late)
        assert not late & acknowledged, "a submission sent after closes_at was accepted"
        sent_on_time = {i for i, r in enumerate(results) if r["sent"] < closes_at}
        if PROXY_STAMP:
            # judged on arrival: every send before the deadline is stored, every one after it refused
            assert acknowledged == sent_on_time, sorted(sent_on_time - acknowledged)[:5]
        else:
            # an on-time send refused only because it was answered after closes_at (queued behind others)
            for i in refused - late:
                assert results[i]["answered"] >= closes_at, results[i]

        # What the database holds, read afresh.
        _db.session.expire_all()
        by_id = {a.id: a for a in _db.session.scalars(select(Application).where(Application.round_id == round_.id))}
        assert len(by_id) == PROVIDERS
        for i, (email, application_id) in enumerate(people):
            application = by_id[application_id]
            if i in acknowledged:
                assert application.status is ApplicationStatus.submitted
                assert application.submitted_at is not None and application.submitted_at < closes_at
                assert application.submitted_at <= results[i]["answered"]
                if PROXY_STAMP:  # the stored time is the arrival the deadline was judged at: the proxy's stamp
                    assert abs(application.submitted_at - results[i]["sent"]) < timedelta(milliseconds=1), \
                        (application.submitted_at, results[i]["sent"])
                assert application.reference
            else:
                assert application.status is ApplicationStatus.draft
                assert application.submitted_at is None
        submitted_events = _db.session.execute(
            select(AuditEvent.object_id, func.count()).where(AuditEvent.action == "application.submitted")
            .group_by(AuditEvent.object_id)).all()
        assert {object_id: n for object_id, n in submitted_events} == \
            {people[i][1]: 1 for i in acknowledged}, "one 'application.submitted' event per stored submission"
        receipts = _db.session.execute(
            select(OutboxEmail.to, func.count()).where(OutboxEmail.kind == "application.submitted")
            .group_by(OutboxEmail.to)).all()
        assert {to: n for to, n in receipts} == {people[i][0]: 1 for i in acknowledged}, \
            "one receipt email per stored submission"
        verification = verify_chain()
        assert verification.ok, verification

        # Restart the server: what was committed is still there, read back through the portal.
        server.stop()
        server.start()

        def read_back(i):
            status, location, text = browsers[i].request("GET", f"/provider/applications/{people[i][1]}/receipt")
            return status, by_id[people[i][1]].reference, text

        with ThreadPoolExecutor(max_workers=20) as pool:
            read = list(pool.map(read_back, range(PROVIDERS)))
        for i, (status, reference, text) in enumerate(read):
            if i in acknowledged:
                assert status == 200 and reference in text, (i, status)
            else:
                assert status == 302, (i, status)  # a draft has no receipt: back to the task list
    finally:
        server.stop()
        for browser in browsers:
            browser.conn.close()

    submit_latencies = sorted(r["latency"] for r in results)
    all_requests = sum(len(b.latencies) for b in browsers)
    figures = {
        "providers": PROVIDERS,
        "gunicorn_workers": WORKERS,
        "requests": all_requests,
        "submissions_sent": PROVIDERS,
        "sent_after_deadline": LATE,
        "stored": len(acknowledged),
        "refused": len(refused),
        "proxy_stamp": PROXY_STAMP,
        "refused_sent_on_time_answered_after_deadline": len(refused - late),
        "stored_answered_after_deadline": sum(1 for i in acknowledged if results[i]["answered"] >= closes_at),
        "submit_latency_p50_ms": round(statistics.median(submit_latencies) * 1000),
        "submit_latency_p95_ms": round(submit_latencies[int(len(submit_latencies) * 0.95) - 1] * 1000),
        "submit_latency_max_ms": round(submit_latencies[-1] * 1000),
        "rush_seconds": round(rush_seconds, 2),
        "duration_seconds": round(time.monotonic() - started, 2),
        "audit_events_verified": verification.checked,
    }
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "rush.json").write_text(json.dumps(figures, indent=2) + "\n")
    print("\ndeadline rush:", json.dumps(figures))

"""Browser fixtures: the real portal served on a free local port from its own migrated SQLite file
with the demo data, and headless Chromium (Debian's, since `playwright install` is not available).

The e2e tests run on the real clock: the demo round is scheduled relative to now, and the browser and
the server must agree on what "open" means. So `frozen_clock` is overridden here to leave the clock alone.
"""
import os
import shutil
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from portal import clock, create_app

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e"

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


class QuietRequestHandler(WSGIRequestHandler):
    """Serves requests without logging each one (errors are still logged)."""

    def log_request(self, code="-", size="-"):
        pass


def chromium_path() -> str | None:
    """Debian's Chromium, or the one CHROMIUM_PATH names; None when there is none."""
    for candidate in (os.environ.get("CHROMIUM_PATH"), shutil.which("chromium"), shutil.which("chromium-browser"),
                      "/usr/bin/chromium"):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


@pytest.fixture(autouse=True)
def frozen_clock():
    """Overrides tests/conftest.py's frozen clock: the live portal runs on the real time."""
    clock.set_now(None)
    yield None
    clock.set_now(None)


_LIVE = {}


@pytest.fixture(scope="session")
def live_app(live_server):
    """The live portal's Flask app, for what a test must read from its database (a link from an email)."""
    return _LIVE["app"]


@contextmanager
def serve(app, tmp: str, name: str):
    """Serve app on http://127.0.0.1:<free port> in a thread; afterwards stop it, close its database
    connections and delete tmp (its database file and uploads)."""
    from portal.extensions import db

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietRequestHandler)
    thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        with app.app_context():
            db.engine.dispose()
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="session")
def live_server():
    """The portal on http://127.0.0.1:<free port>, with CSRF on, a fresh migrated SQLite file and the demo data.

    Always a temporary SQLite file, even with TEST_DATABASE_URL set: tests/conftest.py's `db` fixture
    empties that database after each test, which would pull the data out from under the browser.
    """
    from flask_migrate import upgrade

    from portal.demo import load_demo_data
    from portal.extensions import db

    tmp = tempfile.mkdtemp(prefix="portal-e2e-")
    app = create_app("test", SQLALCHEMY_DATABASE_URI=f"sqlite:///{Path(tmp) / 'e2e.db'}",
                     UPLOAD_FOLDER=str(Path(tmp) / "uploads"), WTF_CSRF_ENABLED=True, TESTING=False)
    clock.set_now(None)  # the demo round opens yesterday and closes in four weeks, by the real clock
    with app.app_context():
        upgrade()
        load_demo_data()
        db.session.commit()
        db.session.remove()

    _LIVE["app"] = app
    with serve(app, tmp, "portal-e2e-server") as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium; the test is skipped when Chromium or Playwright is not installed."""
    executable = chromium_path()
    if executable is None:
        pytest.skip("Chromium is not installed (set CHROMIUM_PATH to run the browser tests)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture()
def page(browser, live_server):
    """A fresh browser tab (own cookies) whose relative URLs go to the live portal."""
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900},
                                  locale="en-GB", timezone_id="Europe/London")
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


@pytest.fixture(scope="session")
def artifacts_dir():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS

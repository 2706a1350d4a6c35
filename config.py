"""Configuration classes for the care DPS portal."""
import os
import secrets
import tempfile
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


def _secret_key() -> str:
    """The session signing key: from the environment, or a random one kept under instance/."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    INSTANCE_DIR.mkdir(exist_ok=True)
    key_file = INSTANCE_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def _database_url(default: str) -> str:
    url = os.environ.get("DATABASE_URL", default)
    # Hosting platforms hand out postgres:// URLs; SQLAlchemy wants a driver name.
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url[len("postgres://"):]
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


class Config:
    SERVICE_NAME = "Care DPS portal"
    SQLALCHEMY_DATABASE_URI = _database_url(f"sqlite:///{INSTANCE_DIR / 'portal.db'}")
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = 60 * 60 * 8
    #: the Open Contracting ID prefix the portal's publisher registered with the Open Contracting
    #: Partnership ("ocds-" and 6 characters); each system's ocid is this prefix, a hyphen and its reference
    OCDS_PREFIX = os.environ.get("OCDS_PREFIX", "ocds-000000")
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    PAGE_SIZE = 50
    #: a signed-in session ends after this many minutes without a request
    SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES", "30"))
    #: where an email goes: "outbox" keeps it in the database only; "smtp" also sends it
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "outbox")
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "587"))
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "1") == "1"
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_FROM = os.environ.get("MAIL_FROM", "care-dps-portal@localhost")
    #: the portal's address, for links in emails sent outside a request (e.g. by `flask send-notifications`)
    PORTAL_URL = os.environ.get("PORTAL_URL", "http://127.0.0.1:5000")
    #: the /outbox page that shows every email sent; development only
    OUTBOX_VIEWABLE = False
    #: uploaded documents live here, outside the web root, under random names
    UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER", str(INSTANCE_DIR / "uploads"))
    #: the largest document a provider may upload; requests a little over it are refused with a 413 page
    UPLOAD_MAX_BYTES = int(os.environ.get("UPLOAD_MAX_BYTES", str(10 * 1024 * 1024)))
    #: how long after typing stops an answer's draft is saved in the background (milliseconds)
    AUTOSAVE_DELAY_MS = 15000
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    #: an X-Query-Count header on every response (bench/ reads it); never in production
    QUERY_COUNT_HEADER = False
    #: the benchmark's baseline page /_bench/baseline; never in production
    BENCH_BASELINE = False
    #: a trusted front proxy's request-start header (nginx: `proxy_set_header X-Request-Start "t=${msec}";`):
    #: a provider's action is judged against the round's closing time at that stamp instead of when a worker
    #: got to it. Off unless set; only set it when the proxy OVERWRITES any header of that name a client sent.
    REQUEST_START_HEADER = os.environ.get("REQUEST_START_HEADER") or None
    #: a stamp older than this many seconds before the worker's clock (or later than it) is ignored
    REQUEST_START_MAX_AGE = float(os.environ.get("REQUEST_START_MAX_AGE", "60"))

    @property
    def SECRET_KEY(self):  # noqa: N802 - Flask reads this name
        return _secret_key()


class DevelopmentConfig(Config):
    DEBUG = False
    OUTBOX_VIEWABLE = True
    SESSION_COOKIE_SECURE = False


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-only-not-a-secret"
    WTF_CSRF_ENABLED = False
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    RATELIMIT_ENABLED = False
    SESSION_COOKIE_SECURE = False
    UPLOAD_FOLDER = os.path.join(tempfile.gettempdir(), "portal-test-uploads")


class BenchConfig(DevelopmentConfig):
    """bench/run.py's settings: the development app plus the query counter and the baseline page."""

    QUERY_COUNT_HEADER = True
    BENCH_BASELINE = True
    OUTBOX_VIEWABLE = False
    #: the benchmark signs in a few known accounts many times
    RATELIMIT_ENABLED = False


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True

    @property
    def SECRET_KEY(self):  # noqa: N802
        key = os.environ.get("SECRET_KEY")
        if not key:
            raise RuntimeError("Set SECRET_KEY in the environment to run the portal in production.")
        return key


CONFIGS = {
    "development": DevelopmentConfig,
    "test": TestConfig,
    "production": ProductionConfig,
    "bench": BenchConfig,
}

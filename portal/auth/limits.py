"""Wrong passwords and wrong codes, counted per account in the database.

Every worker reads the same table, so the limit holds however many gunicorn workers there are. A failure
counts for WINDOW after it happens; a correct sign-in wipes nothing, so guessing the password between
sign-ins of the real person does not reset the count. (The per-address limit stays on Flask-Limiter:
set RATELIMIT_STORAGE_URI for several workers.)
"""
import math
from datetime import timedelta

from sqlalchemy import delete, select

from portal.clock import now
from portal.extensions import db

from .models import SignInFailure

WINDOW = timedelta(minutes=15)
LIMITS = {"password": 5, "code": 5}
#: failures older than this are deleted when a new one is recorded (a day: enough for anyone looking)
KEEP = timedelta(days=1)


def account_key(email: str | None) -> str:
    return (email or "").strip().lower()[:254]


def wait_minutes(account: str, kind: str) -> int | None:
    """Minutes to wait before this account may try again, or None when it may try now."""
    moment = now()
    count, oldest = _count_and_oldest(account, kind, moment)
    if count < LIMITS[kind]:
        return None
    return max(1, math.ceil((oldest + WINDOW - moment).total_seconds() / 60))


def _count_and_oldest(account: str, kind: str, moment):
    """How many failures in the window, and when the one that will leave the window first happened.

    With more failures than the limit, the wait ends when enough have left the window that fewer than the
    limit remain: that is the (count - limit + 1)th oldest.
    """
    rows = db.session.scalars(
        select(SignInFailure.at).where(SignInFailure.account == account, SignInFailure.kind == kind,
                                       SignInFailure.at > moment - WINDOW)
        .order_by(SignInFailure.at)
    ).all()
    if len(rows) < LIMITS[kind]:
        return len(rows), None
    return len(rows), rows[len(rows) - LIMITS[kind]]


def record_failure(account: str, kind: str) -> None:
    moment = now()
    db.session.execute(delete(SignInFailure).where(SignInFailure.at < moment - KEEP))
    db.session.add(SignInFailure(account=account, kind=kind, at=moment))
    db.session.flush()


def limit_message(kind: str, minutes: int) -> str:
    wait = f"{minutes} minute{'s' if minutes != 1 else ''}"
    if kind == "password":
        return (f"Too many wrong passwords for this account. Wait {wait}, then try again, "
                "or reset your password.")
    return (f"Too many wrong codes for this account. Wait {wait}, then try again with a new code from your "
            "authenticator app, or use a recovery code.")

"""One place for the time: store UTC, show Europe/London, let tests move the clock, and say when the
request being handled arrived."""
import math
from functools import lru_cache
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays

LONDON = ZoneInfo("Europe/London")

_frozen: datetime | None = None


def now() -> datetime:
    """The current time, timezone-aware in UTC (tests may freeze it with set_now)."""
    return _frozen if _frozen is not None else datetime.now(UTC)


def set_now(moment: datetime | None) -> None:
    """Freeze the clock at moment (aware), or unfreeze it with None. For tests and demos."""
    global _frozen
    if moment is not None and moment.tzinfo is None:
        raise ValueError("set_now needs an aware datetime")
    _frozen = moment.astimezone(UTC) if moment else None


def london(moment: datetime) -> datetime:
    """moment shown on the Europe/London wall clock."""
    return moment.astimezone(LONDON)


def from_london(wall: datetime) -> datetime:
    """A naive Europe/London wall time (as typed by a person) as an aware UTC time."""
    return wall.replace(tzinfo=LONDON).astimezone(UTC)


#: month names as strftime's %B writes them (the portal runs in the C locale)
_MONTHS = ("", "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_HOUR = timedelta(hours=1)


@lru_cache(maxsize=8192)
def _london_offset(utc_hour: int) -> timedelta:
    """London's offset from UTC during the UTC hour starting utc_hour hours after 1970 began.

    The offset is the same through each whole UTC hour: Europe/London changes it only at 01:00 UTC (the
    last Sundays of March and October), and has done so since 1996, so one look-up in the time zone database
    per hour serves every moment in it."""
    return (_EPOCH + utc_hour * _HOUR).astimezone(LONDON).utcoffset()


def _wall_clock(moment: datetime) -> datetime:
    """moment (aware) on the London wall clock, naive: the hour's offset added to UTC (see _london_offset)."""
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    return moment.replace(tzinfo=None) + _london_offset((moment - _EPOCH) // _HOUR)


def format_datetime(moment: datetime | None) -> str:
    """'4 July 2017 at 12:00pm' on the London wall clock, as GOV.UK style asks."""
    if moment is None:
        return ""
    local = _wall_clock(moment) if moment.tzinfo is not None else london(moment)
    hour, minute = local.hour, local.minute
    if minute == 0 and hour in (0, 12):
        clock = "midday" if hour == 12 else "midnight"
    else:
        clock = f"{hour % 12 or 12}:{minute:02d}{'pm' if hour >= 12 else 'am'}"
    return f"{local.day} {_MONTHS[local.month]} {local.year} at {clock}"


def format_date(day: date | datetime | None) -> str:
    if day is None:
        return ""
    if isinstance(day, datetime):
        day = london(day).date()
    return f"{day.day} {day:%B %Y}"


_bank_holidays = holidays.country_holidays("GB", subdiv="ENG", years=range(2015, 2041))
#: the same days as a plain set: looking a date up in the holidays object costs a conversion each time, and
#: every deadline clock looks up each day it counts
_BANK_HOLIDAY_YEARS = range(2015, 2041)
_bank_holiday_dates = frozenset(_bank_holidays.keys())


def is_working_day(day: date) -> bool:
    if day.weekday() >= 5:
        return False
    if day.year in _BANK_HOLIDAY_YEARS:
        return day not in _bank_holiday_dates
    return day not in _bank_holidays


def add_working_days(start: datetime, days: int) -> date:
    """The date `days` working days after start (England and Wales bank holidays excluded)."""
    day = london(start).date()
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return day


def working_days_between(start: date, end: date) -> int:
    """Working days after start up to and including end (negative when end is earlier)."""
    if end < start:
        return -working_days_between(end, start)
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count


# ---- when a request arrived: every deadline judgement of a provider's action uses it

#: how far (seconds) before the worker's clock a front proxy's stamp may be and still be believed
DEFAULT_REQUEST_START_MAX_AGE = 60


def arrival() -> datetime:
    """When the request being handled arrived (taken at its very start by `note_arrival`); outside a
    request, now(). A bid received before closes_at is on time however long the server took to reach it."""
    from flask import g, has_request_context

    if has_request_context():
        arrived = g.get("arrived_at")
        if arrived is not None:
            return arrived
    return now()


def proxy_stamp(value: str | None) -> datetime | None:
    """A front proxy's request-start stamp as an aware UTC time, or None when it cannot be read.

    nginx sends `t=<seconds>.<milliseconds>` (`$msec`); a bare number is read as seconds, or as
    milliseconds or microseconds when it is that large (other proxies' habits)."""
    raw = (value or "").strip()
    if raw.startswith("t="):
        raw = raw[2:]
    try:
        number = float(raw)
    except ValueError:
        return None
    if not math.isfinite(number) or number <= 0:
        return None
    if number > 1e14:
        number /= 1_000_000
    elif number > 1e11:
        number /= 1_000
    try:
        return datetime.fromtimestamp(number, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def arrival_from(header_value: str | None, moment: datetime, max_age_seconds: float) -> datetime:
    """The request's arrival: the proxy's stamp when it is believable (not after `moment`, the worker's
    now, and at most max_age_seconds before it), else `moment`. A forged or stale stamp buys no time."""
    stamp = proxy_stamp(header_value)
    if stamp is not None and moment - timedelta(seconds=max_age_seconds) <= stamp <= moment:
        return stamp
    return moment


def note_arrival() -> None:
    """The first thing every request does (see register_arrival): note when it arrived."""
    from flask import current_app, g, request

    moment = now()
    header = current_app.config.get("REQUEST_START_HEADER")
    value = request.headers.get(header) if header else None
    g.arrived_at = arrival_from(value, moment, current_app.config.get("REQUEST_START_MAX_AGE",
                                                                      DEFAULT_REQUEST_START_MAX_AGE))
    if value is not None and g.arrived_at == moment:
        current_app.logger.info("Ignored %s %r: not a time within %s s before now", header, value[:40],
                                current_app.config.get("REQUEST_START_MAX_AGE", DEFAULT_REQUEST_START_MAX_AGE))


def register_arrival(app) -> None:
    """Make note_arrival the app's first before_request hook, ahead of every other."""
    app.before_request_funcs.setdefault(None, []).insert(0, note_arrival)

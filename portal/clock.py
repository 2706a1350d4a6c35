"""One place for the time: store UTC, show Europe/London, let tests move the clock."""
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


def format_datetime(moment: datetime | None) -> str:
    """'4 July 2017 at 12:00pm' on the London wall clock, as GOV.UK style asks."""
    if moment is None:
        return ""
    local = london(moment)
    hour = local.strftime("%I").lstrip("0")
    minute = local.strftime("%M")
    suffix = local.strftime("%p").lower()
    if hour == "12" and minute == "00":
        clock = "midday" if suffix == "pm" else "midnight"
    else:
        clock = f"{hour}:{minute}{suffix}"
    return f"{local.day} {local:%B %Y} at {clock}"


def format_date(day: date | datetime | None) -> str:
    if day is None:
        return ""
    if isinstance(day, datetime):
        day = london(day).date()
    return f"{day.day} {day:%B %Y}"


_bank_holidays = holidays.country_holidays("GB", subdiv="ENG", years=range(2015, 2041))


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays


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

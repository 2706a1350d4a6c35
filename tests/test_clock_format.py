"""Times on the London wall clock (clock.format_datetime): the offset looked up once per UTC hour gives what the
time zone database gives for every moment, through the changes to and from British Summer Time."""
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from portal.clock import format_datetime

LONDON = ZoneInfo("Europe/London")


def by_the_time_zone_database(moment: datetime) -> str:
    """The wall time as zoneinfo and strftime write it (format_datetime before its offsets were kept per hour)."""
    local = moment.astimezone(LONDON)
    hour, minute, suffix = local.strftime("%I").lstrip("0"), local.strftime("%M"), local.strftime("%p").lower()
    if hour == "12" and minute == "00":
        clock = "midday" if suffix == "pm" else "midnight"
    else:
        clock = f"{hour}:{minute}{suffix}"
    return f"{local.day} {local:%B %Y} at {clock}"


def test_the_hours_either_side_of_the_clock_changes():
    spring = datetime(2026, 3, 29, 1, 0, tzinfo=UTC)  # 1am GMT becomes 2am BST
    assert format_datetime(spring - timedelta(minutes=1)) == "29 March 2026 at 12:59am"
    assert format_datetime(spring) == "29 March 2026 at 2:00am"
    autumn = datetime(2026, 10, 25, 1, 0, tzinfo=UTC)  # 2am BST goes back to 1am GMT
    assert format_datetime(autumn - timedelta(minutes=1)) == "25 October 2026 at 1:59am"  # BST
    assert format_datetime(autumn) == "25 October 2026 at 1:00am"  # GMT: the hour from 1am is seen twice
    assert format_datetime(autumn + timedelta(minutes=59)) == "25 October 2026 at 1:59am"
    assert format_datetime(autumn + timedelta(hours=1)) == "25 October 2026 at 2:00am"


def test_midday_midnight_and_the_new_year():
    assert format_datetime(datetime(2026, 6, 1, 11, 0, tzinfo=UTC)) == "1 June 2026 at midday"  # BST
    assert format_datetime(datetime(2026, 12, 1, 12, 0, tzinfo=UTC)) == "1 December 2026 at midday"  # GMT
    assert format_datetime(datetime(2026, 6, 1, 23, 0, tzinfo=UTC)) == "2 June 2026 at midnight"
    assert format_datetime(datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC)) == "31 December 2026 at 11:59pm"
    assert format_datetime(datetime(2027, 1, 1, 0, 0, 30, tzinfo=UTC)) == "1 January 2027 at midnight"
    assert format_datetime(datetime(2026, 7, 4, 11, 0, tzinfo=UTC)) == "4 July 2026 at midday"
    assert format_datetime(None) == ""


def test_every_minute_of_the_days_around_each_change_from_2024_to_2030_as_the_time_zone_database_says():
    for year in range(2024, 2031):
        for month in (3, 10):
            last_sunday = max(datetime(year, month, day, tzinfo=UTC) for day in range(25, 32)
                              if datetime(year, month, day).weekday() == 6)
            moment = last_sunday - timedelta(days=1)
            while moment < last_sunday + timedelta(days=2):
                assert format_datetime(moment) == by_the_time_zone_database(moment), moment
                moment += timedelta(minutes=1, seconds=1)


def test_a_time_given_in_another_zone_is_shown_on_the_london_clock():
    new_york = datetime(2026, 3, 28, 21, 30, tzinfo=ZoneInfo("America/New_York"))  # 01:30 UTC on 29 March
    assert format_datetime(new_york) == "29 March 2026 at 2:30am" == by_the_time_zone_database(new_york)
    london = datetime(2026, 10, 25, 1, 30, fold=1, tzinfo=LONDON)  # the second 1:30am, GMT
    assert format_datetime(london) == "25 October 2026 at 1:30am"
    assert format_datetime(datetime(2026, 10, 25, 1, 30, tzinfo=UTC)) == "25 October 2026 at 1:30am"

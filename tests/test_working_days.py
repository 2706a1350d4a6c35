"""Working days: weekends and England and Wales bank holidays are not working days."""
from datetime import date, timedelta

from portal import clock


def test_every_day_from_2014_to_2041_is_a_working_day_exactly_when_the_holidays_calendar_says_so():
    # the plain set of bank holidays covers 2015-2040; outside it the holidays calendar answers
    day = date(2014, 1, 1)
    while day < date(2042, 1, 1):
        assert clock.is_working_day(day) == (day.weekday() < 5 and day not in clock._bank_holidays), day
        day += timedelta(days=1)


def test_bank_holidays_and_weekends_are_skipped():
    assert not clock.is_working_day(date(2026, 12, 25))  # Christmas Day, a Friday
    assert not clock.is_working_day(date(2026, 8, 31))  # summer bank holiday (England)
    assert not clock.is_working_day(date(2026, 11, 21))  # a Saturday
    assert clock.is_working_day(date(2026, 11, 23))
    assert not clock.is_working_day(date(2041, 12, 25))  # beyond the plain set: the calendar answers

"""A provider's action is judged against the round's closing time when the request ARRIVED, not when the
portal got round to it; a trusted front proxy's stamp may say when that was, a forged or stale one may not."""
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from portal import clock
from portal.audit.models import AuditEvent
from portal.demo import complete_application
from portal.extensions import db as _db
from portal.onboarding.models import ApplicationStatus


@pytest.fixture()
def draft(make_round, make_provider, system):
    """A complete draft in a round closing an hour from now, and its provider."""
    round_ = make_round(closes_in=timedelta(hours=1))
    provider = make_provider()
    application = complete_application(round_, provider, lots=[system.lots[0]])
    _db.session.commit()
    return round_, provider, application


@pytest.fixture()
def slow_worker(app):
    """Every request is handled `seconds` after it arrived: the clock moves on after the arrival is noted."""
    delay = {"seconds": 0}

    def busy():
        clock.set_now(clock.now() + timedelta(seconds=delay["seconds"]))

    hooks = app.before_request_funcs.setdefault(None, [])
    hooks.insert(1, busy)  # right after the arrival is noted, before everything else
    yield delay
    hooks.remove(busy)


def _submit(client, application, headers=None):
    return client.post(f"/provider/applications/{application.id}/check", data={"declaration": "y"},
                       headers=headers or {})


def _stored(application):
    _db.session.expire_all()
    return _db.session.get(type(application), application.id)


def test_a_submission_that_arrived_before_the_close_is_on_time_however_late_it_is_handled(
        draft, login, frozen_clock, slow_worker):
    round_, provider, application = draft
    client = login(provider)
    arrived = round_.closes_at - timedelta(seconds=2)
    frozen_clock.move_to(arrived)
    slow_worker["seconds"] = 5  # handled 3 s after the close
    response = _submit(client, application)
    assert response.status_code == 302 and response.headers["Location"].endswith("/receipt")
    stored = _stored(application)
    assert stored.status is ApplicationStatus.submitted
    assert stored.submitted_at == arrived  # the moment judged is the moment stored
    event = _db.session.scalar(select(AuditEvent).filter_by(action="application.submitted"))
    assert datetime.fromisoformat(event.after["submitted_at"]) == arrived
    slow_worker["seconds"] = 0
    receipt = client.get(f"/provider/applications/{application.id}/receipt").get_data(as_text=True)
    assert f"on {clock.format_datetime(arrived)}" in receipt


def test_a_submission_that_arrived_after_the_close_is_refused(draft, login, frozen_clock, slow_worker):
    round_, provider, application = draft
    client = login(provider)
    frozen_clock.move_to(round_.closes_at + timedelta(seconds=1))
    response = _submit(client, application)
    assert response.status_code == 200
    assert "closed at" in response.get_data(as_text=True)
    assert _stored(application).status is ApplicationStatus.draft


def test_an_answer_saved_in_the_last_seconds_counts_when_it_arrived(draft, login, frozen_clock, slow_worker, system):
    round_, provider, application = draft
    client = login(provider)
    question = system.lots[0].questions[0]
    frozen_clock.move_to(round_.closes_at - timedelta(seconds=1))
    slow_worker["seconds"] = 4
    response = client.post(f"/provider/applications/{application.id}/questions/{question.id}",
                           data={"text": "We visit every client within two hours.", "save_and_return": "y"})
    assert response.status_code == 302
    assert "within two hours" in _stored(application).answer_for(question).text
    frozen_clock.move_to(round_.closes_at)  # arriving at the closing time is too late
    slow_worker["seconds"] = 0
    response = client.post(f"/provider/applications/{application.id}/questions/{question.id}",
                           data={"text": "Too late.", "save_and_return": "y"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/applications/{application.id}")
    assert "within two hours" in _stored(application).answer_for(question).text


@pytest.fixture()
def proxy(app, monkeypatch):
    monkeypatch.setitem(app.config, "REQUEST_START_HEADER", "X-Request-Start")
    monkeypatch.setitem(app.config, "REQUEST_START_MAX_AGE", 60)


def _stamp(moment):
    return {"X-Request-Start": f"t={moment.timestamp():.3f}"}


def test_a_trusted_proxy_stamp_before_the_close_counts(draft, login, frozen_clock, proxy):
    round_, provider, application = draft
    client = login(provider)
    arrived = round_.closes_at - timedelta(milliseconds=1500)
    frozen_clock.move_to(round_.closes_at + timedelta(seconds=3))  # the worker reaches it 4.5 s later
    response = _submit(client, application, _stamp(arrived))
    assert response.status_code == 302
    assert _stored(application).submitted_at == arrived


def test_a_stamp_too_far_back_is_ignored(draft, login, frozen_clock, proxy):
    round_, provider, application = draft
    client = login(provider)
    frozen_clock.move_to(round_.closes_at + timedelta(seconds=30))
    response = _submit(client, application, _stamp(clock.now() - timedelta(seconds=61)))
    assert response.status_code == 200 and "closed at" in response.get_data(as_text=True)
    assert _stored(application).status is ApplicationStatus.draft


def test_a_stamp_in_the_future_is_ignored(draft, login, frozen_clock, proxy):
    round_, provider, application = draft
    client = login(provider)
    handled = round_.closes_at - timedelta(seconds=10)
    frozen_clock.move_to(handled)
    response = _submit(client, application, _stamp(handled + timedelta(seconds=5)))
    assert response.status_code == 302
    assert _stored(application).submitted_at == handled


def test_the_stamp_is_ignored_unless_the_setting_names_it(draft, login, frozen_clock):
    round_, provider, application = draft
    client = login(provider)
    frozen_clock.move_to(round_.closes_at + timedelta(seconds=3))
    response = _submit(client, application, _stamp(round_.closes_at - timedelta(seconds=1)))
    assert response.status_code == 200 and "closed at" in response.get_data(as_text=True)
    assert _stored(application).status is ApplicationStatus.draft


@pytest.mark.parametrize("value, expected", [
    ("t=1781870400.250", datetime(2026, 6, 19, 12, 0, 0, 250000, tzinfo=UTC)),  # nginx: seconds.milliseconds
    ("1781870400", datetime(2026, 6, 19, 12, 0, tzinfo=UTC)),
    ("t=1781870400250", datetime(2026, 6, 19, 12, 0, 0, 250000, tzinfo=UTC)),  # milliseconds
    ("t=1781870400250000", datetime(2026, 6, 19, 12, 0, 0, 250000, tzinfo=UTC)),  # microseconds
    ("", None), ("t=", None), ("yesterday", None), ("t=nan", None), ("t=inf", None), ("t=-5", None),
    ("t=1e300", None),
])
def test_reading_a_proxy_stamp(value, expected):
    stamp = clock.proxy_stamp(value)
    if expected is None:
        assert stamp is None
    else:
        assert abs(stamp - expected) < timedelta(milliseconds=1)


def test_outside_a_request_the_arrival_is_now(frozen_clock):
    assert clock.arrival() == clock.now()

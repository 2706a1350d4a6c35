"""Submitting once whatever the clicks, withdrawing after "Are you sure?", and applying to an always-open system."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from portal.audit.models import AuditEvent
from portal.core import DomainError
from portal.demo import build_isf_system, complete_application
from portal.commissioning import services as commissioning
from portal.onboarding import services as onboarding
from portal.onboarding.models import Application, ApplicationStatus


def text(response):
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def submitted_events(db, application):
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "application.submitted", AuditEvent.object_id == application.id))


def test_submitting_twice_answers_the_same_receipt_and_records_one_event(db, system, make_round, make_provider,
                                                                        frozen_clock):
    provider = make_provider()
    application = complete_application(make_round(), provider, lots=[system.lots[0]])
    onboarding.submit_application(application, provider, declaration_confirmed=True)
    submitted_at, reference = application.submitted_at, application.reference
    frozen_clock.advance(seconds=2)
    again = onboarding.submit_application(application, provider, declaration_confirmed=True)
    assert again is application
    assert (application.submitted_at, application.reference) == (submitted_at, reference)
    assert submitted_events(db, application) == 1


def test_a_submission_that_raced_another_records_nothing(db, system, make_round, make_provider):
    """Two requests read the draft; the other one stored its submission first (behind this session's back)."""
    provider = make_provider()
    application = complete_application(make_round(), provider, lots=[system.lots[0]])
    db.session.commit()
    db.session.execute(update(Application).where(Application.id == application.id).values(
        status=ApplicationStatus.submitted, reference="RACE/1", submitted_at=application.created_at),
        execution_options={"synchronize_session": False})
    assert application.status is ApplicationStatus.draft  # this request's stale copy
    onboarding.submit_application(application, provider, declaration_confirmed=True)
    assert application.status is ApplicationStatus.submitted and application.reference == "RACE/1"
    assert submitted_events(db, application) == 0


def test_double_clicking_submit_on_the_page_submits_once(client, db, login, system, make_round, make_provider):
    provider = make_provider()
    application = complete_application(make_round(), provider, lots=[system.lots[0]])
    db.session.commit()
    login(provider)
    url = f"/provider/applications/{application.id}/check"
    page = client.get(url).get_data(as_text=True)
    assert 'data-prevent-double-click="true"' in page
    first = client.post(url, data={"declaration": "y"})
    second = client.post(url, data={"declaration": "y"})
    receipt = f"/provider/applications/{application.id}/receipt"
    assert first.status_code == second.status_code == 302
    assert first.location.endswith(receipt) and second.location.endswith(receipt)
    assert "Application submitted" in text(client.get(receipt))
    assert submitted_events(db, application) == 1


def test_withdraw_asks_are_you_sure_first(client, db, login, system, make_round, make_provider):
    provider = make_provider()
    application = complete_application(make_round(), provider, lots=[system.lots[0]])
    onboarding.submit_application(application, provider, declaration_confirmed=True)
    db.session.commit()
    login(provider)
    task_list = text(client.get(f"/provider/applications/{application.id}"))
    assert f'href="/provider/applications/{application.id}/withdraw"' in task_list
    page = text(client.get(f"/provider/applications/{application.id}/withdraw"))
    assert "Are you sure you want to withdraw your application?" in page
    assert "govuk-warning-text" in page and "The council will not consider a withdrawn application" in page
    assert "Yes, withdraw this application" in page and "No, keep my application" in page
    db.session.refresh(application)
    assert application.status is ApplicationStatus.submitted  # asking changed nothing
    r = client.post(f"/provider/applications/{application.id}/withdraw")
    assert r.status_code == 302
    db.session.refresh(application)
    assert application.status is ApplicationStatus.withdrawn
    assert "Your application has been withdrawn" in text(client.get(r.location))
    # reopening stays one click
    client.post(f"/provider/applications/{application.id}/reopen")
    db.session.refresh(application)
    assert application.status is ApplicationStatus.draft


def test_another_provider_cannot_see_the_withdraw_page(client, db, login, system, make_round, make_provider):
    owner, stranger = make_provider(), make_provider()
    application = complete_application(make_round(), owner, lots=[system.lots[0]])
    db.session.commit()
    login(stranger)
    assert client.get(f"/provider/applications/{application.id}/withdraw").status_code == 404


@pytest.fixture()
def always_open_round(council, frozen_clock, db):
    """A dynamic market open for its whole lifetime (one round from its first to its last day)."""
    from datetime import date

    from portal.commissioning.models import Procedure
    from portal.demo import at

    system = build_isf_system(council.commissioner, reference="CCC-DM-2026", title="Home care dynamic market")
    system.procedure, system.always_open = Procedure.dynamic_market_pa2023, True
    system.starts_on, system.ends_on = date(2026, 5, 1), date(2029, 4, 30)
    frozen_clock.move_to(at(2026, 4, 30))
    round_ = commissioning.schedule_round(system, council.commissioner, opens_at=at(2026, 5, 1, 0, 0),
                                          closes_at=at(2029, 4, 30, 23, 59))
    db.session.commit()
    return round_


def test_providers_apply_to_an_always_open_system_at_any_time(db, always_open_round, make_provider, frozen_clock,
                                                               client, login):
    from portal.demo import at

    round_ = always_open_round
    for moment in (at(2026, 5, 1, 0, 30), at(2027, 12, 24, 23, 0), at(2029, 4, 30, 23, 0)):
        frozen_clock.move_to(moment)
        provider = make_provider()
        application = complete_application(round_, provider, lots=[round_.system.lots[0]])
        onboarding.submit_application(application, provider, declaration_confirmed=True)
        assert application.status is ApplicationStatus.submitted and application.submitted_at == moment
        db.session.commit()
    login(provider)
    receipt = text(client.get(f"/provider/applications/{application.id}/receipt"))
    assert "The council assesses applications to this system as they arrive" in receipt
    assert "after the round closes" not in receipt
    # submitted is final here: the council may already be assessing it
    with pytest.raises(DomainError, match="assesses applications to this system as they arrive"):
        onboarding.reopen_application(application, provider)
    frozen_clock.move_to(at(2029, 5, 1, 9))
    with pytest.raises(DomainError, match="closed"):
        onboarding.start_application(round_, make_provider())

"""The provider's dashboard written in Python (portal/onboarding/dashboard_page.py) is the page the Jinja template
drew (tests/data/provider_dashboard_in_jinja.html, with the ORM objects the route used to load), byte for byte:
with no applications, open rounds or systems; and with applications in each state, a paused round, a round open
to apply to, a followed system and names that need escaping."""
from datetime import timedelta
from pathlib import Path

from flask import g
from flask_login import login_user
from sqlalchemy import select

from portal import clock
from portal.commissioning.models import PurchasingSystem, Round
from portal.commissioning.services import pause_round, schedule_round
from portal.demo import build_isf_system, complete_application
from portal.extensions import db as _db
from portal.onboarding import notifications
from portal.onboarding.models import Application, ApplicationStatus
from portal.onboarding.services import start_application, submit_application, withdraw_application

JINJA = (Path(__file__).parent.parent / "data" / "provider_dashboard_in_jinja.html").read_text()


def jinja_context(user) -> dict:
    """What the route gave the template before the page was written in Python (applications started at the same
    moment, as a test's frozen clock makes them, newest id first: the order the page now gives them)."""
    moment = clock.now()
    open_rounds = _db.session.scalars(select(Round).where(Round.opens_at <= moment, Round.closes_at > moment)
                                      .order_by(Round.closes_at)).all()
    applications = _db.session.scalars(select(Application).where(Application.organisation_id == user.organisation_id)
                                       .order_by(Application.created_at.desc(), Application.id.desc())).all()
    return {"title": "Your applications", "open_rounds": open_rounds, "applications": applications,
            "applied": {a.round_id: a for a in applications}, "form": None,
            "systems_to_follow": notifications.systems_with_follow_state(user)}


def both(app, user, script_root="") -> tuple[str, str]:
    """The dashboard drawn by the Jinja template and by the route, in one request."""
    with app.test_request_context("/provider/", base_url=f"http://localhost{script_root}"):
        g.csp_nonce = "nonce-123"
        from portal.auth.routes import load_user
        from portal.auth.sessions import session_id_for

        login_user(load_user(session_id_for(user)))
        context = jinja_context(user)
        app.update_template_context(context)
        jinja = app.jinja_env.from_string(JINJA).render(**context)
        python = app.view_functions["onboarding.dashboard"]()
    return jinja, python


def test_a_new_provider_with_nothing_yet(app, db, council, make_provider):
    for system in db.session.scalars(select(PurchasingSystem)):
        system.ends_on = clock.now().date() - timedelta(days=1)  # no system still running
    db.session.commit()
    jinja, python = both(app, make_provider())
    assert python == jinja
    assert "Your organisation has not applied to any purchasing system yet." in python
    assert "No purchasing system is open for applications just now." in python
    assert "There are no purchasing systems to follow yet." in python


def test_applications_in_each_state_open_rounds_and_a_followed_system(app, db, council, system, make_round,
                                                                      make_provider):
    provider = make_provider(name="Smith & Sons <Care> Ltd")
    system.title = 'Home "care" & <support>'
    applied_to = make_round()
    others = [build_isf_system(council.commissioner, reference=f"CCC-ISF-{n}", title=f"Support {n} & more")
              for n in (2, 3)]
    open_to_apply, paused = (schedule_round(other, council.commissioner, opens_at=clock.now(),
                                            closes_at=clock.now() + timedelta(days=days))
                             for other, days in zip(others, (20, 30)))
    submitted = complete_application(applied_to, provider)
    submit_application(submitted, provider, declaration_confirmed=True)
    withdrawn = start_application(paused, provider)
    withdraw_application(withdrawn, provider)
    pause_round(paused, council.commissioner, reason="A <fault> & a fix")
    notifications.follow_system(system, provider)
    db.session.commit()
    jinja, python = both(app, provider)
    assert python == jinja
    assert python.count('class="govuk-summary-card"') == 3
    assert "Continue your application" in python and "Start an application" in python
    assert "A &lt;fault&gt; &amp; a fix" in python and "Home &#34;care&#34; &amp; &lt;support&gt;" in python
    assert "govuk-tag--blue\">Submitted" in python and "govuk-tag--orange\">Withdrawn" in python
    assert "Stop following" in python and open_to_apply.id


def test_decided_and_published_applications_under_a_path_prefix(app, db, council, system, make_round,
                                                                 make_provider):
    provider = make_provider()
    old = make_round()
    application = complete_application(old, provider)
    submit_application(application, provider, declaration_confirmed=True)
    db.session.commit()
    # as the evaluation and publication leave it (their own tests go through those steps)
    application.status = ApplicationStatus.decided
    old.closes_at = clock.now() - timedelta(hours=1)
    old.evaluation_started_at = old.decided_at = old.published_at = clock.now()
    other = build_isf_system(council.commissioner, reference="CCC-ISF-2", title="Another system")
    in_evaluation = complete_application(schedule_round(other, council.commissioner, opens_at=clock.now(),
                                                        closes_at=clock.now() + timedelta(days=9)), provider)
    submit_application(in_evaluation, provider, declaration_confirmed=True)
    in_evaluation.status = ApplicationStatus.in_evaluation
    db.session.commit()
    jinja, python = both(app, provider, script_root="/portal")
    assert python == jinja
    assert f'href="/portal/provider/applications/{application.id}/outcome">See the outcome</a>' in python
    assert "govuk-tag--green\">Decided" in python and "govuk-tag--purple\">In evaluation" in python

"""The task list read as plain rows (portal/onboarding/task_list_page.py) gives the page, byte for byte, and the task
statuses that the ORM objects of load_whole_application gave, in every state of an application: no lots yet, part
done (a started standard, an answer over its word limit, an expired document, odd titles), complete, submitted,
withdrawn, decided and published, in a paused round, with published clarifications; and another organisation's
application is still not found."""
from datetime import timedelta

from flask import g, render_template
from flask_login import login_user

from portal import clock
from portal.commissioning.models import StandardKind
from portal.commissioning.services import add_standard, pause_round
from portal.demo import complete_application, sample_pdf
from portal.onboarding.clarifications import answer_clarification, ask_clarification, published_clarifications
from portal.onboarding.markup import task_list_items
from portal.onboarding.models import (
    ApplicationStatus,
    TaskStatus,
    application_tasks,
    load_whole_application,
)
from portal.onboarding.services import (
    choose_lots,
    save_answer,
    save_standard_response,
    start_application,
    submit_application,
    upload_document,
    withdraw_application,
)
from portal.onboarding.task_list_page import load_task_list


def both(app, user, application_id) -> tuple[str, str]:
    """The task list drawn from the ORM objects (as the route did) and by the route, in one request."""
    from portal.auth.routes import load_user
    from portal.auth.sessions import session_id_for

    with app.test_request_context(f"/provider/applications/{application_id}"):
        g.csp_nonce = "nonce-123"
        login_user(load_user(session_id_for(user)))
        application = load_whole_application(application_id)
        tasks = application_tasks(application)
        light = application_tasks(load_task_list(application_id))
        assert [(t["key"], t["title"], t["status"]) for t in light] == \
            [(t["key"], t["title"], t["status"]) for t in tasks]
        orm = render_template("onboarding/task_list.html", title="Your application", application=application,
                              tasks=tasks, ready=all(t["status"] is TaskStatus.completed for t in tasks),
                              TaskStatus=TaskStatus, task_list_items=task_list_items,
                              published=published_clarifications(application.round_id))
        rows = app.view_functions["onboarding.task_list"](application_id=application_id)
    return orm, rows


def test_a_new_application_then_one_part_done_with_odd_titles(app, db, council, system, make_round, make_provider):
    provider = make_provider(name="Smith & Sons <Care> Ltd")
    insurance = add_standard(system.lots[1], council.commissioner, kind=StandardKind.document,
                             title="Insurance certificates")
    insurance.needs_expiry_date = True
    round_ = make_round()
    application = start_application(round_, provider)
    db.session.commit()
    orm, rows = both(app, provider, application.id)
    assert rows == orm and "You have completed 0 of 2 sections" in rows

    lots = system.lots
    choose_lots(application, provider, {lot.id: [zone.id for zone in system.zones] for lot in lots})
    question = lots[0].questions[0]
    question.text = "How do you <plan> care & support " + "with each person, " * 8
    question.word_limit = 3
    lots[0].standards[0].title = 'Insurance "cover" & <certificates>'
    save_answer(application, question, provider, "We plan with each person.")  # over the limit: in progress
    save_answer(application, lots[1].questions[0], provider, "We do.")
    declaration = next(s for s in lots[0].standards if s.kind is StandardKind.declaration)
    save_standard_response(application, declaration, provider, confirmed=False, text="")  # started, not done
    document = upload_document(application, insurance, provider, data=sample_pdf("Insurance"),
                               filename="insurance.pdf", expires_on=clock.now().date() + timedelta(days=30))
    db.session.commit()
    orm, rows = both(app, provider, application.id)
    assert rows == orm
    assert "govuk-tag--blue" in rows and "&amp; &lt;certificates&gt;" in rows
    assert 'Insurance certificates</a>\n      </div>\n      <div class="govuk-task-list__status" id="task-' in rows
    assert _status(app, application.id, insurance.id) is TaskStatus.completed
    document.expires_on = clock.now().date() - timedelta(days=1)  # the certificate has run out since
    db.session.commit()
    orm, rows = both(app, provider, application.id)
    assert rows == orm
    assert _status(app, application.id, insurance.id) is TaskStatus.in_progress


def _status(app, application_id, standard_id):
    with app.test_request_context("/"):
        tasks = application_tasks(load_task_list(application_id))
    return next(t["status"] for t in tasks if t["key"] == f"standard-{standard_id}")


def test_complete_submitted_withdrawn_and_paused_with_clarifications(app, db, council, system, make_round,
                                                                      make_provider):
    provider = make_provider()
    round_ = make_round()
    application = complete_application(round_, provider)
    clarification = ask_clarification(round_, provider, "Can we <bid> for one zone?")
    answer_clarification(clarification, council.commissioner, answer="Yes & no.\n\nSee the guidance.", publish=True,
                         published_question="Can a provider bid for one zone?")
    db.session.commit()
    orm, rows = both(app, provider, application.id)
    assert rows == orm and "Check your answers and submit" in rows and "clarifications for this round (1)" in rows

    submit_application(application, provider, declaration_confirmed=True)
    db.session.commit()
    orm, rows = both(app, provider, application.id)
    assert rows == orm and "Reopen to make changes" in rows

    withdraw_application(application, provider)
    pause_round(round_, council.commissioner, reason="A <fault> & a fix")
    db.session.commit()
    orm, rows = both(app, provider, application.id)
    assert rows == orm and "You withdrew this application" in rows and "A &lt;fault&gt; &amp; a fix" in rows


def test_decided_and_published_and_another_organisations_application(app, db, client, login, council, system,
                                                                      make_round, make_provider):
    provider, other = make_provider(), make_provider()
    round_ = make_round()
    application = complete_application(round_, provider)
    submit_application(application, provider, declaration_confirmed=True)
    db.session.commit()
    application.status = ApplicationStatus.decided  # as the evaluation leaves it (its own tests go through it)
    round_.closes_at = clock.now() - timedelta(hours=1)
    round_.evaluation_started_at = round_.decided_at = round_.published_at = clock.now()
    db.session.commit()
    orm, rows = both(app, provider, application.id)
    assert rows == orm and "See the outcome of your application" in rows
    login(other)
    assert client.get(f"/provider/applications/{application.id}").status_code == 404
    assert client.get("/provider/applications/999999").status_code == 404

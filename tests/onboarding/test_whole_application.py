"""load_whole_application: the same application, lots, zones, questions, standards, answers and responses as
Application.page_options loads, in a fixed number of short queries."""
from sqlalchemy import select

from portal.demo import complete_application
from portal.onboarding.models import Application, application_tasks, load_whole_application
from portal.onboarding.services import start_application
from portal.querycount import count_queries


def picture(application) -> dict:
    """What a page reads of a whole application, as plain values."""
    return {
        "round": (application.round.name, application.round.system.title, application.round.system.authority.name),
        "organisation": application.organisation.legal_name,
        "lots": [(choice.lot.name, [(z.zone_id, z.offered_rate) for z in choice.zones],
                  [(q.id, q.position, q.text) for q in choice.lot.questions],
                  [(s.id, s.position, s.title) for s in choice.lot.standards]) for choice in application.lots],
        "answers": sorted((a.question_id, a.text, a.version) for a in application.answers),
        "responses": sorted((r.standard_id, r.confirmed, r.text) for r in application.standard_responses),
        "tasks": [(t["key"], t["title"], t["status"]) for t in application_tasks(application)],
    }


def test_it_loads_what_the_page_options_load(db, council, system, make_round, make_provider):
    round_ = make_round()
    provider = make_provider()
    application_id = complete_application(round_, provider).id
    db.session.commit()
    db.session.expunge_all()
    expected = picture(db.session.scalar(select(Application).where(Application.id == application_id)
                                         .options(*Application.page_options())))
    assert len(expected["lots"]) == 2 and expected["answers"] and expected["responses"]
    db.session.expunge_all()
    with count_queries() as counted:
        application = load_whole_application(application_id)
        assert picture(application) == expected
    # the application, its lots, zones, questions, standards, answers and standard responses (documents are
    # read only for a document standard with no response, as before)
    assert counted[0] <= 8


def test_an_application_without_lots_yet(db, council, system, make_round, make_provider):
    application_id = start_application(make_round(), make_provider()).id
    db.session.commit()
    db.session.expunge_all()
    with count_queries() as counted:
        application = load_whole_application(application_id)
        assert application.lots == [] and application.answers == [] and application.standard_responses == []
        assert [t["key"] for t in application_tasks(application)] == ["lots", "rates"]
    assert counted[0] == 4
    assert load_whole_application(999999) is None


def test_a_change_after_loading_is_saved(db, council, system, make_round, make_provider):
    """The collections are loaded as the database has them: changing them afterwards works as usual."""
    from portal.onboarding.services import save_answer

    round_ = make_round()
    provider = make_provider()
    application_id = complete_application(round_, provider).id
    db.session.commit()
    db.session.expunge_all()
    application = load_whole_application(application_id)
    question = application.lots[0].lot.questions[0]
    save_answer(application, question, application.organisation.users[0], "A new answer.")
    question_id = question.id
    db.session.commit()
    db.session.expunge_all()
    again = load_whole_application(application_id)
    assert next(a.text for a in again.answers if a.question_id == question_id) == "A new answer."

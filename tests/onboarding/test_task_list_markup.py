"""The task list written in Python (portal/onboarding/markup.py) gives the markup the Jinja loop drew
(tests/data/task_list_in_jinja.html), whatever the application's state."""
from pathlib import Path

from portal.demo import complete_application
from portal.onboarding.markup import task_list_items
from portal.onboarding.models import TaskStatus, application_tasks, load_whole_application
from portal.onboarding.services import choose_lots, save_answer, save_standard_response, start_application

JINJA = (Path(__file__).parent.parent / "data" / "task_list_in_jinja.html").read_text()


def both(app, application) -> tuple[str, str]:
    tasks = application_tasks(application)
    with app.test_request_context("/"):
        jinja = app.jinja_env.from_string(JINJA + "\n").render(application=application, tasks=tasks,
                                                               TaskStatus=TaskStatus)
        python = str(task_list_items(application, tasks)) + "\n"
    return jinja, python


def test_a_new_application_with_no_lots_yet(app, db, council, system, make_round, make_provider):
    application = start_application(make_round(), make_provider())
    db.session.commit()
    jinja, python = both(app, application)
    assert python == jinja
    assert "<div>Accept the council&#39;s hourly rates</div>" in python
    assert "govuk-task-list__status--cannot-start-yet" in python and "Rates</h2>" not in python


def test_an_application_part_done_in_two_lots_with_long_and_odd_titles(app, db, council, system, make_round,
                                                                         make_provider):
    provider = make_provider()
    application = start_application(make_round(), provider)
    lots = system.lots
    choose_lots(application, provider, {lot.id: [zone.id for zone in system.zones] for lot in lots})
    question = lots[0].questions[0]
    question.text = "How do you <plan> care & support " + "with each person, " * 8
    lots[0].standards[0].title = 'Insurance "cover" & <certificates>'
    save_answer(application, question, provider, "We plan with each person.")
    declaration = next(s for s in lots[0].standards if s.kind.value == "declaration")
    save_standard_response(application, declaration, provider, confirmed=False, text="")  # started, not done
    db.session.commit()
    application = load_whole_application(application.id)
    jinja, python = both(app, application)
    assert python == jinja
    assert python.count('<h2 class="govuk-heading-m">') == len(lots) + 1  # each lot, then the rates
    assert "govuk-tag--grey" in python and "govuk-tag--blue" in python and "&amp; &lt;certificates&gt;" in python and "...</a>" in python


def test_a_complete_application(app, db, council, system, make_round, make_provider):
    application = complete_application(make_round(), make_provider())
    db.session.commit()
    jinja, python = both(app, application)
    assert python == jinja
    assert "govuk-tag" not in python and python.count("Completed") == len(application_tasks(application))

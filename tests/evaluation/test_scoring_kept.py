"""The scoring and moderation pages' content kept by each worker (evaluation/kept.py): every kind of change made
through the services shows on the next view, a kept page is byte for byte the page made afresh, the permission
checks still run on every request, and a POST's page (typed values, errors) is never kept."""
import re

from portal.auth.models import Role
from portal.commissioning import services as commissioning
from portal.commissioning.models import Outcome, Scorer
from portal.demo import create_staff
from portal.evaluation import services as evaluation
from portal.evaluation.assigning import reassign, set_question_scorers
from portal.evaluation.deadlines import extend_evaluation_deadline
from portal.onboarding.organisations import update_profile

from tests.kept_pages import assert_kept_matches_afresh, assert_kept_reads_less, page_at

from .test_services import JUSTIFICATION, assignment_of, closed_round, in_evaluation, score_all  # noqa: F401


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def viewer(app, client, path):
    """(main, view): main gives the page (its script nonces masked); view gives it as shown twice (the second time
    kept) after checking both are the page made afresh."""
    return (lambda: page_at(client, path)), (lambda: assert_kept_matches_afresh(app, client, path))


def another_evaluator(council):
    return create_staff(council.authority, Role.evaluator, "eval3@cambs.example", "Sam Patel")


def test_the_kept_scoring_page_shows_every_change_at_once(app, client, login, db, council, system, in_evaluation,
                                                          frozen_clock):
    round_, application = in_evaluation
    work = assignment_of(application, council.evaluator1)
    question, standard = work.questions()[0], next(s for s in work.standards() if not s.kind.is_automatic)
    login(council.evaluator1)
    main, view = viewer(app, client, f"/evaluation/assignments/{work.id}")

    main()  # the message of signing in is shown once
    # kept: the assignment, the declaration and the council's newest event only read again
    first, _ = assert_kept_reads_less(app, db, client, f"/evaluation/assignments/{work.id}")
    assert "Score Bloomsbury Home Care LTD" in first and "checked" not in first

    # a score and a standard's result saved
    evaluation.record_score(work, question, council.evaluator1, score=3, justification="Saved reasoning here.")
    evaluation.record_standard_assessment(work, standard, council.evaluator1, passed=False, reason="No ISF policy.")
    db.session.commit()
    shown = view()
    assert re.search(rf'name="score_{question.id}" type="radio" value="3" checked', shown)
    assert re.search(rf'name="standard_{standard.id}" type="radio" value="fail" checked', shown)
    assert "Saved reasoning here." in shown and "No ISF policy." in shown

    # the round's deadline extended
    assert "(10 working days)" in text_of(shown)
    extend_evaluation_deadline(round_, council.commissioner, justification="Site visits needed.")
    db.session.commit()
    shown = text_of(view())
    assert "(15 working days, extended: Site visits needed.)" in shown

    # a new day: the clock counts again, with no change to the data
    left = re.search(r"(\d+) working days? left", shown)[1]
    frozen_clock.advance(days=1)
    assert re.search(r"(\d+) working days? left", text_of(main()))[1] == str(int(left) - 1)

    # the system renamed
    commissioning.update_system(system, council.commissioner, title="Home care for adults")
    db.session.commit()
    assert f"Home care for adults: {application.reference}" in text_of(view())

    # the provider renames their organisation (an event for no council): the heading follows
    update_profile(application.organisation, application.organisation.users[0], legal_name="Zinnia Homecare CIC")
    db.session.commit()
    shown = text_of(view())
    assert "Score Zinnia Homecare CIC" in shown and "Bloomsbury" not in shown

    # every score saved and submitted: the saved scores, then another evaluator's beside them
    score_all(work)
    evaluation.submit_assignment(work, council.evaluator1)
    db.session.commit()
    shown = text_of(view())
    assert "You submitted your scores on" in shown and "Your score: 4 ." in shown
    assert council.evaluator2.name not in shown
    other = assignment_of(application, council.evaluator2)
    score_all(other, score=2)
    evaluation.submit_assignment(other, council.evaluator2)
    db.session.commit()
    assert f"{council.evaluator2.name}: 2. {JUSTIFICATION}" in text_of(view())


def test_a_kept_scoring_page_is_shown_only_to_its_evaluator(app, client, login, db, council, in_evaluation):
    _, application = in_evaluation
    work = assignment_of(application, council.evaluator1)
    path = f"/evaluation/assignments/{work.id}"
    login(council.evaluator1)
    main, _ = viewer(app, client, path)
    main()  # the message of signing in is shown once
    assert main() == main()  # kept
    login(council.evaluator2)
    assert client.get(path).status_code == 404
    # the work moved to another evaluator: no longer theirs to read
    login(council.evaluator1)
    reassign(work, council.commissioner, another_evaluator(council), reason="Off sick for a month.")
    db.session.commit()
    assert client.get(path).status_code == 403


def test_a_refused_save_is_never_kept(app, client, login, db, council, in_evaluation):
    _, application = in_evaluation
    work = assignment_of(application, council.evaluator1)
    question = work.questions()[0]
    path = f"/evaluation/assignments/{work.id}"
    login(council.evaluator1)
    main, _ = viewer(app, client, path)
    main()  # the message of signing in is shown once
    before = main()
    response = client.post(path, data={f"score_{question.id}": "3", f"justification_{question.id}": "Short"})
    assert response.status_code == 200
    refused = response.get_data(as_text=True)
    assert "govuk-error-summary" in refused and "Short</textarea>" in refused
    assert main() == before  # the saved page, without the refused values
    assert assert_kept_matches_afresh(app, client, path) == before


def test_the_kept_moderation_page_shows_every_change_at_once(app, client, login, db, council, system, in_evaluation,
                                                             frozen_clock):
    round_, application = in_evaluation
    path = f"/evaluation/applications/{application.id}/moderation"
    login(council.commissioner)
    main, view = viewer(app, client, path)

    main()  # the message of signing in is shown once
    first, _ = assert_kept_reads_less(app, db, client, path)  # kept: the application and the council's newest event
    assert "Not every evaluator has submitted their scores." in first

    # every evaluator submits: the scores, the spread and the fields to agree
    for evaluator, score in ((council.evaluator1, 4), (council.evaluator2, 1), (council.panel, 3)):
        work = assignment_of(application, evaluator)
        score_all(work, score=score)
        evaluation.submit_assignment(work, evaluator)
    db.session.commit()
    shown = view()
    assert "Not every evaluator has submitted their scores." not in shown
    assert "Spread of 3 points: discuss" in shown
    question = system.lots[0].questions[0]
    assert f'name="version_{question.id}" value="0"' in shown

    # an agreed score saved
    evaluation.moderate_question(application, question, council.commissioner, score=3, rationale="Agreed at panel.",
                                 expected_version=0)
    db.session.commit()
    shown = view()
    assert f'name="version_{question.id}" value="1"' in shown and "Agreed at panel." in shown

    # the round's deadline extended; a new day
    extend_evaluation_deadline(round_, council.commissioner, justification="Site visits needed.")
    db.session.commit()
    shown = text_of(view())
    assert "(15 working days, extended: Site visits needed.)" in shown
    left = re.search(r"(\d+) working days? left", shown)[1]
    frozen_clock.advance(days=1)
    assert re.search(r"(\d+) working days? left", text_of(main()))[1] == str(int(left) - 1)

    # the provider renames their organisation
    update_profile(application.organisation, application.organisation.users[0], legal_name="Zinnia Homecare CIC")
    db.session.commit()
    assert "Moderate Zinnia Homecare CIC" in text_of(view())

    # the decisions confirmed: agreed scores are shown, no longer edited
    for lot_question in system.lots[0].questions[1:]:
        evaluation.moderate_question(application, lot_question, council.commissioner, score=3, rationale="Agreed.",
                                     expected_version=0)
    for lot_standard in system.lots[0].standards:
        if not lot_standard.kind.is_automatic:
            evaluation.moderate_standard(application, lot_standard, council.commissioner, passed=True,
                                         rationale="Agreed.", expected_version=0)
    commissioning.record_decision(application, system.lots[0], council.commissioner, outcome=Outcome.admit,
                                  reasons="Passed.")
    commissioning.confirm_decisions(round_, council.commissioner)
    db.session.commit()
    shown = text_of(view())
    assert "Agreed score: 3 . Agreed at panel." in shown and "Save agreed scores" not in shown


def test_moved_work_and_scorers_show_on_the_kept_moderation_page(app, client, login, db, council, system,
                                                                 in_evaluation):
    round_, application = in_evaluation
    path = f"/evaluation/applications/{application.id}/moderation"
    login(council.commissioner)
    main, view = viewer(app, client, path)
    main()  # the message of signing in is shown once
    shown = text_of(view())
    assert "moved to another evaluator" not in shown

    # a question no one has scored given to the panel: its heading says who scores it
    question = next(q for q in system.lots[0].questions if q.scorer is Scorer.officers)
    heading = f"{question.label} {question.text} (weight"
    assert re.search(re.escape(heading) + r"[^)]*scored by council officers\)", shown)
    set_question_scorers(round_, council.commissioner, {question.id: Scorer.panel})
    db.session.commit()
    assert re.search(re.escape(heading) + r"[^)]*scored by service-user panel\)", text_of(view()))

    # work moved from one evaluator to another, with a score saved
    work = assignment_of(application, council.evaluator2)
    evaluation.record_score(work, work.questions()[0], council.evaluator2, score=2, justification=JUSTIFICATION)
    reassign(work, council.commissioner, another_evaluator(council), reason="Off sick for a month.")
    db.session.commit()
    shown = text_of(view())
    assert f"{council.evaluator2.name}'s work moved to another evaluator on" in shown
    assert "Their 1 saved score is kept under their name" in shown


def test_a_kept_moderation_page_is_shown_only_to_the_councils_commissioners(app, client, login, db, council,
                                                                            in_evaluation):
    _, application = in_evaluation
    path = f"/evaluation/applications/{application.id}/moderation"
    login(council.commissioner)
    main, _ = viewer(app, client, path)
    main()  # the message of signing in is shown once
    assert main() == main()  # kept
    login(council.other_commissioner)
    assert client.get(path).status_code == 404
    login(council.evaluator1)
    assert client.get(path).status_code == 403

"""The work list's pages kept by each worker (work_list.work_list_body): every kind of change made through the
services shows on the next view, and a kept page is byte for byte the page made afresh."""
import re

from portal.commissioning import services as commissioning
from portal.commissioning.models import Outcome
from portal.demo import score_application
from portal.evaluation import services as evaluation
from portal.evaluation.conflicts import decide_conflict
from portal.evaluation.deadlines import extend_evaluation_deadline
from portal.evaluation.models import ConflictDeclaration, ConflictDecision
from portal.evaluation.work_list import KEPT
from portal.onboarding.organisations import update_profile
from portal.querycount import count_queries

from tests.kept_pages import assert_kept_matches_afresh, assert_kept_reads_less, page_at

from .test_services import assignment_of, score_all, submitted_application

INTEREST = "My brother manages Birch Support Ltd."
#: where the page's main content starts
MAIN = '<h1 class="govuk-heading-l">'


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def viewer(app, client, path="/evaluation/"):
    """(main, view): main gives the page's main content; view gives it as shown twice (the second time kept),
    after checking both are the page made afresh."""
    return (lambda: page_at(client, path, MAIN)), (lambda: assert_kept_matches_afresh(app, client, path, MAIN))


def test_the_kept_work_list_shows_every_change_at_once(app, client, login, db, council, system, make_round,
                                                       make_provider, frozen_clock):
    lot = system.lots[0]
    round_ = make_round()
    providers = {name: make_provider(name) for name in ("Cedar Care Ltd", "Alder Homecare CIC", "Birch Support Ltd")}
    cedar, alder, birch = (submitted_application(round_, provider, [lot]) for provider in providers.values())
    frozen_clock.advance(days=15)
    evaluation.assign_evaluators(round_, council.commissioner, [council.evaluator1])
    db.session.commit()
    login(council.evaluator1)
    main, view = viewer(app, client)

    # kept: only the council's newest event and the page's providers read again
    first, made = assert_kept_reads_less(app, db, client, "/evaluation/", MAIN)
    shown = text_of(first)
    assert "Alder Homecare CIC Declare first To do Not yet" in shown
    assert "To do: 3 . In progress: 0 . Done: 0 ." in shown

    # declarations: none for two providers, an interest in the third
    evaluation.declare_conflicts(round_, council.evaluator1, {cedar.organisation_id: (False, ""),
                                                              alder.organisation_id: (False, ""),
                                                              birch.organisation_id: (True, INTEREST)})
    db.session.commit()
    shown = text_of(view())
    assert "Alder Homecare CIC No interest To do Start scoring Alder Homecare CIC" in shown
    assert "Birch Support Ltd Interest declared: waiting for a decision To do Not yet" in shown

    # a first score saved
    alder_work = assignment_of(alder, council.evaluator1)
    question = alder_work.questions()[0]
    evaluation.record_score(alder_work, question, council.evaluator1, score=3,
                            justification="Clear, specific and evidenced answer.")
    db.session.commit()
    shown = text_of(view())
    assert "Alder Homecare CIC No interest In progress Continue scoring Alder Homecare CIC" in shown
    assert "To do: 2 . In progress: 1 . Done: 0 ." in shown

    # scores submitted
    score_application(cedar, None, council.commissioner, score=4)
    db.session.commit()
    shown = text_of(view())
    assert "Cedar Care Ltd No interest Done Submitted ( view your scores for Cedar Care Ltd )" in shown
    assert "To do: 1 . In progress: 1 . Done: 1 ." in shown

    # the interest decided: the work moved to another evaluator
    declaration = ConflictDeclaration.query.filter_by(evaluator_id=council.evaluator1.id,
                                                      organisation_id=birch.organisation_id).one()
    decide_conflict(declaration, council.commissioner, decision=ConflictDecision.reassigned,
                    to_evaluator=council.evaluator2)
    db.session.commit()
    before = view()
    shown = text_of(before)
    assert "Birch Support Ltd – Moved to another evaluator No longer yours" in shown
    assert "To do: 0 . In progress: 1 . Done: 1 ." in shown

    # the other evaluator declares, scores, judges the standards and submits: work this list does not show, so
    # the kept page goes on being shown, and it is the page made afresh
    moved = assignment_of(birch, council.evaluator2)
    evaluation.declare_conflicts(round_, council.evaluator2, {birch.organisation_id: (False, "")})
    score_all(moved)
    evaluation.submit_assignment(moved, council.evaluator2)
    db.session.commit()
    with count_queries() as counted:
        assert main() == before
    assert counted[0] < made  # not made again
    assert view() == before

    # the round's deadline extended
    assert "(10 working days)" in shown
    extend_evaluation_deadline(round_, council.commissioner, justification="Site visits needed.")
    db.session.commit()
    shown = text_of(view())
    assert "(15 working days, extended: Site visits needed.)" in shown

    # a new day: the clock counts again, with no change to the data
    left = re.search(r"(\d+) working days? left", shown)[1]
    frozen_clock.advance(days=1)  # Wednesday 17 June to Thursday 18 June 2026
    assert re.search(r"(\d+) working days? left", text_of(main()))[1] == str(int(left) - 1)

    # the system renamed
    commissioning.update_system(system, council.commissioner, title="Home care for adults")
    db.session.commit()
    assert f"Home care for adults: {round_.name}" in text_of(view())

    # a provider renames their organisation (an event for no council): the name and its place in the order
    update_profile(alder.organisation, providers["Alder Homecare CIC"], legal_name="Zinnia Homecare CIC")
    db.session.commit()
    shown = text_of(view())
    assert "Alder" not in shown and "Zinnia Homecare CIC No interest In progress Continue scoring" in shown
    assert shown.index("Cedar Care Ltd") < shown.index("Zinnia Homecare CIC")

    # work in a newer round: listed first
    newer = make_round()
    oak = submitted_application(newer, make_provider("Oak Home Care Ltd"), [lot])
    frozen_clock.advance(days=15)
    evaluation.assign_evaluators(newer, council.commissioner, [council.evaluator1])
    db.session.commit()
    shown = text_of(view())
    assert shown.index("Oak Home Care Ltd Declare first To do Not yet") < shown.index("Cedar Care Ltd")

    # decisions confirmed: the clock stops
    score_application(oak, None, council.commissioner, score=4)
    commissioning.record_decision(oak, lot, council.commissioner, outcome=Outcome.admit, reasons="Passed.")
    db.session.commit()
    assert text_of(view()).count("Decisions are made.") == 0
    commissioning.confirm_decisions(newer, council.commissioner)
    db.session.commit()
    assert text_of(view()).count("Decisions are made.") == 1


def test_a_kept_page_follows_the_providers_names_across_pages(app, client, login, db, council, system,
                                                              make_round, make_provider, frozen_clock, monkeypatch):
    lot = system.lots[0]
    round_ = make_round()
    providers = {name: make_provider(name) for name in ("Cedar Care Ltd", "Alder Homecare CIC", "Birch Support Ltd")}
    alder = [submitted_application(round_, provider, [lot]) for provider in providers.values()][1]
    frozen_clock.advance(days=15)
    evaluation.assign_evaluators(round_, council.commissioner, [council.evaluator1])
    db.session.commit()
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    login(council.evaluator1)
    first, _ = viewer(app, client)
    second, _ = viewer(app, client, "/evaluation/?page=2")
    names = lambda html: re.findall(r'<tr class="govuk-table__row">\s*<td class="govuk-table__cell">([^<]+)</td>',  # noqa: E731
                                    html)
    assert names(first()) == names(first()) == ["Alder Homecare CIC", "Birch Support Ltd"]
    assert names(second()) == names(second()) == ["Cedar Care Ltd"]
    update_profile(alder.organisation, providers["Alder Homecare CIC"], legal_name="Zinnia Homecare CIC")
    db.session.commit()
    assert names(first()) == ["Birch Support Ltd", "Cedar Care Ltd"]
    assert names(second()) == ["Zinnia Homecare CIC"]


def test_a_kept_page_unseals_a_round_when_it_closes(app, client, login, db, council, system, make_round,
                                                    make_provider, frozen_clock):
    """A round's bids are sealed until it closes, with no event when it does: a kept page lasts only until then."""
    from datetime import timedelta

    round_ = make_round()
    submitted_application(round_, make_provider("Cedar Care Ltd"), [system.lots[0]])
    frozen_clock.advance(days=15)
    evaluation.assign_evaluators(round_, council.commissioner, [council.evaluator1])
    round_.closes_at = frozen_clock.now + timedelta(hours=2)  # as if it closed later (no service makes this)
    db.session.commit()
    login(council.evaluator1)
    main, _ = viewer(app, client)
    assert "You can read the applications after it closes." in main() == main()
    frozen_clock.advance(hours=2)
    shown = text_of(main())
    assert "after it closes" not in shown and "Cedar Care Ltd Declare first To do Not yet" in shown


def test_a_kept_page_made_from_another_log_is_made_again(app, client, login, db, council, system, make_round,
                                                          make_provider, frozen_clock):
    """A page is kept from a council event (its number and hash): when the log no longer has that event as it
    was (a log put back from an archive, or emptied), the page is made again."""
    round_ = make_round()
    submitted_application(round_, make_provider("Cedar Care Ltd"), [system.lots[0]])
    frozen_clock.advance(days=15)
    evaluation.assign_evaluators(round_, council.commissioner, [council.evaluator1])
    db.session.commit()
    login(council.evaluator1)
    main, _ = viewer(app, client)
    first = main()
    (kept,) = (entry.content for entry in app.extensions[KEPT.name].values())
    real = number, chain_hash = kept.head
    for other in ((number, "0" * 64), (number + 1000, chain_hash)):
        kept.head = other
        assert main() == first
        (again,) = (entry.content for entry in app.extensions[KEPT.name].values())
        assert again is not kept and again.head == real  # made again, from the log as it is
        kept = again

"""The results table kept by each worker (commissioning.results_page.results_view): byte for byte the table made
afresh, and every kind of change made through the services shows on the next view."""
import re

import pytest

from portal.commissioning import services as commissioning
from portal.commissioning.models import Outcome, StandardKind
from portal.demo import complete_application, score_application
from portal.evaluation import services as evaluation
from portal.onboarding import services as onboarding
from portal.onboarding.organisations import update_profile
from portal.querycount import count_queries

from tests.kept_pages import assert_kept_matches_afresh, assert_kept_reads_less, page_at

#: where the table's page starts
MAIN = '<span class="govuk-caption-l">'


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def row_of(html: str, name: str) -> str:
    """The text of the table row naming the provider."""
    rows = html.split('<tr class="govuk-table__row">')
    return text_of(next(row for row in rows if name in row))


@pytest.fixture()
def evaluated(db, council, system, make_round, make_provider, frozen_clock):
    """Two providers' applications to Lot 1, in evaluation: Alder's moderated at 4 on every question, Birch's not
    yet moderated."""
    lot = system.lots[0]
    round_ = make_round()
    applications, providers = [], []
    for name in ("Alder Homecare CIC", "Birch Support Ltd"):
        provider = make_provider(name)
        application = complete_application(round_, provider, lots=[lot])
        onboarding.submit_application(application, provider, declaration_confirmed=True)
        applications.append(application)
        providers.append(provider)
    frozen_clock.advance(days=15)
    evaluation.assign_evaluators(round_, council.commissioner, [council.evaluator1])
    score_application(applications[0], None, council.commissioner, score=4)
    db.session.commit()
    return round_, applications, providers


def test_the_kept_table_is_the_table_made_afresh_and_shows_every_change(app, client, login, db, council, system,
                                                                         evaluated, frozen_clock):
    round_, (alder, birch), providers = evaluated
    lot = system.lots[0]
    login(council.commissioner)
    url = f"/commissioning/rounds/{round_.id}/results"
    main = lambda: page_at(client, url, MAIN)  # noqa: E731

    first, _ = assert_kept_reads_less(app, db, client, url, MAIN)  # kept: the criteria, lots and marks not read again
    assert "Results per application and lot (2 applications)" in first
    assert "80.00" in row_of(first, "Alder Homecare CIC") and "Not complete" in row_of(first, "Birch Support Ltd")

    # an agreed score changed at moderation
    question = lot.questions[0]
    evaluation.moderate_question(alder, question, council.commissioner, score=2, rationale="Agreed on review.")
    db.session.commit()
    assert "80.00" not in row_of(main(), "Alder Homecare CIC")
    changed = row_of(main(), "Alder Homecare CIC")
    # an agreed standard failed at moderation
    standard = next(s for s in lot.standards if not s.kind.is_automatic)
    evaluation.moderate_standard(alder, standard, council.commissioner, passed=False, rationale="No evidence.")
    db.session.commit()
    failed = row_of(main(), "Alder Homecare CIC")
    assert failed != changed and "Failed" in failed
    # the second application moderated: complete, with its figures
    score_application(birch, None, council.commissioner, score=3)
    db.session.commit()
    assert "60.00" in row_of(main(), "Birch Support Ltd") and "Not complete" not in row_of(main(), "Birch Support Ltd")
    # decisions recorded, then confirmed: the outcome letters' links appear
    assert "Not recorded" in row_of(main(), "Birch Support Ltd")
    commissioning.record_decision(birch, lot, council.commissioner, outcome=Outcome.admit, reasons="Passed.")
    db.session.commit()
    assert "Admitted" in row_of(main(), "Birch Support Ltd")
    commissioning.record_decision(alder, lot, council.commissioner, outcome=Outcome.reject, reasons="Failed.")
    db.session.commit()
    assert "Not admitted" in row_of(main(), "Alder Homecare CIC") and "Letter (PDF)" not in main()
    frozen_clock.advance(days=2)
    commissioning.confirm_decisions(round_, council.commissioner)
    db.session.commit()
    decided = main()
    assert "Letter (PDF)" in row_of(decided, "Birch Support Ltd") and "Download the evaluation report" in decided
    # a provider renaming itself records an event for no council: the names are read on every view
    update_profile(birch.organisation, providers[1], legal_name="Birch Support Services Ltd")
    db.session.commit()
    assert "Birch Support Services Ltd" in main()
    # and each kept table is still the one made afresh
    assert assert_kept_matches_afresh(app, client, url, MAIN) == main()


def test_answers_and_lot_choices_of_an_evaluated_application_cannot_change(db, council, system, evaluated):
    """The results are computed from the lots chosen and the answers to the standards the portal judges itself too:
    the services refuse to change them once the application is submitted, so the kept table cannot miss them."""
    from portal.core import DomainError

    round_, (alder, _), providers = evaluated
    lot = system.lots[0]
    declaration = next((s for s in lot.standards if s.kind is StandardKind.declaration), lot.standards[0])
    with pytest.raises(DomainError, match="cannot be changed"):
        onboarding.choose_lots(alder, providers[0], {system.lots[1].id: [system.zones[0].id]})
    with pytest.raises(DomainError, match="cannot be changed"):
        onboarding.save_standard_response(alder, declaration, providers[0], confirmed=False)


def test_another_councils_activity_leaves_the_table_kept(app, client, login, db, council, evaluated, make_provider):
    round_, _, _ = evaluated
    login(council.commissioner)
    url = f"/commissioning/rounds/{round_.id}/results"
    client.get(url)
    db.session.expire_all()
    with count_queries() as kept:
        first = client.get(url).get_data(as_text=True)
    from portal.audit.services import record_event

    record_event(council.other_commissioner, "system.updated", council.other_commissioner,
                 authority_id=council.other_commissioner.authority_id)
    db.session.commit()
    db.session.expire_all()
    with count_queries() as after:
        again = client.get(url).get_data(as_text=True)
    assert after[0] == kept[0]
    assert text_of(again[again.index("<main"):]) == text_of(first[first.index("<main"):])


def test_the_page_links_are_what_the_pagination_macro_wrote(app, client, login, db, council, evaluated, monkeypatch):
    """results.html called the pagination macro; the links are now written with the kept table and put in its
    place: the page is byte for byte the one the macro call wrote, on each page and with the lead-provider ranking."""
    from flask import render_template_string
    from flask_login import login_user

    from portal.commissioning.results_page import results_view

    source = app.jinja_env.loader.get_source(app.jinja_env, "commissioning/results.html")[0]
    assert "{{ nav }}\n" in source
    old = source.replace('{% extends "layout.html" %}\n', '{% extends "layout.html" %}\n'
                         '{% from "publication/_pagination.html" import pagination %}\n').replace(
        "{{ nav }}\n", '{{ pagination(page, "commissioning.results", {"round_id": round.id}, '
                       'label="Pages of results") }}\n')
    round_, _, _ = evaluated
    login(council.commissioner)
    monkeypatch.setitem(app.config, "PAGE_SIZE", 1)
    main = lambda html: html[html.index('<span class="govuk-caption-l">'):html.index("</main>")]  # noqa: E731
    for number in (1, 2):
        url = f"/commissioning/rounds/{round_.id}/results?page={number}"
        page = main(client.get(url).get_data(as_text=True))
        assert 'aria-label="Pages of results"' in page
        with app.test_request_context(url):
            login_user(council.commissioner)
            view = results_view(round_, number, 1)
            expected = render_template_string(old, title=f"Results of {round_.name}", round=round_, page=view.page,
                                              rows=view.rows, rankings=None, can_report=False)
        assert page == main(expected)

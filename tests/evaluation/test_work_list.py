"""The evaluator's work list: newest round first, providers by name, a page at a time, only their own work."""
import re

import pytest

from portal.evaluation import services as evaluation

from .test_services import assignment_of, declare_none, score_all, submitted_application


def rows(response) -> list[tuple[str, str]]:
    """(round heading, provider) for every row of the work list, in page order."""
    html = response.get_data(as_text=True)
    found, heading = [], None
    for match in re.finditer(r'<h2 class="govuk-heading-m">([^<]+)</h2>|<tr class="govuk-table__row">\s*'
                             r'<td class="govuk-table__cell">([^<]+)</td>', html):
        if match.group(1):
            heading = match.group(1).split(": ")[-1]
        else:
            found.append((heading, match.group(2)))
    return found


@pytest.fixture()
def two_rounds(db, council, system, make_round, make_provider, frozen_clock):
    """Round 1 (two providers) and round 2 (three providers), both closed, all assigned to Tom Evans."""
    lot = system.lots[0]
    first = make_round()
    older = [submitted_application(first, make_provider(name), [lot]) for name in ("Zephyr Care Ltd", "acorn Care CIC")]
    frozen_clock.advance(days=15)
    second = make_round()
    newer = [submitted_application(second, make_provider(name), [lot])
             for name in ("Oak Home Care Ltd", "Birch Care Trust", "maple Support LTD")]
    frozen_clock.advance(days=15)
    evaluation.assign_evaluators(first, council.commissioner, [council.evaluator1])
    evaluation.assign_evaluators(second, council.commissioner, [council.evaluator1])
    db.session.commit()
    return first, second, older, newer


def test_the_work_list_pages_newest_round_first_then_by_provider_name(app, client, login, council, two_rounds):
    first, second, _, _ = two_rounds
    app.config["PAGE_SIZE"] = 2
    login(council.evaluator1)
    assert rows(client.get("/evaluation/")) == [(second.name, "Birch Care Trust"), (second.name, "maple Support LTD")]
    # a page that spans two rounds: the last of round 2, then the first of round 1 (names sorted ignoring case)
    page = client.get("/evaluation/?page=2")
    assert rows(page) == [(second.name, "Oak Home Care Ltd"), (first.name, "acorn Care CIC")]
    assert "Pages of your evaluations" in page.get_data(as_text=True)
    assert rows(client.get("/evaluation/?page=3")) == [(first.name, "Zephyr Care Ltd")]
    assert client.get("/evaluation/?page=4").status_code == 404
    app.config["PAGE_SIZE"] = 50
    assert [name for _, name in rows(client.get("/evaluation/"))] == [
        "Birch Care Trust", "maple Support LTD", "Oak Home Care Ltd", "acorn Care CIC", "Zephyr Care Ltd"]


def test_the_work_list_shows_each_rows_status_and_only_the_evaluators_own_work(db, client, login, council, two_rounds):
    _, second, _, newer = two_rounds
    oak, birch, maple = newer
    declare_none(second, council.evaluator1, *newer)
    score_all(assignment_of(birch, council.evaluator1))
    evaluation.submit_assignment(assignment_of(birch, council.evaluator1), council.evaluator1)
    assignment = assignment_of(maple, council.evaluator1)
    score_all(assignment)
    db.session.commit()
    login(council.evaluator1)
    html = client.get("/evaluation/").get_data(as_text=True)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert "Birch Care Trust No interest Done Submitted ( view your scores for Birch Care Trust )" in text
    assert "maple Support LTD No interest In progress Continue scoring maple Support LTD" in text
    assert "Oak Home Care Ltd No interest To do Start scoring Oak Home Care Ltd" in text
    assert f'href="/evaluation/assignments/{assignment.id}"' in html
    assert "To do: 1 . In progress: 1 . Done: 1 ." in text
    # round 1: nothing declared yet
    assert "acorn Care CIC Declare first To do Not yet" in text
    # someone with no work
    login(council.evaluator2)
    page = client.get("/evaluation/")
    assert rows(page) == [] and "You have no applications to evaluate." in page.get_data(as_text=True)


def test_an_always_open_system_shows_each_applications_due_date(db, client, login, council, system, two_rounds):
    system.always_open = True
    db.session.commit()
    login(council.evaluator1)
    html = client.get("/evaluation/").get_data(as_text=True)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert '<th scope="col" class="govuk-table__header">Due</th>' in html
    # every application was submitted more than 10 working days ago: each row says so in words
    assert text.count("Overdue") == 5 and "Evaluation due by" not in text
    assert re.search(r"Birch Care Trust No interest|Birch Care Trust Declare first", text)
    assert rows(client.get("/evaluation/"))[0] == (two_rounds[1].name, "Birch Care Trust")


def test_every_assignment_is_in_its_applications_round_and_moved_work_stays_listed(db, client, login, council,
                                                                                    two_rounds):
    from sqlalchemy import select

    from portal.evaluation.assigning import reassign
    from portal.evaluation.models import Assignment

    _, second, _, newer = two_rounds
    moved = reassign(assignment_of(newer[0], council.evaluator1), council.commissioner, council.evaluator2,
                     reason="Tom Evans is off sick.")
    db.session.commit()
    assignments = db.session.scalars(select(Assignment)).all()
    assert len(assignments) == 6 and moved.round_id == second.id
    assert all(a.round_id == a.application.round_id for a in assignments)
    login(council.evaluator2)
    assert rows(client.get("/evaluation/")) == [(second.name, "Oak Home Care Ltd")]
    login(council.evaluator1)
    html = client.get("/evaluation/").get_data(as_text=True)
    assert len(rows(client.get("/evaluation/"))) == 5 and "No longer yours" in html

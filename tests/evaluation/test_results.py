"""A round's results in bulk, the ranking per zone, and the commissioner's results page."""
from contextlib import contextmanager
from decimal import Decimal
from types import SimpleNamespace

from sqlalchemy import event

from portal.evaluation.results import (
    application_results,
    evaluated_applications_query,
    results_for,
    zone_rankings,
)
from portal.evaluation.scoring import QuestionRule, lot_result

D = Decimal


@contextmanager
def counted_queries(db):
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def test_results_for_a_round_in_bulk_match_each_applications_own(db, decided_round, system):
    round_, applications = decided_round
    lot = system.lots[0]
    loaded = db.session.scalars(evaluated_applications_query(round_)).all()
    bulk = results_for(loaded)
    totals = {a.organisation.legal_name: bulk[a.id][lot.id].total for a in loaded}
    # 4/5 on every question: 28 + 24 + 24 + 4 = 80; 3/5: 21 + 18 + 18 + 3 = 60; 1/5: 7 + 6 + 6 + 1 = 20
    assert totals == {"Bloomsbury Home Care LTD": D("80.00"), "Hales Group Limited": D("60.00"),
                      "Cera Care Operations LTD": D("20.00")}
    for application in loaded:
        one = application_results(application)[lot.id]
        assert (one.total, one.passed) == (bulk[application.id][lot.id].total, bulk[application.id][lot.id].passed)
    cera = next(a for a in loaded if a.organisation.legal_name.startswith("Cera"))
    assert bulk[cera.id][lot.id].minimum_scores_met is False and bulk[cera.id][lot.id].passed is False


class Thing(SimpleNamespace):
    """A stand-in for a lot or zone: compared by identity, as the ORM's objects are."""

    __hash__ = object.__hash__
    __eq__ = object.__eq__


def _application(n, name, lot, zones):
    return SimpleNamespace(id=n, reference=f"R/{n:03d}", organisation=SimpleNamespace(legal_name=name),
                           lots=[SimpleNamespace(lot_id=lot.id, lot=lot, zones=[SimpleNamespace(zone=z) for z in zones])])


def test_zone_rankings_order_by_total_then_quality_points_and_share_a_rank_when_equal_on_both():
    lot = Thing(id=1, number=1, name="Lot 1: Providers of Care")
    north, south = Thing(name="Fenland"), Thing(name="Peterborough")
    rules = [QuestionRule(1, "quality", D(80), 0), QuestionRule(2, "social_value", D(20), 0)]

    def result(quality, social):
        return lot_result(rules, {1: quality, 2: social}, {}, scale_max=10, pass_mark=D(50))

    applications = [_application(1, "Alpha Care", lot, [north, south]), _application(2, "Beta Care", lot, [north]),
                    _application(3, "Gamma Care", lot, [north, south]), _application(4, "Delta Care", lot, [north]),
                    _application(5, "Epsilon Care", lot, [north])]
    results = {
        1: {1: result(8, 4)},   # 64 + 8 = 72.00, quality 64
        2: {1: result(9, 0)},   # 72 + 0 = 72.00, quality 72: same total, more quality points -> above Alpha
        3: {1: result(10, 5)},  # 80 + 10 = 90.00
        4: {1: result(8, 4)},   # 72.00 with quality 64, exactly as Alpha: joint
        5: {1: result(2, 0)},   # 16.00: fails the pass mark, not ranked
    }
    rankings = zone_rankings(applications, results)
    assert list(rankings) == [(lot, north), (lot, south)]
    fenland = [(e.rank, e.application.organisation.legal_name, e.joint) for e in rankings[(lot, north)]]
    assert fenland == [(1, "Gamma Care", False), (2, "Beta Care", False), (3, "Alpha Care", True),
                       (3, "Delta Care", True)]
    notes = {e.application.organisation.legal_name: e.tie_note for e in rankings[(lot, north)]}
    assert notes["Gamma Care"] == ""
    assert notes["Beta Care"] == ("The same total as Alpha Care, Delta Care; placed by quality points (72.00).")
    assert notes["Alpha Care"] == ("Joint: the same total and the same quality points as Delta Care. "
                                   "The commissioner decides between them and records why.")
    # Peterborough ranks only those who offered it
    assert [(e.rank, e.application.organisation.legal_name) for e in rankings[(lot, south)]] == [
        (1, "Gamma Care"), (2, "Alpha Care")]


# ---- the results page


def test_results_page_shows_each_application_and_lot_computed_from_agreed_scores(client, login, council,
                                                                                 decided_round):
    round_, applications = decided_round
    login(council.commissioner)
    page = client.get(f"/commissioning/rounds/{round_.id}/results").get_data(as_text=True)
    assert "Results per application and lot (3 applications)" in page
    rows = page.split("<tr class=\"govuk-table__row\">")[2:]
    cera = next(r for r in rows if "Cera Care Operations LTD" in r)
    assert "20.00" in cera and "Minimum scores: Fail" in cera and "Failed" in cera and "Not admitted" in cera
    hales = next(r for r in rows if "Hales Group Limited" in r)
    assert "57.00" in hales and "3.00" in hales and "60.00" in hales and "Pass mark: Pass" in hales
    assert "Passed" in hales and "Admitted" in hales
    assert "Download the evaluation report (PDF)" in page
    assert "Ranking per zone" not in page  # the ISF system admits everyone who passes


def test_results_page_runs_the_same_number_of_queries_for_one_or_many_applications(app, client, login, council,
                                                                                   decided_round, db):
    round_, _ = decided_round
    login(council.commissioner)
    round_.system.ranks_lead_providers = True
    db.session.commit()
    client.get(f"/commissioning/rounds/{round_.id}/results")  # the first request also loads the session's user
    counts = {}
    for size in (1, 50):
        app.config["PAGE_SIZE"] = size
        try:
            with counted_queries(db) as statements:
                response = client.get(f"/commissioning/rounds/{round_.id}/results")
        finally:
            app.config["PAGE_SIZE"] = 50
        assert response.status_code == 200
        counts[size] = len(statements)
    assert counts[1] == counts[50], counts
    assert counts[50] < 40


def test_results_page_paginates(app, client, login, council, decided_round):
    round_, _ = decided_round
    login(council.commissioner)
    app.config["PAGE_SIZE"] = 2
    try:
        first = client.get(f"/commissioning/rounds/{round_.id}/results").get_data(as_text=True)
        second = client.get(f"/commissioning/rounds/{round_.id}/results?page=2").get_data(as_text=True)
    finally:
        app.config["PAGE_SIZE"] = 50
    # ordered by reference, i.e. by order of submission
    assert "Bloomsbury Home Care LTD" in first and "Hales Group Limited" in first
    assert "Cera Care Operations LTD" not in first and "Cera Care Operations LTD" in second
    assert "Next" in first


def test_ranking_per_zone_shows_once_the_system_ranks_lead_providers(client, login, council, decided_round, system):
    round_, _ = decided_round
    login(council.commissioner)
    response = client.post(f"/commissioning/systems/{system.id}/lead-provider-ranking",
                           data={"ranks_lead_providers": "y"})
    assert response.status_code == 302
    assert system.ranks_lead_providers is True
    page = client.get(f"/commissioning/rounds/{round_.id}/results").get_data(as_text=True)
    ranking = page[page.index("Ranking per zone"):]
    for zone in ("Fenland", "Huntingdonshire", "Peterborough"):
        table = ranking[ranking.index(f"Lot 1: Providers of Care, {zone}"):]
        table = table[:table.index("</table>")]
        assert table.index("Bloomsbury Home Care LTD") < table.index("Hales Group Limited")
        assert "Cera Care Operations LTD" not in table  # failed: not ranked
    client.post(f"/commissioning/systems/{system.id}/lead-provider-ranking", data={})
    assert system.ranks_lead_providers is False


def test_results_page_is_only_for_the_owning_council_once_evaluation_started(client, login, council, system,
                                                                             decided_round, make_round):
    round_, applications = decided_round
    for user, status in ((council.other_commissioner, 404), (council.evaluator1, 403),
                         (applications["Hales Group Limited"].organisation.users[0], 403)):
        login(user)
        assert client.get(f"/commissioning/rounds/{round_.id}/results").status_code == status
    login(council.other_commissioner)
    assert client.post(f"/commissioning/systems/{system.id}/lead-provider-ranking",
                       data={"ranks_lead_providers": "y"}).status_code == 404
    assert system.ranks_lead_providers is False
    open_round = make_round()
    login(council.commissioner)
    response = client.get(f"/commissioning/rounds/{open_round.id}/results", follow_redirects=True)
    assert "Round 2 is open. Results exist once evaluation has started." in response.get_data(as_text=True)

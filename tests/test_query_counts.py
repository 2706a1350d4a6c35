"""No page runs more SQL queries when there is more data (no N+1), and none runs more than 15.

Two data sets from the generator, the second four times the first (applications, members, scores, audit
events, an evaluator's assignments); every page the benchmark measures is requested in both, as the person
who uses it, and its queries are counted with an SQLAlchemy event counter.
"""
from dataclasses import replace

import pytest
from sqlalchemy import text

from portal import clock
from portal.demo import at
from portal.extensions import db as _db
from portal.generator import SIZES, generate
from portal.querycount import count_queries

MAX_QUERIES = 15
SMALLER = replace(SIZES["tiny"], organisations=12, applications=12, members=3, report_round_applications=4)
LARGER = replace(SMALLER, organisations=48, applications=48, members=12, report_round_applications=16)

# (name, who signs in, path built from the generator's known ids, text the page must show)
PAGES = [
    ("call-off list", None, "/call-off-lists/{system_slug}", "National Home and Community Support DPS"),
    ("call-off list filtered", None, "/call-off-lists/{system_slug}?lot={filter_lot_id}&zone={filter_zone_id}",
     "National Home and Community Support DPS"),
    ("call-off list CSV", None, "/call-off-lists/{system_slug}.csv", "Provider legal name"),
    ("call-off list JSON", None, "/call-off-lists/{system_slug}.json", '"members": ['),
    ("call-off list OCDS", None, "/call-off-lists/{system_slug}.ocds.json", '"releases": ['),
    ("call-off list suspended", None, "/call-off-lists/{system_slug}?status=suspended",
     "National Home and Community Support DPS"),
    ("call-off list Excel", None, "/call-off-lists/{system_slug}.xlsx", ""),
    ("provider dashboard", "provider", "/provider/", "Your applications"),
    ("provider application", "provider", "/provider/applications/{provider_application_id}", "Your application"),
    ("provider organisation", "provider", "/provider/organisation", "Your organisation"),
    ("provider clarifications", "provider", "/provider/rounds/{evaluation_round_id}/clarifications",
     "Questions and answers"),
    ("evaluator work list", "evaluator", "/evaluation/", "Your evaluations"),
    ("evaluator scoring page", "evaluator", "/evaluation/assignments/{scoring_assignment_id}", "Score"),
    ("moderation page", "commissioner", "/evaluation/applications/{moderation_application_id}/moderation",
     "Moderate"),
    ("commissioner dashboard", "commissioner", "/commissioning/", "Purchasing systems"),
    ("round in evaluation", "commissioner", "/commissioning/rounds/{evaluation_round_id}", "Round"),
    ("published round", "commissioner", "/commissioning/rounds/{published_round_id}", "Round"),
    ("round results", "commissioner", "/commissioning/rounds/{published_round_id}/results", "Results of Round"),
    ("round clarifications", "commissioner", "/commissioning/rounds/{evaluation_round_id}/clarifications",
     "Clarifications"),
    ("audit log", "commissioner", "/audit/", "Audit log"),
    ("round results", "commissioner", "/commissioning/rounds/{evaluation_round_id}/results", "Results of Round"),
    ("evaluation report PDF", "commissioner", "/commissioning/rounds/{report_round_id}/evaluation-report.pdf", "%PDF"),
    ("conflicts register", "commissioner", "/evaluation/rounds/{evaluation_round_id}/conflicts-register",
     "Conflicts of interest register"),
    ("conflicts register CSV", "commissioner", "/evaluation/rounds/{evaluation_round_id}/conflicts-register.csv",
     "Provider,Evaluator"),
    ("consistency", "commissioner", "/evaluation/rounds/{evaluation_round_id}/consistency",
     "How consistently evaluators score"),
    ("application evaluators", "commissioner",
     "/evaluation/applications/{moderation_application_id}/evaluators", "Evaluators of"),
    ("audit log export", "commissioner", "/audit/export.csv", "Event number"),
    ("members of a system", "commissioner", "/commissioning/systems/{system_id}/members", "Members of the call-off list"),
]


def _empty(app) -> None:
    tables = list(reversed(_db.metadata.sorted_tables))
    if _db.engine.dialect.name == "postgresql":
        _db.session.execute(text("TRUNCATE " + ", ".join(t.name for t in tables) + " RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            _db.session.execute(table.delete())
    _db.session.commit()


def _measure(app, size) -> dict:
    """{page name: (status, queries, body)} for every page, on a fresh data set of `size`."""
    with app.app_context():
        _empty(app)
        known = generate(size, seed=7)
        _db.session.remove()
    results = {}
    client = app.test_client()
    signed_in = None
    for name, who, path, _ in PAGES:
        if who != signed_in:
            client.post("/sign-out")
            if who:
                response = client.post("/sign-in", data={"email": known[who], "password": known["password"]})
                assert response.status_code == 302, f"{who} could not sign in"
            signed_in = who
        url = path.format(**known)
        with count_queries() as counted:
            response = client.get(url)
            data = response.get_data()  # a streamed download's queries run while it is read
        body = data.decode("utf-8", "replace")
        results[name] = (response.status_code, counted[0], body)
    with app.app_context():
        _empty(app)
    return results


@pytest.fixture(scope="module")
def counts(app):
    real = clock.now()
    clock.set_now(at(2026, 6, 1, 12, 0))
    try:
        yield {"smaller": _measure(app, SMALLER), "larger": _measure(app, LARGER)}
    finally:
        clock.set_now(None)


@pytest.mark.parametrize("name,who,path,expected", PAGES, ids=[p[0] for p in PAGES])
def test_page_queries_do_not_grow_with_the_data(counts, name, who, path, expected):
    for size in ("smaller", "larger"):
        status, _, body = counts[size][name]
        assert status == 200, f"{name} answered {status} with the {size} data"
        assert expected in body
    smaller, larger = counts["smaller"][name][1], counts["larger"][name][1]
    assert larger <= smaller, f"{name}: {smaller} queries with the smaller data, {larger} with four times as much"
    assert larger <= MAX_QUERIES, f"{name}: {larger} queries; a page may run at most {MAX_QUERIES}"


def test_the_larger_data_set_really_is_larger(counts):
    """The comparison means something only if the pages have more to show."""
    smaller, larger = counts["smaller"], counts["larger"]
    assert len(larger["call-off list CSV"][2].splitlines()) > len(smaller["call-off list CSV"][2].splitlines())
    assert larger["evaluator work list"][2].count("govuk-table__row") > \
        smaller["evaluator work list"][2].count("govuk-table__row")
    assert larger["audit log"][2].count("govuk-table__row") >= smaller["audit log"][2].count("govuk-table__row")


def test_query_count_header_and_baseline_only_in_the_bench_configuration(app, monkeypatch):
    from portal import create_app

    bench = create_app("bench", SQLALCHEMY_DATABASE_URI="sqlite://").test_client()
    response = bench.get("/_bench/baseline?queries=4")
    assert response.status_code == 200 and response.headers["X-Query-Count"] == "4"
    assert bench.get("/_bench/baseline?queries=2&layout=1").headers["X-Query-Count"] == "2"
    # counting starts before every other hook (loading the signed-in user, the idle-session check...)
    assert bench.application.before_request_funcs[None][0].__name__ == "start_counting"
    # the benchmark's page made afresh: the worker forgets every page part it keeps
    from portal.kept import stores
    for name in stores():
        bench.application.extensions[name] = {"a page": "kept"}
    assert bench.get("/_bench/forget").status_code == 200
    assert not any(name in bench.application.extensions for name in stores())

    monkeypatch.setenv("SECRET_KEY", "test-only")
    production = create_app("production", SQLALCHEMY_DATABASE_URI="sqlite://").test_client()
    assert production.get("/_bench/baseline?queries=4").status_code == 404
    assert production.get("/_bench/forget").status_code == 404
    assert "X-Query-Count" not in production.get("/call-off-lists/").headers
    assert "X-Query-Count" not in app.test_client().get("/_bench/baseline").headers  # the test settings: off too

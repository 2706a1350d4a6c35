"""Property tests (Hypothesis): the scoring maths, and hostile input to the forms."""
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.evaluation.scoring import QuestionRule, lot_result, question_points

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@st.composite
def lots(draw):
    """A lot's questions with weights (hundredths) that add up to 100 across quality and social value, and a scale."""
    scale_max = draw(st.integers(min_value=1, max_value=10))
    count = draw(st.integers(min_value=1, max_value=8))
    cuts = sorted(draw(st.lists(st.integers(min_value=0, max_value=10000), min_size=count - 1, max_size=count - 1)))
    bounds = [0] + cuts + [10000]
    weights = [Decimal(b - a) / 100 for a, b in zip(bounds, bounds[1:])]
    rules = [QuestionRule(id=n, section=draw(st.sampled_from(["quality", "social_value"])), weight=w,
                          min_score=draw(st.integers(min_value=0, max_value=scale_max)))
             for n, w in enumerate(weights)]
    scores = {rule.id: draw(st.integers(min_value=0, max_value=scale_max)) for rule in rules}
    return rules, scores, scale_max


@FAST
@given(lots())
def test_total_is_between_0_and_100(lot):
    rules, scores, scale_max = lot
    result = lot_result(rules, scores, {}, scale_max=scale_max, pass_mark=Decimal(60))
    assert Decimal(0) <= result.total <= Decimal(100)
    full = lot_result(rules, {r.id: scale_max for r in rules}, {}, scale_max=scale_max, pass_mark=Decimal(60))
    assert full.total == Decimal(100)
    zero = lot_result(rules, {r.id: 0 for r in rules}, {}, scale_max=scale_max, pass_mark=Decimal(60))
    assert zero.total == Decimal(0)


@FAST
@given(lots(), st.data())
def test_total_never_falls_when_one_score_rises(lot, data):
    rules, scores, scale_max = lot
    rule = data.draw(st.sampled_from(rules))
    if scores[rule.id] == scale_max:
        return
    higher = {**scores, rule.id: scores[rule.id] + 1}
    before = lot_result(rules, scores, {}, scale_max=scale_max, pass_mark=Decimal(60))
    after = lot_result(rules, higher, {}, scale_max=scale_max, pass_mark=Decimal(60))
    assert after.total >= before.total
    if rule.weight / scale_max >= Decimal("0.01"):
        assert after.total > before.total  # a rise worth a hundredth of a point or more shows in the total


@FAST
@given(lots())
def test_each_question_earns_at_most_its_weight_and_sections_add_up(lot):
    rules, scores, scale_max = lot
    result = lot_result(rules, scores, {}, scale_max=scale_max, pass_mark=Decimal(60))
    by_id = {r.id: r for r in rules}
    for q in result.questions:
        assert Decimal(0) <= q.points <= by_id[q.question_id].weight
        assert q.points == question_points(q.score, scale_max, by_id[q.question_id].weight)
        assert q.meets_minimum == (q.score >= by_id[q.question_id].min_score)
    quality = sum((q.points for q in result.questions if by_id[q.question_id].section == "quality"), Decimal(0))
    assert result.quality_points == quality
    assert result.total == result.quality_points + result.social_value_points


@FAST
@given(lots(), st.decimals(min_value=0, max_value=100, places=2))
def test_pass_needs_standards_minimums_and_the_pass_mark(lot, pass_mark):
    rules, scores, scale_max = lot
    result = lot_result(rules, scores, {1: True}, scale_max=scale_max, pass_mark=pass_mark)
    expected = all(scores[r.id] >= r.min_score for r in rules) and result.total >= pass_mark
    assert result.passed is expected
    failed_standard = lot_result(rules, scores, {1: False}, scale_max=scale_max, pass_mark=pass_mark)
    assert failed_standard.passed is False


# ---- hostile input to every form

HOSTILE = [
    "<script>alert('x')</script>",
    "\"><img src=x onerror=alert(1)>",
    "x" * 100_000,
    "before\x00after",
    "\x01\x08\x1b[31m control \x7f",
    "Ünïcödé ✓ 𝔘𝔫𝔦 \u202eevil\u202c 👩🏽‍⚕️",
    "' OR 1=1; DROP TABLE users; --",
    "{{ 7*7 }} {% raw %}",
    "-1e309",
    "   ",
]
RAW_SCRIPT = b"<script>alert('x')</script>"
SKIP = {"auth.sign_out", "auth.keep_alive"}


def _field_names(html: str) -> set[str]:
    import re

    return {name for name in re.findall(r'name="([^"]+)"', html) if name != "csrf_token"}


@pytest.fixture()
def form_world(app, db, council, system, make_round, make_provider, frozen_clock, monkeypatch):
    """Every kind of user signed in, in a round under evaluation; errors become the 500 page as in production."""
    from tests.test_permission_matrix import _build_world, _clients

    w = _build_world("evaluation", council, system, make_round, make_provider, frozen_clock, db)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    return w, _clients(app, w)


@settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck))
@given(extra=st.text(min_size=0, max_size=300))
def test_hostile_input_to_every_form_never_breaks_and_is_escaped(form_world, extra):
    """Every form a user may post, every field filled with hostile text: no 500, never shown unescaped."""
    from tests.test_permission_matrix import MATRIX, ROLES, _send

    w, clients = form_world
    for endpoint, row in MATRIX.items():
        if endpoint in SKIP or not row.post:
            continue
        allowed = [role for role, want in zip(ROLES, row.post["evaluation"].split()) if want == "ok"]
        if not allowed:
            continue
        client = clients[allowed[0]]
        url = row.url(w)
        page = _send(client, "GET", url)
        names = _field_names(page.get_data(as_text=True)) if page.status_code == 200 else set()
        names |= set(row.data(w) if row.data else {})
        for value in HOSTILE + [extra]:
            response = _send(client, "POST", url, {name: value for name in names})
            assert response.status_code != 500, f"{allowed[0]} POST {url} with {value[:40]!r}: 500"
            assert RAW_SCRIPT not in response.get_data(), f"{url} shows the input unescaped"

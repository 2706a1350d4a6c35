"""Evaluation in a real browser: an officer scores an application, a service-user panel member scores the
panel's question, and the commissioner moderates and reads the round's results. Every distinct page is
checked with axe (no serious or critical violations); key pages are screenshotted to test-artifacts/e2e/.

It runs on a portal of its own (a round that closed yesterday, with one application assigned to an officer
and a panel member), so the other browser tests' demo portal is left as it is.
"""
import re
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest

from portal import clock, create_app

from conftest import serve  # tests/e2e/conftest.py (tests/e2e is not a package)

pytestmark = pytest.mark.e2e

PASSWORD = "care-dps-demo-password"
PROVIDER = "Wisbech Community Care Ltd"


def _round_in_evaluation() -> None:
    """Cambridgeshire's ISF system with a round that closed yesterday: one application, assigned to
    Tom Evans (officer) and Margaret Hill (panel member)."""
    from portal.auth.models import Role
    from portal.commissioning.services import schedule_round
    from portal.demo import build_isf_system, complete_application, create_staff, ensure_authority
    from portal.evaluation.services import assign_evaluators
    from portal.onboarding.models import CQCRating
    from portal.onboarding.services import register_provider, submit_application

    cambs = ensure_authority("Cambridgeshire County Council", "cambridgeshire")
    commissioner = create_staff(cambs, Role.commissioner, "commissioner@cambridgeshire.example", "Priya Shah")
    officer = create_staff(cambs, Role.evaluator, "evaluator1@cambridgeshire.example", "Tom Evans")
    panel = create_staff(cambs, Role.panel_member, "panel@cambridgeshire.example", "Margaret Hill")
    real = clock.now()
    try:
        clock.set_now(real - timedelta(days=40))
        system = build_isf_system(commissioner)
        round_ = schedule_round(system, commissioner, opens_at=real - timedelta(days=30),
                                closes_at=real - timedelta(days=1))
        clock.set_now(real - timedelta(days=20))
        provider = register_provider(
            legal_name=PROVIDER, companies_house_number="12345679", cqc_provider_id="1-101234568",
            cqc_rating=CQCRating.good, cqc_rating_date=None, address="12 Market Place\nWisbech", postcode="PE13 1AB",
            name="Alex Morgan", email="manager@wisbech-care.example", password=PASSWORD)
        application = complete_application(round_, provider, lots=[system.lots[0]])
        submit_application(application, provider, declaration_confirmed=True)
        clock.set_now(real - timedelta(hours=12))
        assign_evaluators(round_, commissioner, [officer, panel])
    finally:
        clock.set_now(None)


@pytest.fixture(scope="module")
def evaluation_portal():
    from flask_migrate import upgrade

    from portal.extensions import db

    tmp = tempfile.mkdtemp(prefix="portal-e2e-evaluation-")
    app = create_app("test", SQLALCHEMY_DATABASE_URI=f"sqlite:///{Path(tmp) / 'e2e.db'}",
                     WTF_CSRF_ENABLED=True, TESTING=False)
    with app.app_context():
        upgrade()
        _round_in_evaluation()
        db.session.commit()
        db.session.remove()
    with serve(app, tmp, "portal-e2e-evaluation") as url:
        yield url


class Checks:
    """axe once per distinct page; screenshots when asked."""

    def __init__(self, page, artifacts_dir):
        from axe_playwright_python.sync_playwright import Axe

        self.page, self.axe, self.artifacts = page, Axe(), artifacts_dir
        self.seen: list[str] = []
        self.violations: dict[str, list] = {}

    def check(self, name: str, screenshot: bool = False) -> None:
        self.page.wait_for_load_state("load")
        assert self.page.locator("h1").count() == 1, f"{name}: expected one h1 on {self.page.url}"
        if name not in self.seen:
            self.seen.append(name)
            found = self.axe.run(self.page).response["violations"]
            for v in found:
                print(f"axe {name}: {v.get('impact')} {v['id']}: {v['help']} at {[n['target'] for n in v['nodes']][:3]}")
            bad = [f"{v['impact']} {v['id']}: {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
                   for v in found if v.get("impact") in ("serious", "critical")]
            if bad:
                self.violations[name] = bad
        if screenshot:
            self.page.screenshot(path=str(self.artifacts / f"evaluation-{name}.png"), full_page=True)


def sign_in(page, email):
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Sign in").click()


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()


def declare_no_interest(page, checks):
    from playwright.sync_api import expect

    page.goto("/evaluation/")
    expect(page.locator("h1")).to_have_text("Your evaluations")
    checks.check(f"work-list-{len(checks.seen)}")
    page.get_by_role("link", name="Declare first").click()
    expect(page.locator("h1")).to_have_text("Declare any conflicts of interest")
    checks.check("conflicts", screenshot=True)
    page.get_by_role("group", name=f"Do you have any interest in {PROVIDER}?").get_by_label(
        "No, I have no interest").check()
    page.get_by_role("button", name="Confirm my declarations").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Your declarations are recorded")
    page.get_by_role("link", name=re.compile(f"^Start scoring {PROVIDER}")).click()


def test_officer_and_panel_member_score_and_the_commissioner_moderates(browser, artifacts_dir, evaluation_portal):
    from playwright.sync_api import expect

    context = browser.new_context(base_url=evaluation_portal, viewport={"width": 1280, "height": 900},
                                  locale="en-GB", timezone_id="Europe/London")
    context.set_default_timeout(10_000)
    page = context.new_page()
    checks = Checks(page, artifacts_dir)
    try:
        # 1. Tom Evans, a council officer, declares no interest and scores every answer
        sign_in(page, "evaluator1@cambridgeshire.example")
        declare_no_interest(page, checks)
        expect(page.locator("h1")).to_have_text(f"Score {PROVIDER}")
        checks.check("officer-scoring", screenshot=True)
        # submitting with nothing scored is refused and says what is missing
        page.get_by_role("button", name="Submit all my scores").click()
        expect(page.locator(".govuk-error-summary")).to_contain_text("Before submitting, score question 1.1")
        for label, score in (("1.1", "4: Good"), ("1.2", "3: Satisfactory"), ("1.3", "4: Good"),
                             ("1.4", "2: Weak")):
            page.get_by_role("group", name=f"Your score for question {label}").get_by_label(score).check()
            page.get_by_label(f"Your reason for the score of question {label}").fill(
                f"Question {label}: specific, with a worked example from their own service.")
        standard = page.get_by_role("group", name="Does the provider meet “Previous experience”?")
        standard.get_by_label("Pass").check()
        page.get_by_label("Your reason for “Previous experience”").fill("Five years of personalised support plans.")
        page.get_by_role("button", name="Submit all my scores").click()
        expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Your scores are submitted")
        checks.check("officer-submitted")
        sign_out(page)

        # 2. Margaret Hill, a service-user panel member, scores the panel's question in her own view
        sign_in(page, "panel@cambridgeshire.example")
        declare_no_interest(page, checks)
        expect(page.locator("h1")).to_have_text("Answer 1 of 1")
        checks.check("panel-answer", screenshot=True)
        page.get_by_role("group", name="How good is this answer?").get_by_label("Good").check()
        page.get_by_label("Why did you choose that?").fill("They let the person lead their own plan.")
        page.get_by_role("button", name="Save and continue").click()
        expect(page.locator("main")).to_contain_text("They let the person lead their own plan.")
        checks.check("panel-check", screenshot=True)
        page.get_by_role("button", name="Send my scores").click()
        expect(page.locator("h1")).to_have_text("Your scores")
        sign_out(page)

        # 3. Priya Shah, the commissioner, moderates and reads the results
        sign_in(page, "commissioner@cambridgeshire.example")
        page.goto("/commissioning/")
        page.get_by_role("link", name="Individual Service Funds pseudo-DPS").first.click()
        page.get_by_role("link", name="Round 1").click()
        expect(page.locator("h1")).to_have_text(re.compile(r"Round 1: in evaluation"))
        checks.check("round")
        page.get_by_role("link", name=re.compile(f"^Moderate {PROVIDER}")).click()
        expect(page.locator("h1")).to_have_text(f"Moderate {PROVIDER}")
        checks.check("moderation", screenshot=True)
        # the officer's and the panel member's scores are side by side
        first = page.locator("table").filter(has_text="Evaluators' scores for question 1.1")
        expect(first).to_contain_text("Tom Evans")
        expect(first).to_contain_text("Margaret Hill (panel)")
        # a save without a rationale is refused, and what was picked is kept
        page.get_by_role("group", name="Agreed score for question 1.1").get_by_label("4: Good").check()
        page.get_by_role("button", name="Save agreed scores").click()
        expect(page.locator(".govuk-error-summary")).to_contain_text(
            "Give the rationale for the agreed score of question 1.1.")
        checks.check("moderation-errors", screenshot=True)
        expect(page.get_by_role("group", name="Agreed score for question 1.1").get_by_label("4: Good")).to_be_checked()
        for label, score in (("1.1", "4: Good"), ("1.2", "3: Satisfactory"), ("1.3", "4: Good"),
                             ("1.4", "2: Weak")):
            page.get_by_role("group", name=f"Agreed score for question {label}").get_by_label(score).check()
            page.get_by_label(f"Rationale for the agreed score of question {label}").fill(
                f"Agreed at the moderation meeting for question {label}.")
        page.get_by_role("group", name=re.compile("Agreed result for “Previous experience”")).get_by_label(
            "Pass").check()
        page.get_by_label(re.compile("Rationale for “Previous experience”")).fill("Evidence accepted by both.")
        page.get_by_role("button", name="Save agreed scores").click()
        expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Agreed scores saved")
        # 4/5 x 35 = 28, 3/5 x 30 = 18, 4/5 x 30 = 24, 2/5 x 5 = 2: 72.00 of 100
        expect(page.locator("main")).to_contain_text("72.00 of 100")

        page.get_by_role("link", name="Round 1").first.click()
        page.get_by_role("link", name="See the results of this round").click()
        expect(page.locator("h1")).to_have_text("Results of Round 1")
        row = page.locator("tr").filter(has_text=PROVIDER)
        expect(row).to_contain_text("70.00")
        expect(row).to_contain_text("72.00")
        expect(row).to_contain_text("Passed")
        expect(row).to_contain_text("Not recorded")
        checks.check("results", screenshot=True)
    finally:
        context.close()

    assert not checks.violations, "axe found serious or critical accessibility problems:\n" + "\n".join(
        f"{name}: {problems}" for name, problems in checks.violations.items())

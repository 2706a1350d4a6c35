"""A commissioner in a real browser: pauses the demo's open round, resumes it, extends it, and suspends a
member; the public call-off list shows the change at once. Every distinct page is checked with axe (no
serious or critical violations) and key pages are screenshotted to test-artifacts/e2e/.

The round is left open (resumed) so the provider's browser journey, which shares the live portal, still works.
"""
import re
from datetime import timedelta

import pytest

pytestmark = pytest.mark.e2e

PAUSE_REASON = "A question in the pricing section is being corrected."
EXTEND_REASON = "Providers asked for more time after the pause."


class Checks:
    """axe once per distinct page; screenshots when asked."""

    def __init__(self, page, artifacts_dir):
        from axe_playwright_python.sync_playwright import Axe

        self.page, self.axe, self.artifacts = page, Axe(), artifacts_dir
        self.seen: set[str] = set()
        self.violations: dict[str, list] = {}

    def check(self, name: str, screenshot: bool = False) -> None:
        self.page.wait_for_load_state("load")
        assert self.page.locator("h1").count() == 1, f"{name}: expected one h1 on {self.page.url}"
        if name not in self.seen:
            self.seen.add(name)
            found = self.axe.run(self.page).response["violations"]
            bad = [f"{v['impact']} {v['id']}: {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
                   for v in found if v.get("impact") in ("serious", "critical")]
            if bad:
                self.violations[name] = bad
        if screenshot:
            self.page.screenshot(path=str(self.artifacts / f"commissioner-{name}.png"), full_page=True)


def test_commissioner_pauses_extends_and_suspends_and_the_public_sees_it(page, artifacts_dir, live_server):
    from playwright.sync_api import expect

    from portal import clock

    checks = Checks(page, artifacts_dir)

    page.goto("/sign-in")
    page.get_by_label("Email address").fill("commissioner@cambridgeshire.example")
    page.get_by_label("Password", exact=True).fill("care-dps-demo-password")
    page.locator("main").get_by_role("button", name="Sign in").click()

    # The system and its open round
    page.goto("/commissioning/")
    checks.check("dashboard")
    page.get_by_role("link", name="Individual Service Funds pseudo-DPS").first.click()
    checks.check("system")
    page.get_by_role("link", name="Round 2").click()
    expect(page.locator("h1")).to_have_text(re.compile(r"Round 2: open"))
    checks.check("round")

    # Pause: a reason is required, then the round says it is paused
    page.get_by_role("link", name="Pause the round").click()
    checks.check("pause")
    page.get_by_role("button", name="Pause the round").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the reason for pausing the round")
    checks.check("pause-error")
    page.get_by_label("Why are you pausing the round?").fill(PAUSE_REASON)
    page.get_by_role("button", name="Pause the round").click()
    expect(page.locator("h1")).to_contain_text("(paused)")
    expect(page.locator("main")).to_contain_text(PAUSE_REASON)
    checks.check("round-paused", screenshot=True)
    page.get_by_role("button", name="Resume the round").click()
    expect(page.locator("h1")).not_to_contain_text("(paused)")

    # Extend by a week
    new_close = clock.london(clock.now() + timedelta(days=35)).date()
    page.get_by_role("link", name="Extend the round").click()
    checks.check("extend")
    page.locator("#closes_on-day").fill(str(new_close.day))
    page.locator("#closes_on-month").fill(str(new_close.month))
    page.locator("#closes_on-year").fill(str(new_close.year))
    page.get_by_label("New closing time").fill("12:00")
    page.get_by_label("Why are you extending the round?").fill(EXTEND_REASON)
    page.get_by_role("button", name="Extend the round").click()
    expect(page.locator("main")).to_contain_text(f"{new_close.day} {new_close:%B %Y} at midday")
    checks.check("round-extended", screenshot=True)

    # Suspend the first member of the list
    page.goto("/commissioning/")
    page.get_by_role("link", name="Individual Service Funds pseudo-DPS").first.click()
    page.get_by_role("link", name=re.compile("Suspend, reinstate or remove members")).click()
    checks.check("members", screenshot=True)
    first = page.locator("tbody .govuk-table__row a.govuk-link").first
    provider = first.inner_text().strip()
    public_before = page.context.new_page()
    public_before.goto(f"{live_server}/call-off-lists/ccc-isf-pdps-2022")
    expect(public_before.locator("main table")).to_contain_text(provider)
    public_before.close()

    first.click()
    expect(page.locator("h1")).to_have_text(provider)
    checks.check("member")
    page.get_by_role("button", name="Suspend", exact=True).click()
    checks.check("suspend")
    # each group of inputs is named by its legend, for screen readers
    expect(page.get_by_role("group", name="Why are you suspending this provider?")).to_be_visible()
    expect(page.get_by_role("group", name="Last day of the suspension (optional)")).to_be_visible()
    page.get_by_label("Safeguarding enquiry").check()
    page.get_by_label("Details of the reason").fill("Section 42 enquiry opened by the safeguarding team.")
    page.get_by_role("button", name="Suspend the provider").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("is suspended")
    history = page.locator("table", has_text="Every change of status")
    expect(history).to_contain_text("Priya Shah")
    expect(history).to_contain_text("Safeguarding enquiry")
    checks.check("member-suspended", screenshot=True)

    # The audit log, filtered to memberships, shows the suspension
    page.get_by_role("link", name="Audit log").click()
    page.get_by_label("Kind of record").select_option("Membership")
    page.get_by_role("button", name="Filter").click()
    first_event = page.locator("main tbody tr").first
    expect(first_event).to_contain_text("membership.suspended")
    expect(first_event).to_contain_text("Section 42 enquiry")
    checks.check("audit-log", screenshot=True)
    expect(page.get_by_role("group", name="From (optional)")).to_be_visible()

    # The public list, signed out
    page.get_by_role("button", name="Sign out").click()
    page.goto("/call-off-lists/ccc-isf-pdps-2022")
    checks.check("public-list", screenshot=True)
    expect(page.locator("main")).not_to_contain_text(provider)
    page.get_by_label("Status").select_option("suspended")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("main table")).to_contain_text(provider)
    expect(page.locator("main table")).to_contain_text("Safeguarding enquiry")
    expect(page.locator("main")).not_to_contain_text("Section 42")  # the written reason stays with the council
    checks.check("public-list-suspended", screenshot=True)
    page.get_by_role("link", name="about this data").click()
    checks.check("about-this-data")

    assert not checks.violations, "axe found serious or critical accessibility problems:\n" + "\n".join(
        f"{name}: {v}" for name, found in checks.violations.items() for v in found)

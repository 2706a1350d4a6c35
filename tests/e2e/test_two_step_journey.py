"""An evaluator sets up two-step verification in a real browser, signs out, and signs in again with a code from
the authenticator app; then turns it off with a recovery code. A commissioner looks at the council's sign-in
settings. The new pages are checked with axe (no serious or critical violations) and screenshotted to
test-artifacts/e2e/, with the existing signed-out, change-password and password reset pages.
"""
import re
import time

import pyotp
import pytest

from tests.e2e.test_commissioner_journey import Checks

pytestmark = pytest.mark.e2e

EMAIL = "evaluator2@cambridgeshire.example"
PASSWORD = "care-dps-demo-password"


def _sign_in(page, email):
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Sign in").click()


def _shot(checks, name):
    checks.check(name)
    checks.page.screenshot(path=str(checks.artifacts / f"two-step-{name}.png"), full_page=True)


def test_set_up_two_step_sign_out_and_sign_in_with_a_code(page, artifacts_dir, live_app):
    from playwright.sync_api import expect

    checks = Checks(page, artifacts_dir)
    _sign_in(page, EMAIL)
    page.get_by_role("link", name="Two-step verification").click()
    expect(page.locator("h1")).to_have_text("Two-step verification")
    _shot(checks, "account")
    page.get_by_role("button", name="Set up two-step verification").click()
    expect(page.locator("h1")).to_have_text("Set up two-step verification")
    qr = page.get_by_role("img", name=re.compile("QR code to add your"))
    expect(qr).to_be_visible()
    assert qr.evaluate("img => img.naturalWidth") > 100  # the SVG loaded under the Content-Security-Policy
    _shot(checks, "set-up")
    key = page.locator(".portal-secret-key").inner_text().replace(" ", "")
    totp = pyotp.TOTP(key)

    page.get_by_label("Code from your authenticator app").fill("12")
    page.get_by_role("button", name="Turn on two-step verification").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the 6-digit code")
    _shot(checks, "set-up-error")
    page.get_by_label("Code from your authenticator app").fill(totp.now())
    page.get_by_role("button", name="Turn on two-step verification").click()
    expect(page.locator("h1")).to_have_text("Your recovery codes")
    codes = page.locator(".portal-recovery-codes .portal-code").all_inner_texts()
    assert len(codes) == 10
    _shot(checks, "recovery-codes")
    page.get_by_role("button", name="I have saved my recovery codes").click()
    expect(page.locator("main")).to_contain_text("10 of 10")

    page.locator("header").get_by_role("button", name="Sign out").click()
    _sign_in(page, EMAIL)
    expect(page.locator("h1")).to_have_text("Enter your code")
    _shot(checks, "code")
    page.get_by_label("Code from your authenticator app").fill(totp.at(time.time() + 30))  # not the set-up code
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("h1")).to_have_text(re.compile("evaluations", re.I))

    # turn it off again with a recovery code, so the demo account signs in with its password alone
    page.goto("/account/two-step/turn-off")
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_label("Code from your authenticator app").fill(codes[0])
    _shot(checks, "turn-off")
    page.get_by_role("button", name="Turn off two-step verification").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Two-step verification is off")

    # existing account pages, looked at in the same light
    page.goto("/account/password")
    _shot(checks, "change-password")
    page.locator("header").get_by_role("button", name="Sign out").click()
    page.goto("/signed-out")
    _shot(checks, "signed-out")
    page.goto("/forgot-password")
    _shot(checks, "forgot-password")
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_role("button", name="Send me a link").click()
    _shot(checks, "reset-sent")
    from portal.auth.account_routes import reset_token_for
    from portal.auth.models import User
    from portal.extensions import db
    with live_app.test_request_context():
        token = reset_token_for(db.session.query(User).filter_by(email=EMAIL).one())
        db.session.remove()
    page.goto(f"/reset-password/{token}")
    expect(page.locator("h1")).to_have_text("Choose a new password")
    _shot(checks, "reset-password")
    page.goto("/reset-password/not-a-real-link")
    _shot(checks, "reset-refused")

    # a commissioner's council settings
    _sign_in(page, "commissioner@cambridgeshire.example")
    page.get_by_role("link", name="Sign-in settings").click()
    expect(page.locator("h1")).to_have_text("Sign-in settings")
    expect(page.get_by_label("Require two-step verification for council staff")).not_to_be_checked()
    _shot(checks, "council-settings")
    page.locator("header").get_by_role("button", name="Sign out").click()

    assert not checks.violations, checks.violations

"""Security headers on every response, errors and downloads included; CSRF on every state-changing request."""
import pytest

from portal import create_app
from tests.conftest import send

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def _check_headers(response, what):
    for name, value in HEADERS.items():
        assert response.headers.get(name) == value, f"{what}: {name} is {response.headers.get(name)!r}"
    csp = response.headers.get("Content-Security-Policy", "")
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp, f"{what}: CSP {csp!r}"
    assert "unsafe-inline" not in csp, what




def test_headers_on_pages_errors_and_downloads(client, login, council, system):
    cases = [("GET", "/"), ("GET", "/sign-in"), ("GET", "/no-such-page"), ("POST", "/call-off-lists/"),
             ("GET", "/static/portal.css"), ("GET", "/assets/images/favicon.ico"),
             ("GET", f"/call-off-lists/{system.slug}.csv"), ("GET", "/commissioning/")]
    for method, url in cases:
        _check_headers(send(client, method, url), f"anonymous {method} {url}")
    login(council.commissioner)
    for method, url in cases + [("GET", "/evaluation/"), ("GET", "/audit/export.csv")]:
        _check_headers(send(client, method, url), f"commissioner {method} {url}")


def test_headers_on_a_server_error(app, client, db, monkeypatch):
    from portal.publication import services

    def broken(*args, **kwargs):
        raise RuntimeError("the database fell over")

    monkeypatch.setattr(services, "published_systems", broken)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    response = send(client, "GET", "/call-off-lists/")
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in response.get_data(as_text=True)
    _check_headers(response, "500 page")


def test_posts_without_a_csrf_token_are_refused_and_change_nothing(app, client, login, council, system, make_round,
                                                                   monkeypatch):
    from tests.test_permission_matrix import _diff, _snapshot

    round_ = make_round()
    login(council.commissioner)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)  # on, as in production
    samples = [
        (f"/commissioning/systems/{system.id}/lots/new", {"title": "Forged lot", "description": "x"}),
        (f"/commissioning/rounds/{round_.id}/close-early", {"reason": "Forged by another site"}),
        (f"/commissioning/rounds/{round_.id}/open", {}),
        ("/account/password", {"current_password": "care-dps-demo-password", "password": "forged kettle moor lamp",
                               "confirm_password": "forged kettle moor lamp"}),
        ("/sign-out", {}),
        ("/sign-in", {"email": council.evaluator1.email, "password": "care-dps-demo-password"}),
        ("/forgot-password", {"email": council.evaluator1.email}),
    ]
    for url, data in samples:
        before = _snapshot()
        response = send(client, "POST", url, data=data)
        assert response.status_code == 400, f"POST {url} without a CSRF token: {response.status_code}"
        assert "Sorry, there is a problem with your request" in response.get_data(as_text=True)
        assert not _diff(before, _snapshot()), f"POST {url} without a CSRF token changed something"
    # with the token from the form, the same request goes through
    page = send(client, "GET", f"/commissioning/rounds/{round_.id}/close-early").get_data(as_text=True)
    import re

    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or \
        re.search(r'name="csrf_token" value="([^"]+)"', page)
    response = send(client, "POST", f"/commissioning/rounds/{round_.id}/close-early",
                     data={"csrf_token": token.group(1), "reason": "Every provider has submitted"})
    assert response.status_code == 302

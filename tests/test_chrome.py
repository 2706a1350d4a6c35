"""The page chrome written in Python (portal/chrome.py) gives the same page, byte for byte, as the Jinja layout
it replaced (tests/data/layout_in_jinja.html, on govuk-frontend-jinja's page template), for every kind of person
and section, with errors, messages, a back link, larger text and names that need escaping."""
from pathlib import Path

import pytest
from flask import flash, g
from flask_login import login_user

from portal.auth.models import Role
from portal.demo import create_staff, ensure_authority
from portal.extensions import db as _db

JINJA_LAYOUT = (Path(__file__).parent / "data" / "layout_in_jinja.html").read_text()
PAGE = """{% extends layout %}
{% block back %}{% if back %}{{ govukBackLink({"href": "/", "text": "Back"}) }}{% endif %}{% endblock %}
{% block main_content %}<h1 class="govuk-heading-l">{{ title }}</h1>{% if form %}{{ form.name }}{% endif %}{% endblock %}"""


class FormWithErrors:
    errors = {"name": ["Enter a name"]}
    form_errors = []
    name = "<input name=name>"

    def __iter__(self):
        return iter([])


def render_both(app, path, *, user=None, title="Your applications", form=None, back=False, messages=(),
                script_root=""):
    """The page drawn with the Jinja layout and with the portal's layout, in the same request."""
    pages = []
    for layout in (app.jinja_env.from_string(JINJA_LAYOUT), app.jinja_env.get_template("layout.html")):
        with app.test_request_context(path, base_url=f"http://localhost{script_root}"):
            g.csp_nonce = "nonce-123"
            if user is not None:
                from portal.auth.routes import load_user
                from portal.auth.sessions import session_id_for

                login_user(load_user(session_id_for(user)))
            for category, message in messages:
                flash(message, category)
            pages.append(app.jinja_env.from_string(PAGE).render(
                layout=layout, title=title, form=form, back=back, **_context(app)))
    return pages


def _context(app) -> dict:
    """What Flask's render_template adds to a template's context."""
    context = {}
    app.update_template_context(context)
    return context


@pytest.fixture()
def people(db, council, make_provider):
    provider = make_provider(name="Smith & Sons <Care> Ltd")
    council.panel.larger_text = True
    odd = create_staff(ensure_authority("Bath & North East Somerset <Council>", "banes"), Role.evaluator,
                       "o@banes.example", 'Ann "Quote" O\'Neil')
    _db.session.commit()
    return {"provider": provider, "commissioner": council.commissioner, "evaluator": council.evaluator1,
            "panel": council.panel, "odd": odd}


@pytest.mark.parametrize("who,path", [
    (None, "/"),
    (None, "/call-off-lists/"),
    (None, "/no-such-page"),
    ("provider", "/provider/"),
    ("provider", "/provider/organisation"),
    ("provider", "/call-off-lists/"),
    ("commissioner", "/commissioning/"),
    ("commissioner", "/audit/"),
    ("commissioner", "/council/sign-in"),
    ("commissioner", "/no-such-page"),
    ("evaluator", "/evaluation/"),
    ("panel", "/evaluation/"),
    ("odd", "/account/password"),
])
def test_the_same_page_for_each_person_and_section(app, people, who, path):
    jinja, python = render_both(app, path, user=people[who] if who else None)
    assert python == jinja
    assert "Skip to main content" in python and '<script nonce="nonce-123">' in python


def test_the_same_page_with_errors_messages_a_back_link_and_escaping(app, people):
    jinja, python = render_both(app, "/provider/", user=people["provider"], title="Fish & <chips>",
                                form=FormWithErrors(), back=True,
                                messages=[("success", "Saved"), ("error", "Refused"), ("info", "Note")])
    assert python == jinja
    assert "<title>Error: Fish &amp; &lt;chips&gt; &ndash; Care DPS portal</title>" in python
    assert "Smith &amp; Sons &lt;Care&gt; Ltd" in python and 'class="govuk-back-link"' in python
    jinja, python = render_both(app, "/evaluation/", user=people["odd"])
    assert python == jinja
    assert "Bath &amp; North East Somerset &lt;Council&gt;</a>" in python
    assert "Ann &#34;Quote&#34; O&#39;Neil (Evaluator (council officer))" in python


def test_the_same_page_under_a_path_prefix(app, people):
    jinja, python = render_both(app, "/provider/", user=people["provider"], script_root="/portal")
    assert python == jinja
    assert 'href="/portal/provider/organisation"' in python
    assert '<a class="govuk-service-navigation__link" href="/portal/provider/" aria-current="true">' in python


def test_larger_text_for_a_panel_member(app, people):
    jinja, python = render_both(app, "/evaluation/", user=people["panel"])
    assert python == jinja and 'class="govuk-template portal-larger-text"' in python


def test_the_layout_writes_no_character_outside_ascii(app, people):
    """A page is encoded to UTF-8 on every request: a page of ASCII characters only is copied as it is, while one
    character outside ASCII (the title's dash, written as a character) makes the whole page cost 20-70 µs more."""
    for who in (None, "commissioner", "provider"):
        _, python = render_both(app, "/", user=people[who] if who else None, title="Your applications")
        assert python.isascii(), who
        assert "<title>Your applications &ndash; Care DPS portal</title>" in python

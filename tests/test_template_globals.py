"""The portal's Jinja globals mapping (portal/templating.py _TemplateGlobals) answers exactly as a ChainMap does,
and the GOV.UK macros pages call without importing them are there."""
from collections import ChainMap

from portal.templating import PAGE_MACROS, _TemplateGlobals


def test_it_answers_as_a_chain_map():
    page, environment = {"title": "Page", "shared": "page"}, {"shared": "environment", "url_for": len}
    ours, theirs = _TemplateGlobals(page, environment), ChainMap(page, environment)
    assert dict(ours) == dict(theirs) and list(ours) == list(theirs)
    assert set(ours.keys()) == set(theirs.keys()) == {"title", "shared", "url_for"}
    assert ours["shared"] == "page" and "url_for" in ours and "missing" not in ours
    # what Jinja computes at every import: the page's globals the imported template lacks
    assert {"title", "extra"} - ours.keys() == {"extra"}
    environment["added_later"] = 1  # a global added after the template was loaded is seen
    assert "added_later" in ours.keys()


def test_pages_can_call_the_gov_uk_macros_without_importing_them(app):
    with app.test_request_context("/"):
        page = app.jinja_env.from_string(
            '{{ govukButton({"text": "Save"}) }}{{ govukTag({"text": "Draft"}) }}'
            '{{ govukInsetText({"text": "Note"}) }}').render()
    assert ">\n  Save\n</button>" in page and 'class="govuk-tag">\n  Draft\n</strong>' in page
    assert 'class="govuk-inset-text"' in page
    assert all(name in app.jinja_env.globals for name in PAGE_MACROS)

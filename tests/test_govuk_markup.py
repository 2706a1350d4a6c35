"""The GOV.UK components written in Python (portal/govuk_markup.py) give their macros' markup."""
import re

import pytest
from markupsafe import Markup

from portal.govuk_markup import govuk_button, govuk_details, govuk_radios, govuk_table, govuk_textarea

MACROS = {
    govuk_table: ("table", "govukTable"),
    govuk_radios: ("radios", "govukRadios"),
    govuk_textarea: ("textarea", "govukTextarea"),
    govuk_details: ("details", "govukDetails"),
    govuk_button: ("button", "govukButton"),
}


def normalised(html: str) -> str:
    """Markup without the whitespace between tags and around text, which browsers and screen readers ignore."""
    return re.sub(r"\s+", " ", re.sub(r"\s+<", "<", re.sub(r">\s+", ">", str(html)))).strip()


def macro(app, function, params) -> str:
    folder, name = MACROS[function]
    with app.test_request_context():
        return app.jinja_env.from_string(
            f'{{% from "govuk_frontend_jinja/components/{folder}/macro.html" import {name} %}}{{{{ {name}(params) }}}}'
        ).render(params=params)


TABLES = [
    {"rows": [[{"text": "A"}, {"text": "B"}]]},
    {
        "caption": "Providers & rates", "captionClasses": "govuk-table__caption--m",
        "classes": "govuk-table--small-text-until-tablet", "attributes": {"data-module": "x", "id": "t1"},
        "firstCellIsHeader": True,
        "head": [{"text": "Name <b>"}, {"text": "Rate", "format": "numeric", "classes": "portal-nowrap"},
                 {"html": "<abbr title=\"Care Quality Commission\">CQC</abbr>", "colspan": 2}],
        "rows": [
            [{"text": "Hales <Group>"}, {"text": "£16.20", "format": "numeric"},
             {"html": Markup("<ul class=\"govuk-list\"><li>Fenland</li></ul>"), "rowspan": 2},
             {"text": "Good", "classes": "portal-nowrap", "attributes": {"data-sort-value": "3"}}],
            [],
            [{"text": "DIAL", "classes": "x"}, {"text": 18}, {"html": "", "text": "fallback"}],
        ],
    },
]

SCALE = [{"text": f"{n}: words <{n}>", "value": str(n)} for n in range(6)]
RADIOS = [
    # as govuk-frontend-wtf maps a RadioField: an empty hint when the field has no description
    {"name": "score_7", "items": SCALE, "hint": {"text": ""},
     "fieldset": {"legend": {"text": "Question 1.2: How do you “recruit”?", "classes": "govuk-fieldset__legend--s"}}},
    {"name": "standard_3", "idPrefix": "std-3", "classes": "govuk-radios--inline",
     "items": [{"text": "Pass", "value": "pass", "checked": True}, {"text": "Fail", "value": "fail"}],
     "hint": {"text": "Pick one", "classes": "extra"}, "errorMessage": {"text": "Say whether it meets <it>"},
     "fieldset": {"legend": {"html": "<strong>Agreed</strong> result"}, "describedBy": "clock"},
     "formGroup": {"classes": "portal-group"}, "attributes": {"data-x": "1"}},
    {"name": "interest", "value": "yes",
     "items": [{"text": "Yes", "value": "yes", "hint": {"text": "You know them"}},
               {"html": "<b>No</b>", "value": "no", "id": "no-interest", "disabled": True,
                "attributes": {"data-y": "2"}}],
     "errorMessage": {"text": "Choose", "visuallyHiddenText": ""}},
    {"name": "bare", "items": [{"text": "Only", "value": "only", "checked": False}], "value": "only"},
]

TEXTAREAS = [
    {"id": "justification_7", "name": "justification_7", "label": {"text": "Why this score?"}, "attributes": {},
     "hint": {"text": "Required: say why. At least 10 characters."}, "value": "", "rows": 4},
    {"id": "reason_3", "name": "reason_3", "label": {"text": "Your reason for “X”", "classes": "govuk-label--s"},
     "attributes": {"required": "required", "maxlength": 5000}, "hint": None, "value": "Line 1\nLine <2> & 3",
     "errorMessage": {"text": "Enter a reason"}, "rows": 3, "classes": "portal-wide", "spellcheck": False,
     "describedBy": "clock", "formGroup": {"classes": "g"}, "autocomplete": "off"},
    {"name": "note", "label": {"html": "<span>Note</span>"}, "value": "  kept  ", "disabled": True},
]

DETAILS = [
    {"summaryText": "Guidance the provider was given", "html": Markup('<p class="govuk-body">Say <b>how</b></p>')},
    {"summaryText": "Why <this>?", "text": "Because & so", "classes": "portal-x"},
    {"summaryText": "Empty"},
]


@pytest.mark.parametrize("params", TABLES)
def test_table_gives_the_macros_markup(app, params):
    assert normalised(govuk_table(params)) == normalised(macro(app, govuk_table, params))
    assert "&lt;Group&gt;" in str(govuk_table(TABLES[1]))


@pytest.mark.parametrize("params", RADIOS)
def test_radios_give_the_macros_markup(app, params):
    assert normalised(govuk_radios(params)) == normalised(macro(app, govuk_radios, params))


@pytest.mark.parametrize("params", TEXTAREAS)
def test_text_area_gives_the_macros_markup_and_keeps_the_typed_text_exactly(app, params):
    assert normalised(govuk_textarea(params)) == normalised(macro(app, govuk_textarea, params))
    typed = re.search(r"<textarea[^>]*>(.*?)</textarea>", str(govuk_textarea(params)), re.S).group(1)
    assert typed == re.search(r"<textarea[^>]*>(.*?)</textarea>", macro(app, govuk_textarea, params), re.S).group(1)


@pytest.mark.parametrize("params", DETAILS)
def test_details_give_the_macros_markup_exactly(app, params):
    # exactly, whitespace too: the scoring page's HTML is byte for byte what the macro gave
    assert str(govuk_details(params)) == macro(app, govuk_details, params).lstrip("\n")
    assert "Why &lt;this&gt;?" in str(govuk_details(DETAILS[1])) and "Because &amp; so" in str(govuk_details(DETAILS[1]))


def test_parameters_only_the_macro_knows_are_left_to_the_macro():
    with pytest.raises(ValueError):
        govuk_details({"summaryText": "Open", "open": True, "html": "x"})
    assert govuk_radios({"name": "x", "items": [{"text": "A", "value": "a", "conditional": {"html": "<p>More</p>"}}]}) is None
    assert govuk_radios({"name": "x", "items": [{"divider": "or"}]}) is None
    assert govuk_radios({"name": "x", "items": SCALE, "fieldset": {"legend": {"text": "Q", "isPageHeading": True}}}) is None
    assert govuk_textarea({"name": "x", "label": {"text": "L", "isPageHeading": True}}) is None


def test_templates_call_the_python_table(app):
    with app.test_request_context():
        html = app.jinja_env.from_string("{{ govukTable(params) }}").render(params=TABLES[0])
    assert normalised(html) == normalised(govuk_table(TABLES[0]))


def test_a_radios_field_gives_the_same_markup_as_govuk_frontend_wtf_making_a_field_per_option(app):
    """GovRadioInput reads the options from the field's choices; govuk-frontend-wtf's own widget makes a
    WTForms field for each option. Same labels, values, checked option, legend, hint and error."""
    from govuk_frontend_wtf.gov_form_base import GovIterableBase
    from wtforms import RadioField
    from wtforms.validators import Optional

    from portal.forms import BaseForm
    from portal.govuk_markup import GovRadioInput

    class Form(BaseForm):
        score = RadioField("Your score for question 1.2", widget=GovRadioInput(), validators=[Optional()],
                           validate_choice=False, choices=[(str(n), f"{n}: words <{n}>") for n in range(6)])
        who = RadioField("Who takes over?", widget=GovRadioInput(), coerce=int, choices=[(7, "Tom"), (9, "Grace")],
                         description="They get the saved scores")
        result = RadioField("Agreed result for “Experience”", widget=GovRadioInput(),
                            choices=[("pass", "Pass"), ("fail", None)])

    def fields():
        form = Form(data={"score": "3", "who": 9})
        form.result.errors = ["Choose pass or fail"]
        return form

    calls = [{}, {"params": {"fieldset": {"legend": {"classes": "govuk-fieldset__legend--s"}}}},
             {"params": {"classes": "govuk-radios--inline", "hint": {"text": "One of them"}}}]
    with app.test_request_context():
        for name in ("score", "who", "result"):
            for kwargs in calls:
                fast = getattr(fields(), name)
                slow = getattr(fields(), name)
                ours = fast.widget(fast, **{k: dict(v) for k, v in kwargs.items()})
                theirs = GovIterableBase.__call__(slow.widget, slow, **{k: dict(v) for k, v in kwargs.items()})
                assert str(ours) == str(theirs)
        html = str(fields().score())
        assert 'value="3" checked' in html and html.count("checked") == 1 and "3: words &lt;3&gt;" in html
        assert "Choose pass or fail" in str(fields().result()) and 'value="9" checked' in str(fields().who())


# ---- pagination (the portal's pagination macro, publication/_pagination.html, passes these)

PAGINATIONS = [
    {"landmarkLabel": "Pages of the call-off list", "previous": None, "next": {"href": "/l?page=2&lot=3"},
     "items": [{"number": 1, "href": "/l?page=1&lot=3", "current": True}, {"number": 2, "href": "/l?page=2&lot=3"},
               {"ellipsis": True}, {"number": 9, "href": "/l?page=9&lot=3"}]},
    {"landmarkLabel": "Pages <of> the log", "previous": {"href": "/a?page=4"}, "next": {"href": "/a?page=6"},
     "items": [{"number": 1, "href": "/a?page=1"}, {"ellipsis": True}, {"number": 4, "href": "/a?page=4"},
               {"number": 5, "href": "/a?page=5", "current": True}, {"number": 6, "href": "/a?page=6"},
               {"ellipsis": True}, {"number": 2768, "href": "/a?page=2768"}]},
    {"previous": {"href": "/a?page=2"}, "next": None,
     "items": [{"number": 1, "href": "/a?page=1"}, {"number": 2, "href": "/a?page=2"},
               {"number": 3, "href": "/a?page=3", "current": True}]},
    # not the portal's: written by the macro itself
    {"previous": {"href": "/p", "text": "Earlier"}, "next": {"href": "/n", "labelText": "Later"}},
    {"classes": "extra", "items": [{"number": 1, "href": "/1", "visuallyHiddenText": "First"}]},
]


@pytest.mark.parametrize("params", PAGINATIONS)
def test_pagination_gives_the_macros_markup(app, params):
    from portal.govuk_markup import govuk_pagination

    with app.test_request_context():
        written = govuk_pagination(params)
        expected = app.jinja_env.from_string(
            '{% from "govuk_frontend_jinja/components/pagination/macro.html" import govukPagination %}'
            '{{ govukPagination(params) }}').render(params=params)
    assert normalised(written) == normalised(expected)


def test_radios_and_text_areas_written_from_their_fields_match_the_widgets_exactly(app):
    """radios_field and textarea_field (the scoring and moderation pages' 40 fields) write what the fields'
    own widgets write for the same params: saved values, typed values after a POST, errors, descriptions."""
    from werkzeug.datastructures import MultiDict
    from wtforms import RadioField, TextAreaField
    from wtforms.validators import Optional

    from portal.forms import BaseForm
    from portal.govuk_markup import GovRadioInput, GovTextArea, radios_field, textarea_field

    class Form(BaseForm):
        score = RadioField("Your score for question <1.2>", widget=GovRadioInput(), validators=[Optional()],
                           validate_choice=False, choices=[(str(n), f"{n}: words <{n}>") for n in range(6)])
        who = RadioField("Who takes over?", widget=GovRadioInput(), coerce=int, choices=[(7, "Tom"), (9, "Grace")],
                         description="They get the saved scores")
        result = RadioField("Agreed result for “Experience”", widget=GovRadioInput(),
                            choices=[("pass", "Pass"), ("fail", None)])
        reason = TextAreaField("Your reason for “X”", widget=GovTextArea())
        noted = TextAreaField("Notes", widget=GovTextArea(), description="Optional")

    def forms():
        yield Form()
        yield Form(data={"score": "3", "who": 9, "result": "fail", "reason": "Saved <reason>\nline 2"})
        posted = Form(formdata=MultiDict({"score": "5", "who": "7", "reason": "  typed & kept  ", "noted": "x"}))
        posted.validate()
        posted.add_error("Choose a score from 0 to 5", "score")
        posted.add_error("Say why <at least 10 characters>", "reason")
        posted.add_error("Choose pass or fail", "result")
        yield posted
        yield Form(formdata=MultiDict({"score": "9", "result": "pass"}))

    radios = [(None, None), ("govuk-radios--inline", "govuk-fieldset__legend--s"), ("govuk-radios--small", None)]
    texts = [(None, None), (2, None), (4, "Required: say why. At least 10 characters.")]
    with app.test_request_context():
        for form in forms():
            for name in ("score", "who", "result"):
                for classes, legend_classes in radios:
                    params = {"fieldset": {"legend": {"classes": legend_classes}}} if legend_classes else {}
                    if classes:
                        params["classes"] = classes
                    assert str(radios_field(form[name], classes, legend_classes)) == str(form[name](params=params))
            for name in ("reason", "noted"):
                for rows, hint in texts:
                    params = {"rows": rows} if rows else {}
                    if hint:
                        params["hint"] = {"text": hint}
                    assert str(textarea_field(form[name], rows, hint)) == str(form[name](params=params))
        posted = list(forms())[2]
        html = str(radios_field(posted.score)) + str(textarea_field(posted.reason, 3))
        assert 'value="5" checked' in html and "Choose a score from 0 to 5" in html
        assert "  typed &amp; kept  </textarea>" in html and "Say why &lt;at least 10 characters&gt;" in html


BUTTONS = [
    {"text": "Save and continue"},
    {"id": "save", "name": "save", "label": {"text": "Save my scores"}, "attributes": {}, "hint": None, "value": "y",
     "type": "submit", "text": "Save my scores", "element": "button", "classes": "govuk-button--secondary"},
    {"name": "go", "value": "a <b> & \"c\"", "text": "Accept <all> & go", "type": "button", "classes": "x y"},
]


@pytest.mark.parametrize("params", BUTTONS)
def test_button_gives_the_macros_markup_exactly(app, params):
    assert str(govuk_button(params)) == macro(app, govuk_button, params)


def test_buttons_the_macro_writes_are_left_to_it(app):
    for params in ({"text": "Start now", "href": "/start", "isStartButton": True}, {"html": "<b>Go</b>"},
                   {"text": "Wait", "disabled": True}, {"text": "Go", "attributes": {"data-x": "1"}},
                   {"text": "Go", "preventDoubleClick": True}):
        assert govuk_button(params) is None


def test_a_submit_field_gives_govuk_frontend_wtfs_markup_exactly(app):
    from govuk_frontend_wtf.gov_form_base import GovFormBase

    from portal.forms import BaseForm, SubmitButton

    class Form(BaseForm):
        save = SubmitButton("Save my scores")
        submit_all = SubmitButton("Submit “all” <my> scores")

    with app.test_request_context():
        form = Form()
        for field in (form.save, form.submit_all):
            for kwargs in ({}, {"params": {"classes": "govuk-button--secondary"}},
                           {"params": {"isStartButton": True}}, {"params": {"attributes": {"data-x": "1"}}}):
                theirs = GovFormBase.render(field.widget, field.widget.map_gov_params(
                    field, **{"id": field.id, "type": "submit", "value": field._value(), **kwargs}))
                assert str(field(**kwargs)) == str(theirs)
        assert 'id="save">\n  Save my scores\n</button>' in str(form.save())

"""Filters and globals every template can use, and the portal's Jinja environment."""
from collections import ChainMap
from decimal import Decimal

from flask import Flask
from flask.templating import Environment
from markupsafe import Markup, escape

from . import clock
from .govuk_markup import govuk_details, govuk_pagination, govuk_table, radios_field, textarea_field


class _TemplateGlobals(ChainMap):
    """A template's globals over the environment's (as Jinja's own ChainMap), with a quicker `in`.

    Jinja checks, at every {% from ... import %} (the layout has fifteen, and each GOV.UK macro call makes
    more), which of the page's globals the imported template lacks: hundreds of `in` tests a page, which
    ChainMap answers through a generator. The lookups and the mapping stay exactly the same.
    """

    def __contains__(self, key) -> bool:
        for mapping in self.maps:
            if key in mapping:
                return True
        return False

    def keys(self):
        """Every name, as a dict's keys: Jinja's check at an import (`page globals - imported.globals.keys()`)
        is then one set difference in C rather than an `in` test per global in Python."""
        merged = {}
        for mapping in reversed(self.maps):
            merged.update(mapping)
        return merged.keys()


class PortalEnvironment(Environment):
    """Flask's Jinja environment, with templates' globals in a _TemplateGlobals."""

    def make_globals(self, d):
        return _TemplateGlobals(d or {}, self.globals)


def money(value) -> str:
    if value is None:
        return ""
    return f"£{Decimal(value):,.2f}"


def points(value) -> str:
    if value is None:
        return "–"
    return f"{Decimal(value):.2f}"


def number(value) -> str:
    """A decimal without trailing zeros: 30, 2.5."""
    if value is None:
        return ""
    return f"{Decimal(value).normalize():f}"


def multiline(text: str | None) -> Markup:
    """Plain text with its line breaks kept, escaped."""
    if not text:
        return Markup("")
    paragraphs = [p for p in str(text).replace("\r\n", "\n").split("\n\n") if p.strip()]
    # each line is escaped before it is joined with <br> and wrapped in a paragraph
    return Markup("".join(  # nosec B704
        f'<p class="govuk-body">{Markup("<br>").join(escape(line) for line in p.split(chr(10)))}</p>'
        for p in paragraphs
    ))


def pass_fail(value) -> str:
    """Words, not colour: Pass, Fail, or Not yet known."""
    if value is None:
        return "Not yet known"
    return "Pass" if value else "Fail"


#: GOV.UK Frontend macros every page may call without importing them: globals, loaded once with the app. (layout.html
#: used to import them on every page it drew, which cost about as much as drawing the rest of its chrome.)
PAGE_MACROS = {
    "govukErrorSummary": "error-summary",
    "govukNotificationBanner": "notification-banner",
    "govukBackLink": "back-link",
    "govukButton": "button",
    "govukTag": "tag",
    "govukSummaryList": "summary-list",
    "govukInsetText": "inset-text",
    "govukWarningText": "warning-text",
    "govukPanel": "panel",
    "govukDetails": "details",
}


def register_template_helpers(app: Flask) -> None:
    app.add_template_filter(clock.format_datetime, "datetime")
    app.add_template_filter(clock.format_date, "date")
    app.add_template_filter(money, "money")
    app.add_template_filter(points, "points")
    app.add_template_filter(number, "number")
    app.add_template_filter(multiline, "multiline")
    app.add_template_filter(pass_fail, "pass_fail")
    from .onboarding.uploads import megabytes
    app.add_template_filter(megabytes, "megabytes")

    app.add_template_global(error_list, "error_list")
    app.add_template_global(govuk_table, "govukTable")
    app.add_template_global(govuk_details, "govuk_details")
    app.add_template_global(govuk_pagination, "govukPagination")
    app.add_template_global(radios_field, "radios_field")
    app.add_template_global(textarea_field, "textarea_field")
    from .auth.sessions import signed_in
    app.add_template_global(signed_in, "signed_in")
    from .chrome import page_bottom, page_top
    app.add_template_global(page_top, "page_top")
    app.add_template_global(page_bottom, "page_bottom")
    for name, component in PAGE_MACROS.items():
        module = app.jinja_env.get_template(f"govuk_frontend_jinja/components/{component}/macro.html").module
        app.add_template_global(getattr(module, name), name)

    @app.context_processor
    def inject():
        return {"service_name": app.config["SERVICE_NAME"], "now": clock.now}


def error_list(form) -> list[dict]:
    """The GOV.UK error summary's items: each field's first error linked to its input."""
    items = [{"text": message, "href": "#main-content"} for message in getattr(form, "form_errors", [])]
    for field in form:
        if field.errors and field.type != "CSRFTokenField":
            target = field.id + ("-day" if field.type == "DateField" else "")
            if field.type in ("RadioField", "MultiCheckboxField", "SelectMultipleField"):
                target = field.id
            items.append({"text": field.errors[0], "href": f"#{target}"})
    return items

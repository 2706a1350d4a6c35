"""GOV.UK Frontend components written in Python: the same markup as govuk-frontend-jinja's macros, from the same
parameters, for the components a page repeats (a table's cells, a form's radios and text areas).

A macro call costs dozens of Python calls inside Jinja (each call imports its helper macros again, builds
attribute strings with filters, and indents its children); a long table or a scoring form with twenty questions
spent most of its time there. These functions build the strings directly. Each one handles the parameters the
portal uses; given anything else, the radios and text area return None and their widgets fall back to the
macro, so nothing is ever dropped. tests/test_govuk_markup.py checks each against its macro.
"""
from functools import lru_cache

from govuk_frontend_wtf import wtforms_widgets
from markupsafe import Markup, escape


def _classes(classes) -> str:
    return f" {escape(classes)}" if classes else ""


def _simple_attributes(attributes) -> bool:
    return not attributes or isinstance(attributes, str) or (
        isinstance(attributes, dict) and all(isinstance(v, (str, int, bool)) for v in attributes.values()))


def _attributes(attributes) -> str:
    """govukAttributes for the forms the portal uses: a string as it is, or a mapping of names to plain values."""
    if not attributes:
        return ""
    if isinstance(attributes, str):
        return attributes
    return "".join(f' {escape(name)}="{escape(str(value).lower() if isinstance(value, bool) else value)}"'
                   for name, value in attributes.items())


def _content(item: dict) -> Markup:
    """A part's content: its html unescaped when given, else its text escaped (as the macros do)."""
    if item.get("html"):
        # the template or the form marked it as HTML, exactly as the macro's `| safe` does
        return Markup(str(item["html"]).strip())  # nosec B704
    text = item.get("text", "")
    return escape(text if text is not None else "None")


def _only(params: dict | None, allowed: set[str]) -> bool:
    """True when params use no key outside allowed (None and empty values do not count)."""
    if not params or params.keys() <= allowed:
        return True
    return all(key in allowed or value in (None, "", False, {}, []) for key, value in params.items())


# ---- table


def _cell_attributes(item: dict) -> str:
    extra = ""
    if item.get("colspan"):
        extra += f' colspan="{escape(item["colspan"])}"'
    if item.get("rowspan"):
        extra += f' rowspan="{escape(item["rowspan"])}"'
    return extra + _attributes(item.get("attributes"))


def govuk_table(params: dict) -> Markup:
    """govukTable: templates call govukTable({...}) exactly as the macro (registered as a template global)."""
    parts = [f'<table class="govuk-table{_classes(params.get("classes"))}"{_attributes(params.get("attributes"))}>\n']
    if params.get("caption"):
        parts.append(f'<caption class="govuk-table__caption{_classes(params.get("captionClasses"))}">'
                     f'{escape(params["caption"])}</caption>\n')
    if params.get("head"):
        parts.append('<thead class="govuk-table__head">\n<tr class="govuk-table__row">\n')
        for item in params["head"]:
            fmt = f' govuk-table__header--{escape(item["format"])}' if item.get("format") else ""
            parts.append(f'<th scope="col" class="govuk-table__header{fmt}{_classes(item.get("classes"))}"'
                         f'{_cell_attributes(item)}>{_content(item)}</th>\n')
        parts.append("</tr>\n</thead>\n")
    parts.append('<tbody class="govuk-table__body">\n')
    first_is_header = params.get("firstCellIsHeader")
    for row in params.get("rows") or ():
        if row:
            # a row already written by table_row (a page that keeps its rows) goes in as it is
            parts.append(row if isinstance(row, Markup) else table_row(row, first_is_header))
    parts.append("</tbody>\n</table>\n")
    # every piece above is escaped or was marked as HTML by the template
    return Markup("".join(parts))  # nosec B704


def table_row(row: list[dict], first_is_header=False) -> Markup:
    """One row of govukTable's body from its cells, as govuk_table writes it: for a page that keeps the rows it
    has written (pass them to govuk_table in "rows" as they are)."""
    parts = ['<tr class="govuk-table__row">\n']
    for n, cell in enumerate(row):
        if n == 0 and first_is_header:
            parts.append(f'<th scope="row" class="govuk-table__header{_classes(cell.get("classes"))}"'
                         f'{_cell_attributes(cell)}>{_content(cell)}</th>\n')
        else:
            fmt = f' govuk-table__cell--{escape(cell["format"])}' if cell.get("format") else ""
            parts.append(f'<td class="govuk-table__cell{fmt}{_classes(cell.get("classes"))}"'
                         f'{_cell_attributes(cell)}>{_content(cell)}</td>\n')
    parts.append("</tr>\n")
    # every piece above is escaped or was marked as HTML by the caller
    return Markup("".join(parts))  # nosec B704


# ---- details


def govuk_details(params: dict) -> Markup:
    """govukDetails for a summary text and a body (text or HTML); anything else (an id, attributes, open,
    a summary in HTML, a caller) is left to the macro: templates call govukDetails for those."""
    if not _only(params, {"summaryText", "text", "html", "classes"}):
        raise ValueError("govuk_details writes a summary text and a body only; use the govukDetails macro")
    body = Markup(str(params["html"])) if params.get("html") else escape(params.get("text", ""))  # nosec B704
    return Markup(  # nosec B704 (escaped above, or marked as HTML by the template as the macro's | safe does)
        f'<details class="govuk-details{_classes(params.get("classes"))}">\n'
        f'  <summary class="govuk-details__summary">\n'
        f'    <span class="govuk-details__summary-text">\n'
        f'      {escape(params.get("summaryText", ""))}\n'
        f'    </span>\n'
        f'  </summary>\n'
        f'  <div class="govuk-details__text">\n'
        f'    {body}\n'
        f'  </div>\n'
        f'</details>\n')


# ---- pagination

_ARROW_PREVIOUS = (
    '<svg class="govuk-pagination__icon govuk-pagination__icon--prev" xmlns="http://www.w3.org/2000/svg" height="13"'
    ' width="15" aria-hidden="true" focusable="false" viewBox="0 0 15 13">\n'
    '<path d="m6.5938-0.0078125-6.7266 6.7266 6.7441 6.4062 1.377-1.449-4.1856-3.9768h12.896v-2h-12.984l4.2931-4.293'
    '-1.414-1.414z"></path>\n</svg>')
_ARROW_NEXT = (
    '<svg class="govuk-pagination__icon govuk-pagination__icon--next" xmlns="http://www.w3.org/2000/svg" height="13"'
    ' width="15" aria-hidden="true" focusable="false" viewBox="0 0 15 13">\n'
    '<path d="m8.107-0.0078125-1.4136 1.414 4.2926 4.293h-12.986v2h12.896l-4.1855 3.9766 1.377 1.4492 6.7441-6.4062'
    '-6.7246-6.7266z"></path>\n</svg>')


def govuk_pagination(params: dict) -> Markup:
    """govukPagination: templates call govukPagination({...}) exactly as the macro (a template global). Written
    here for a list of pages with previous and next links (what the portal's pagination macro passes); anything
    else goes to the macro."""
    items = params.get("items")
    simple_link = lambda link: not link or _only(link, {"href"})  # noqa: E731
    if (items is None or not _only(params, {"landmarkLabel", "previous", "next", "items"})
            or not simple_link(params.get("previous")) or not simple_link(params.get("next"))
            or not all(not item or _only(item, {"number", "href", "current"}) or _only(item, {"ellipsis"})
                       for item in items)):
        from flask import current_app

        return current_app.jinja_env.get_template(
            "govuk_frontend_jinja/components/pagination/macro.html").module.govukPagination(params)
    parts = [f'<nav class="govuk-pagination" aria-label="{escape(params.get("landmarkLabel") or "Pagination")}">\n']
    previous, next_ = params.get("previous"), params.get("next")
    if previous and previous.get("href"):
        parts.append(f'<div class="govuk-pagination__prev">\n<a class="govuk-link govuk-pagination__link" '
                     f'href="{escape(previous["href"])}" rel="prev">\n{_ARROW_PREVIOUS}\n'
                     '<span class="govuk-pagination__link-title">Previous<span class="govuk-visually-hidden"> page'
                     '</span></span>\n</a>\n</div>\n')
    parts.append('<ul class="govuk-pagination__list">\n')
    for item in items:
        if not item:
            continue
        if item.get("ellipsis"):
            parts.append('<li class="govuk-pagination__item govuk-pagination__item--ellipsis">&ctdot;</li>\n')
            continue
        current_class, current = ("govuk-pagination__item--current", ' aria-current="page"') if item.get("current") \
            else ("", "")
        number = escape(item.get("number", ""))
        parts.append(f'<li class="govuk-pagination__item{_classes(current_class)}"><a class="govuk-link '
                     f'govuk-pagination__link" href="{escape(item.get("href", ""))}" aria-label="Page {number}"'
                     f'{current}>{number}</a></li>\n')
    parts.append("</ul>\n")
    if next_ and next_.get("href"):
        parts.append(f'<div class="govuk-pagination__next">\n<a class="govuk-link govuk-pagination__link" '
                     f'href="{escape(next_["href"])}" rel="next">\n'
                     '<span class="govuk-pagination__link-title">Next<span class="govuk-visually-hidden"> page'
                     f'</span></span>\n{_ARROW_NEXT}\n</a>\n</div>\n')
    parts.append("</nav>\n")
    # every piece above is escaped or fixed markup
    return Markup("".join(parts))  # nosec B704


# ---- button


# what govuk-frontend-wtf gives for a submit field (the macro reads no label, hint or element), and classes
_BUTTON = {"id", "name", "label", "hint", "attributes", "value", "type", "text", "element", "classes"}


def govuk_button(params: dict) -> Markup | None:
    """govukButton for a button with words (a form's submit button); None for a link, a start button, HTML
    content, attributes or anything else the macro writes."""
    if not (_only(params, _BUTTON) and params.get("text") and not params.get("attributes")
            and params.get("element") in (None, "button")):
        return None
    value = f' value="{escape(params["value"])}"' if params.get("value") else ""
    name = f' name="{escape(params["name"])}"' if params.get("name") else ""
    classes = f' {params["classes"]}' if params.get("classes") else ""
    button_id = f' id="{escape(params["id"])}"' if params.get("id") else ""
    return Markup(  # nosec B704 (every value escaped above)
        f'<button type="{escape(params.get("type") or "submit")}"{value}{name} class="{escape("govuk-button" + classes)}"'
        f' data-module="govuk-button"{button_id}>\n  {escape(params["text"])}\n</button>')


# ---- the parts of a form field


def _hint(hint: dict, hint_id: str, classes: str = "") -> str:
    return (f'<div id="{escape(hint_id)}" class="govuk-hint{_classes(classes or None)}'
            f'{_classes(hint.get("classes"))}">\n{_content(hint)}\n</div>\n')


def _error(error: dict, error_id: str) -> str:
    hidden = error.get("visuallyHiddenText", "Error")
    prefix = f'<span class="govuk-visually-hidden">{escape(hidden)}:</span> ' if hidden else ""
    return (f'<p id="{escape(error_id)}" class="govuk-error-message{_classes(error.get("classes"))}">\n'
            f'{prefix}{_content(error)}\n</p>\n')


def _hint_and_error(params: dict, id_base: str, described_by: str, inner: list) -> str:
    """Append a field's hint and error message (as the macros place them) to inner; return aria-describedby
    with their ids added."""
    if params.get("hint"):
        hint_id = f"{id_base}-hint"
        described_by = f"{described_by} {hint_id}" if described_by else hint_id
        inner.append(_hint(params["hint"], hint_id))
    if params.get("errorMessage"):
        error_id = f"{id_base}-error"
        described_by = f"{described_by} {error_id}" if described_by else error_id
        inner.append(_error(params["errorMessage"], error_id))
    return described_by


def _label(label: dict, for_id: str, classes: str = "", attributes=None) -> str:
    if not (label.get("html") or label.get("text")):
        return ""
    extra = label.get("classes")
    all_classes = f"{classes} {extra}" if classes and extra else (classes or extra)
    return (f'<label class="govuk-label{_classes(all_classes or None)}"{_attributes(attributes)}'
            f' for="{escape(for_id)}">\n{_content(label)}\n</label>\n')


def _form_group(error: bool, form_group: dict | None, inner: str) -> Markup:
    group_classes = (" govuk-form-group--error" if error else "") + _classes((form_group or {}).get("classes"))
    # escaped piece by piece above
    return Markup(f'<div class="govuk-form-group{group_classes}">\n{inner}</div>\n')  # nosec B704


_PART = {"text", "html", "classes", "attributes"}
_ERROR = {"text", "html", "classes", "visuallyHiddenText"}


# ---- radios


_RADIOS = {"name", "items", "hint", "fieldset", "errorMessage", "classes", "attributes", "idPrefix", "value",
           "formGroup"}
_RADIO_ITEM = {"text", "html", "value", "checked", "hint", "id", "disabled", "attributes"}
_PLAIN_RADIO_ITEM = {"text", "value", "checked"}


def _radios_supported(params: dict) -> bool:
    fieldset = params.get("fieldset") or {}
    return (_only(params, _RADIOS) and _only(params.get("formGroup"), {"classes"})
            and _only(fieldset, {"legend", "classes", "describedBy"})
            and _only(fieldset.get("legend"), {"text", "html", "classes"})
            and _only(params.get("hint"), {"text", "html", "classes"})
            and _only(params.get("errorMessage"), _ERROR) and _simple_attributes(params.get("attributes"))
            and all(item and _only(item, _RADIO_ITEM) and _only(item.get("hint"), {"text", "html", "classes"})
                    and _simple_attributes(item.get("attributes")) for item in params.get("items") or ()))


def govuk_radios(params: dict) -> Markup | None:
    """govukRadios; None when params use a feature written only in the macro (conditional reveals, dividers,
    a legend as the page heading...)."""
    if not _radios_supported(params):
        return None
    id_prefix = params.get("idPrefix") or params["name"]
    fieldset = params.get("fieldset")
    described_by = (fieldset or {}).get("describedBy") or ""
    inner = []
    described_by = _hint_and_error(params, id_prefix, described_by, inner)
    inner.append(f'<div class="govuk-radios{_classes(params.get("classes"))}"{_attributes(params.get("attributes"))}'
                 f' data-module="govuk-radios">\n')
    value = params.get("value")
    name = escape(params["name"])
    for index, item in enumerate(params["items"], start=1):
        if item.keys() <= _PLAIN_RADIO_ITEM and item.get("text"):
            # the common option (words, a value, perhaps checked): the same markup as below, written directly
            item_id = escape(f"{id_prefix}-{index}" if index > 1 else id_prefix)
            checked = item.get("checked") or (bool(value) and item.get("value") == value
                                              and item.get("checked") is not False)
            inner.append(
                f'<div class="govuk-radios__item">\n<input class="govuk-radios__input" id="{item_id}" name="{name}" '
                f'type="radio" value="{escape(item.get("value", ""))}"{" checked" if checked else ""}>\n'
                f'<label class="govuk-label govuk-radios__label" for="{item_id}">\n{escape(item["text"])}\n'
                f'</label>\n</div>\n')
            continue
        item_id = item.get("id") or (f"{id_prefix}-{index}" if index > 1 else id_prefix)
        checked = item.get("checked")
        if not checked:
            checked = bool(value) and item.get("value") == value and item.get("checked") is not False
        item_hint = item.get("hint")
        has_hint = bool(item_hint and (item_hint.get("text") or item_hint.get("html")))
        hint_id = f"{item_id}-item-hint"
        extra = (" checked" if checked else "") + (" disabled" if item.get("disabled") else "")
        extra += f' aria-describedby="{escape(hint_id)}"' if has_hint else ""
        extra += _attributes(item.get("attributes"))
        inner.append(
            f'<div class="govuk-radios__item">\n<input class="govuk-radios__input" id="{escape(item_id)}" '
            f'name="{name}" type="radio" value="{escape(item.get("value", ""))}"{extra}>\n'
            f'{_label(item, item_id, "govuk-radios__label")}'
            f'{_hint(item_hint, hint_id, "govuk-radios__hint") if has_hint else ""}</div>\n')
    inner.append("</div>\n")
    inner_html = "".join(inner)
    if fieldset:
        legend = fieldset.get("legend") or {}
        legend_html = ""
        if legend.get("html") or legend.get("text"):
            legend_html = (f'<legend class="govuk-fieldset__legend{_classes(legend.get("classes"))}">\n'
                           f'{_content(legend)}\n</legend>\n')
        described = f' aria-describedby="{escape(described_by)}"' if described_by else ""
        inner_html = (f'<fieldset class="govuk-fieldset{_classes(fieldset.get("classes"))}"{described}>\n'
                      f'{legend_html}{inner_html}</fieldset>\n')
    return _form_group(bool(params.get("errorMessage")), params.get("formGroup"), inner_html)


# ---- text area


_TEXTAREA = {"id", "name", "label", "hint", "errorMessage", "value", "rows", "classes", "attributes", "spellcheck",
             "disabled", "autocomplete", "describedBy", "formGroup"}


def govuk_textarea(params: dict) -> Markup | None:
    """govukTextarea; None when params use a feature written only in the macro (a label as the page heading,
    text before or after the input...)."""
    if not (_only(params, _TEXTAREA) and _only(params.get("formGroup"), {"classes"})
            and _only(params.get("label"), _PART) and _only(params.get("hint"), {"text", "html", "classes"})
            and _only(params.get("errorMessage"), _ERROR) and _simple_attributes(params.get("attributes"))
            and _simple_attributes((params.get("label") or {}).get("attributes"))):
        return None
    field_id = params.get("id") or params["name"]
    described_by = params.get("describedBy") or ""
    label = params.get("label") or {}
    inner = [_label(label, field_id, attributes=label.get("attributes"))]
    described_by = _hint_and_error(params, field_id, described_by, inner)
    spellcheck = params.get("spellcheck")
    extra = f' spellcheck="{str(spellcheck).lower()}"' if isinstance(spellcheck, bool) else ""
    extra += " disabled" if params.get("disabled") else ""
    extra += f' aria-describedby="{escape(described_by)}"' if described_by else ""
    extra += f' autocomplete="{escape(params["autocomplete"])}"' if params.get("autocomplete") else ""
    extra += _attributes(params.get("attributes"))
    error_class = " govuk-textarea--error" if params.get("errorMessage") else ""
    inner.append(
        f'<textarea class="govuk-textarea{error_class}{_classes(params.get("classes"))}" id="{escape(field_id)}" '
        f'name="{escape(params["name"])}" rows="{escape(params.get("rows") or 5)}"{extra}>'
        f'{escape(params.get("value", ""))}</textarea>\n')
    return _form_group(bool(params.get("errorMessage")), params.get("formGroup"), "".join(inner))


# ---- a form's radios and text areas written straight from their fields


@lru_cache(maxsize=1024)
def _radio_options(name: str, options: tuple) -> tuple:
    """Each option's markup for the field `name`, in two parts: " checked" goes between them. The same markup
    govuk_radios writes for plain options (words and a value)."""
    parts = []
    for index, (value, text) in enumerate(options, start=1):
        item_id = escape(f"{name}-{index}" if index > 1 else name)
        parts.append((
            f'<div class="govuk-radios__item">\n<input class="govuk-radios__input" id="{item_id}" '
            f'name="{escape(name)}" type="radio" value="{escape(value)}"',
            f'>\n<label class="govuk-label govuk-radios__label" for="{item_id}">\n{escape(text)}\n</label>\n</div>\n'))
    return tuple(parts)


def radios_field(field, classes: str | None = None, legend_classes: str | None = None) -> Markup:
    """A radios field as `field(params={"classes": classes, "fieldset": {"legend": {"classes": legend_classes}}})`
    writes it through GovRadioInput (legend from the label, an empty hint unless the field has a description,
    the option chosen or typed checked, the first error), without WTForms' and govuk-frontend-wtf's per-call
    mapping: a scoring page has 20 of them. Anything unusual goes through the widget."""
    options, values = [], []
    for choice in field.choices if isinstance(field.widget, GovRadioInput) and not field.render_kw else ():
        if not (isinstance(choice, tuple) and len(choice) == 2):
            options = None
            break
        value, text = choice
        text = text or value
        if not text:
            options = None
            break
        options.append((str(value), str(text)))
        values.append(value)
    if not options:
        params = {"fieldset": {"legend": {"classes": legend_classes}}} if legend_classes else {}
        if classes:
            params["classes"] = classes
        return field(params=params)
    head = _radios_head(field.name, field.label.text, field.description, classes, legend_classes,
                        field.errors[0] if field.errors else None)
    data, coerce = field.data, field.coerce
    body = [head]
    for (before, after), value in zip(_radio_options(field.name, tuple(options)), values):
        body.append(f"{before} checked{after}" if coerce(value) == data else f"{before}{after}")
    body.append("</div>\n</fieldset>\n</div>\n")
    # the head and options are escaped where they are written
    return Markup("".join(body))  # nosec B704


@lru_cache(maxsize=1024)
def _radios_head(name: str, label: str, description: str, classes: str | None, legend_classes: str | None,
                 error: str | None) -> str:
    """A radios field's markup before its options: the same for every request showing that field."""
    body = [_hint({"text": description}, f"{name}-hint")]
    described_by = f"{name}-hint"
    if error:
        described_by += f" {name}-error"
        body.append(_error({"text": error}, f"{name}-error"))
    legend = (f'<legend class="govuk-fieldset__legend{_classes(legend_classes)}">\n{escape(label)}\n</legend>\n'
              if label else "")
    return (f'<div class="govuk-form-group{" govuk-form-group--error" if error else ""}">\n'
            f'<fieldset class="govuk-fieldset" aria-describedby="{escape(described_by)}">\n{legend}{"".join(body)}'
            f'<div class="govuk-radios{_classes(classes)}" data-module="govuk-radios">\n')


def textarea_field(field, rows: int | None = None, hint: str | None = None) -> Markup:
    """A text area field as `field(params={"rows": rows, "hint": {"text": hint}})` writes it through GovTextArea
    (label, hint, the typed or saved text, the first error), without the per-call mapping."""
    if not isinstance(field.widget, GovTextArea) or "required" in field.flags or field.render_kw:
        given = {"rows": rows} if rows else {}
        if hint:
            given["hint"] = {"text": hint}
        return field(params=given)
    head = _textarea_head(field.id, field.name, field.label.text, hint or field.description, rows,
                          field.errors[0] if field.errors else None)
    # the head is escaped where it is written
    return Markup(f"{head}{escape(field._value())}</textarea>\n</div>\n")  # nosec B704


@lru_cache(maxsize=1024)
def _textarea_head(field_id: str, name: str, label: str, hint: str | None, rows: int | None,
                   error: str | None) -> str:
    """What govuk_textarea writes before the text for these params (the same for every request showing that
    field), without checking for parameters it does not write."""
    inner = [_label({"text": label}, field_id)]
    described_by = _hint_and_error({"hint": {"text": hint} if hint else None,
                                    "errorMessage": {"text": error} if error else None}, field_id, "", inner)
    described = f' aria-describedby="{escape(described_by)}"' if described_by else ""
    inner.append(
        f'<textarea class="govuk-textarea{" govuk-textarea--error" if error else ""}" id="{escape(field_id)}" '
        f'name="{escape(name)}" rows="{escape(rows or 5)}"{described}>')
    return f'<div class="govuk-form-group{" govuk-form-group--error" if error else ""}">\n{"".join(inner)}'


# ---- govuk-frontend-wtf widgets that write their markup with the functions above


class GovRadioInput(wtforms_widgets.GovRadioInput):
    """govuk-frontend-wtf's radios widget (same parameters), written by govuk_radios."""

    def __call__(self, field, **kwargs):
        # govuk-frontend-wtf makes a whole WTForms field for each option only to read its label, value and
        # whether it is checked; the field's choices say the same (a scoring form has 20 six-point scales)
        if set(kwargs) - {"params"} or "items" in (kwargs.get("params") or {}):
            return super().__call__(field, **kwargs)
        items = []
        for choice in field.iter_choices():
            item = {"text": choice.label or choice.value, "value": str(choice.value)}
            if choice.selected:
                item["checked"] = True
            items.append(item)
        return self.render(self.map_gov_params(field, items=items, **kwargs))

    def render(self, params):
        return govuk_radios(params) or super().render(params)


class GovSubmitInput(wtforms_widgets.GovSubmitInput):
    """govuk-frontend-wtf's submit button widget (same parameters), written by govuk_button."""

    def render(self, params):
        return govuk_button(params) or super().render(params)


class GovTextArea(wtforms_widgets.GovTextArea):
    """govuk-frontend-wtf's text area widget (same parameters), written by govuk_textarea."""

    def render(self, params):
        return govuk_textarea(params) or super().render(params)

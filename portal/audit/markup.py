"""The audit log page's body written in Python: what audit/log.html's Jinja wrote, byte for byte
(tests/audit/test_log_markup.py keeps the old template and compares the two)."""
from functools import lru_cache

from flask import request, url_for
from markupsafe import Markup, escape

from portal.govuk_markup import govuk_table
from portal.pagination import pagination_markup

_INTRO = (
    '<h1 class="govuk-heading-xl">Audit log</h1>\n'
    "<p class=\"govuk-body\">Who did what to your council's purchasing systems, rounds, applications and call-off "
    "lists, newest first. The log cannot be changed.</p>\n\n")

_TABLE = {
    "caption": "Audit events",
    "captionClasses": "govuk-visually-hidden",
    "classes": "govuk-table--small-text-until-tablet",
    "head": [{"text": "Time"}, {"text": "Who"}, {"text": "Action"}, {"text": "Object"},
             {"text": "Before and after"}],
}


@lru_cache(maxsize=16)
def _whole_log_links(script_root: str) -> tuple[str, str]:
    """The log's own address and its whole download's (what url_for gives under this script root)."""
    return url_for("audit.log"), url_for("audit.export")


#: the whole log's page links, written once per worker: {(script root, page, pages): markup}
_whole_log_pages: dict[tuple[str, int, int], Markup] = {}


def _whole_log_pagination(page) -> Markup:
    """The whole log's page links: the same for every view of page `page.page` of `page.pages` under the same
    script root."""
    key = (request.script_root, page.page, page.pages)
    links = _whole_log_pages.get(key)
    if links is None:
        if len(_whole_log_pages) >= 1000:
            _whole_log_pages.clear()
        links = _whole_log_pages[key] = pagination_markup(page, "audit.log", {}, label="Pages of the audit log")
    return links


def log_main(authority_name: str, *, page, form, filters, filter_args: dict, rows: list, filter_fields: Markup) -> Markup:
    """The page's main content: the council, the filter form, the download link, the count, the table of this
    page's rows (already written) and the links to the other pages."""
    filtered = filters.any
    if filtered:
        log_url, export_url = url_for("audit.log"), url_for("audit.export", **filter_args)
    else:
        log_url, export_url = _whole_log_links(request.script_root)
    parts = [
        f'<span class="govuk-caption-l">{escape(authority_name)}</span>\n',
        _INTRO,
        f'<form method="get" action="{escape(log_url)}" novalidate class="portal-filter">\n'
        '  <h2 class="govuk-heading-m">Filter the log</h2>\n'
        f"  {filter_fields}\n",
    ]
    if filtered:
        parts.append(f'    <p class="govuk-body"><a class="govuk-link" href="{escape(log_url)}">Clear the filters</a>'
                     "</p>\n")
    parts.append(
        "</form>\n"
        '<p class="govuk-body">\n'
        f'  <a class="govuk-link" href="{escape(export_url)}" download>Download '
        f'{"these events" if filtered else "the whole log"} as a spreadsheet (CSV)</a>.\n'
        "  Each row has the event's hash and the hash of the event before it, so the log can be checked outside the "
        "portal.\n"
        "</p>\n\n")
    total = page.total
    if total:
        if filtered:
            pagination = pagination_markup(page, "audit.log", filter_args, label="Pages of the audit log")
        else:
            pagination = _whole_log_pagination(page)
        if page.pages > 1:
            count = f"Showing {page.first} to {page.last} of {total} events"
        else:
            count = f"{total} event{'s' if total != 1 else ''}"
        parts.append(f'  <p class="govuk-body">\n{count}.\n  </p>\n'
                     f"  {govuk_table({**_TABLE, 'rows': rows})}\n"
                     f"  {pagination}\n")
    elif filtered:
        parts.append('  <p class="govuk-body">No events match these filters.</p>\n')
    else:
        parts.append('  <p class="govuk-body">Nothing has been recorded for your council yet.</p>\n')
    # every piece is fixed markup, escaped above, or markup written by the GOV.UK components
    return Markup("".join(parts))  # nosec B704

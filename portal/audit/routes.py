"""The audit log, for the commissioners of the council whose records the events touch."""

from collections.abc import Mapping
from functools import lru_cache

from flask import current_app, render_template, request
from flask_login import current_user
from jinja2.filters import do_dictsort, do_truncate
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup, escape
from sqlalchemy import bindparam
from werkzeug.datastructures import MultiDict

from portal import clock
from portal.auth.decorators import roles_required
from portal.auth.models import Role
from portal.auth.sessions import signed_in
from portal.documents.csv_download import csv_text_download
from portal.extensions import db
from portal.govuk_markup import table_row
from portal.pagination import KnownTotalPagination

from . import bp, markup, services
from .forms import AuditFilterForm


@lru_cache(maxsize=1)
def _whole_log_page():
    """A page of the whole log (no filters), built once the models are all mapped."""
    return services.log_page_rows(bindparam("authority_id"), services.LogFilters())


def _filter_form(authority_id: int) -> tuple[AuditFilterForm | None, services.LogFilters, services.LogSummary]:
    """The filter form with this council's choices, the filters it asks for, and the council's log summary
    (how many events the whole log holds; the actions, kinds of record and people offered).

    A choice the council's log does not have (another council's action, a hand-edited address) is ignored,
    like no filter; a date that is not a real date is shown as an error and the log is shown unfiltered by it.
    """
    summary = services.log_summary(authority_id)
    if all(name == "page" for name in request.args):
        # no filters asked for: nothing to check, and no form to build (its fields are kept: _filter_fields)
        form, filters = None, services.LogFilters()
    else:
        form, filters = _form_for(request.args, summary.actions, summary.object_types, summary.staff)
    return form, filters, summary


def _form_for(args, actions: tuple, types: tuple, actors: tuple) -> tuple[AuditFilterForm, services.LogFilters]:
    """The filter form for these query arguments and choices, validated, and the filters it asks for."""
    form = AuditFilterForm(args)
    form.action.choices = [("", "All actions")] + [(a, a) for a in actions]
    form.object_type.choices = [("", "All kinds of record")] + [(t, t) for t in types]
    form.actor.choices = [("", "Everyone"), ("0", "The portal")] + [(str(i), name) for i, name in actors]
    if args:
        form.validate()
    ok = lambda field: field.data if not field.errors else None  # noqa: E731
    actor = args.get("actor")
    filters = services.LogFilters(
        action=args.get("action") if args.get("action") in actions else None,
        actor_id=int(actor) if actor in {c[0] for c in form.actor.choices[1:]} else None,
        object_type=args.get("object_type") if args.get("object_type") in types else None,
        object_id=ok(form.object_id),
        date_from=ok(form.date_from),
        date_to=ok(form.date_to),
    )
    if form.errors.get("date_to") and form.date_to.data:  # a 'to' date before the 'from' date
        filters.date_to = None
    return form, filters


@lru_cache(maxsize=256)
def _filter_fields(args: tuple, validated: bool, summary: services.LogSummary) -> Markup:
    """The filter form's fields as HTML: GOV.UK's select, text and date macros cost more than the rest of the
    page together (about 8 ms), and what they write depends only on the filter arguments (with their errors)
    and the choices offered (the summary's: a summary is equal only to itself), which are the key. Kept for the
    commonest views: the whole log and its pages."""
    form, _ = _form_for(_ArgsFrom(args, validated), summary.actions, summary.object_types, summary.staff)
    return Markup(render_template("audit/_filter_fields.html", form=form))


class _ArgsFrom(MultiDict):
    """Query arguments from their (name, value) pairs; true when the request had any (page included)."""

    def __init__(self, pairs, any_arguments: bool):
        super().__init__(pairs)
        self.any_arguments = any_arguments

    def __bool__(self):
        return self.any_arguments


@bp.route("/")
@roles_required(Role.commissioner)
def log():
    """The commissioner's council's audit events, newest first, filtered by action, who, record and dates."""
    authority_id = current_user.authority_id
    form, filters, summary = _filter_form(authority_id)
    # a page number past the end answers 404 (page 1 of an empty log is fine); the whole log is counted from the
    # chain (services.log_summary), not by reading the council's index
    number, per_page = request.args.get("page", 1, type=int), current_app.config.get("PAGE_SIZE", 50)
    if filters.any:
        rows = services.log_page_rows(authority_id, filters)
        total = lambda: db.session.scalar(services.log_count(authority_id, filters))  # noqa: E731
    else:
        rows, total = _whole_log_page(), summary.count
    # Core rows on the session's connection (its transaction): nothing of the ORM is needed for plain columns
    page = KnownTotalPagination(page=number, per_page=per_page, error_out=True, total=total, read=lambda offset,
                                limit: db.session.connection().execute(rows, {"authority_id": authority_id,
                                                                              "limit": limit, "offset": offset}).all())
    fields_key = tuple((name, value) for name, value in request.args.items(multi=True) if name != "page")
    return _render(dict(page=page, form=form, filters=filters, filter_args=filters.as_args(),
                        rows=_rows(page.items), filter_fields=_filter_fields(fields_key, bool(request.args), summary)))


def _render(context: dict) -> str:
    """The log page from what log() found: its body written by markup.log_main (the layout draws the rest)."""
    page = context["page"]
    title = f"Audit log (page {page.page} of {page.pages})" if page.pages > 1 else "Audit log"
    return render_template("audit/log.html", title=title, form=context["form"],
                           main=markup.log_main(signed_in().council, **context))


#: per worker, rows of the log's table already written: {(event's hash, who): the row's markup}
_kept_rows: dict[tuple[str, str | None], Markup] = {}
#: how many rows a worker keeps (a few hundred kilobytes): past it, it starts again
KEPT_ROWS = 5000


def _rows(items) -> list[Markup]:
    """The table's rows for a page of log_rows, each written once per worker.

    An event never changes once recorded (the hash chain: its hash covers every field the row shows, and a
    different database's event with the same number has a different hash), so its row is kept under its hash
    and the name of who acted, the one thing shown that can change."""
    rows = []
    for chain_hash, who, occurred_at, action, object_type, object_id, before, after in items:
        key = (chain_hash, who)
        row = _kept_rows.get(key)
        if row is None:
            row = table_row(_row((services.stored_time(occurred_at), who, action, object_type, object_id,
                                  services.stored_json(before), services.stored_json(after))))
            if chain_hash is not None:
                if len(_kept_rows) >= KEPT_ROWS:
                    _kept_rows.clear()
                _kept_rows[key] = row
        rows.append(row)
    return rows


def _row(event) -> list[dict]:
    """An event's row of the log's table (govukTable cells)."""
    occurred_at, who, action, object_type, object_id, before, after = event
    changes = []
    if before is not None:
        changes.append(Markup('<p class="govuk-body-s govuk-!-margin-bottom-1">Before:</p>') + _values(before))
    if after is not None:
        margin = " govuk-!-margin-top-2" if before is not None else ""
        changes.append(Markup(f'<p class="govuk-body-s govuk-!-margin-bottom-1{margin}">After:</p>') + _values(after))
    if before is None and after is None:
        changes.append(Markup('<span class="govuk-body-s">No values recorded</span>'))
    return [
        {"text": clock.format_datetime(occurred_at), "classes": "portal-nowrap"},
        {"text": who or "The portal"},
        {"text": action},
        {"text": object_type + (f" {object_id}" if object_id is not None else "")},
        {"html": Markup("\n").join(changes)},
    ]


def _values(data) -> Markup:
    """Before or after values, compact and escaped: one "name: value" line per field (names in order, ignoring
    case, as Jinja's dictsort)."""
    if isinstance(data, Mapping):
        items = "".join(f'<li><span class="govuk-!-font-weight-bold">{escape(key)}</span>: {_value_text(value)}</li>'
                        for key, value in do_dictsort(data))
        return Markup(f'<ul class="govuk-list govuk-body-s govuk-!-margin-bottom-0">{items}</ul>')
    return Markup(f'<span class="govuk-body-s">{_value_text(data)}</span>')


def _value_text(value) -> Markup:
    """One value: text as it is, anything else as JSON, shortened to 160 characters."""
    if value is None:
        return Markup("none")
    env = current_app.jinja_env
    # as Jinja's tojson filter writes it (Flask's JSON, with <, >, & and ' escaped)
    text = value if isinstance(value, str) else htmlsafe_json_dumps(
        value, dumps=env.policies["json.dumps_function"], **env.policies["json.dumps_kwargs"])
    return escape(do_truncate(env, text, 160, True, "…"))


@bp.route("/export.csv")
@roles_required(Role.commissioner)
def export():
    """The filtered log as a CSV file, newest first, streamed; the hashes let anyone re-check the chain."""
    _, filters, _ = _filter_form(current_user.authority_id)
    lines = services.export_lines(current_user.authority_id, filters)
    today = clock.london(clock.now()).date().isoformat()
    return csv_text_download(lines, f"audit-log-{today}.csv")

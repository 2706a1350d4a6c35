"""The audit log, for the commissioners of the council whose records the events touch."""

from flask import current_app, render_template, request
from flask_login import current_user
from sqlalchemy import func, select

from portal import clock
from portal.auth.decorators import roles_required
from portal.auth.models import Role, User
from portal.documents.csv_download import csv_text_download
from portal.extensions import db

from . import bp, services
from .forms import AuditFilterForm
from .models import AuditEvent


def _values_in_log(column, authority_id: int) -> list[str]:
    """The different values of an event column in a council's log, in order (SELECT DISTINCT's answer).

    Read with a recursive query that jumps from each value to the next one in the council's index on that
    column (ix_audit_events_authority_action, ..._object_type): a few dozen index look-ups, where DISTINCT
    reads every event of the council (140,000 in the benchmark's national DPS).
    """
    in_log = AuditEvent.authority_id == authority_id
    values = select(func.min(column).label("value")).where(in_log).cte("log_values", recursive=True)
    previous = values.alias("previous")
    values = values.union_all(
        select(select(func.min(column)).where(in_log, column > previous.c.value).scalar_subquery())
        .where(previous.c.value.is_not(None)))
    return db.session.scalars(select(values.c.value).where(values.c.value.is_not(None))
                              .order_by(values.c.value)).all()


def _filter_form(authority_id: int) -> tuple[AuditFilterForm, services.LogFilters]:
    """The filter form with this council's choices, and the filters it asks for.

    A choice the council's log does not have (another council's action, a hand-edited address) is ignored,
    like no filter; a date that is not a real date is shown as an error and the log is shown unfiltered by it.
    """
    form = AuditFilterForm(request.args)
    actions = _values_in_log(AuditEvent.action, authority_id)
    types = _values_in_log(AuditEvent.object_type, authority_id)
    # "Who" offers the council's own staff: in a national DPS thousands of provider users act in the log, too
    # many for a list (find a provider's events by the kind of record and its number instead)
    actors = db.session.execute(select(User.id, User.name).where(User.authority_id == authority_id)
                                .order_by(User.name, User.id)).all()
    form.action.choices = [("", "All actions")] + [(a, a) for a in actions]
    form.object_type.choices = [("", "All kinds of record")] + [(t, t) for t in types]
    form.actor.choices = [("", "Everyone"), ("0", "The portal")] + [(str(i), name) for i, name in actors]
    if request.args:
        form.validate()
    ok = lambda field: field.data if not field.errors else None  # noqa: E731
    actor = request.args.get("actor")
    filters = services.LogFilters(
        action=request.args.get("action") if request.args.get("action") in actions else None,
        actor_id=int(actor) if actor in {c[0] for c in form.actor.choices[1:]} else None,
        object_type=request.args.get("object_type") if request.args.get("object_type") in types else None,
        object_id=ok(form.object_id),
        date_from=ok(form.date_from),
        date_to=ok(form.date_to),
    )
    if form.errors.get("date_to") and form.date_to.data:  # a 'to' date before the 'from' date
        filters.date_to = None
    return form, filters


@bp.route("/")
@roles_required(Role.commissioner)
def log():
    """The commissioner's council's audit events, newest first, filtered by action, who, record and dates."""
    form, filters = _filter_form(current_user.authority_id)
    page = db.paginate(services.log_events(current_user.authority_id, filters),
                       page=request.args.get("page", 1, type=int),
                       per_page=current_app.config.get("PAGE_SIZE", 50), error_out=True)
    return render_template("audit/log.html", title="Audit log", page=page, form=form, filters=filters,
                           filter_args=filters.as_args())


@bp.route("/export.csv")
@roles_required(Role.commissioner)
def export():
    """The filtered log as a CSV file, newest first, streamed; the hashes let anyone re-check the chain."""
    _, filters = _filter_form(current_user.authority_id)
    lines = services.export_lines(current_user.authority_id, filters)
    today = clock.london(clock.now()).date().isoformat()
    return csv_text_download(lines, f"audit-log-{today}.csv")

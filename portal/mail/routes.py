"""The outbox page: read the emails the portal has sent. Only where OUTBOX_VIEWABLE is set (development)."""
from flask import abort, current_app, render_template, request
from sqlalchemy import select

from portal.extensions import db

from . import bp
from .models import OutboxEmail


@bp.before_request
def only_when_viewable():
    if not current_app.config.get("OUTBOX_VIEWABLE"):
        abort(404)


@bp.route("/")
def outbox():
    """Newest emails first, optionally to one address."""
    to = (request.args.get("to") or "").strip().lower() or None
    stmt = select(OutboxEmail).order_by(OutboxEmail.id.desc())
    if to:
        stmt = stmt.where(OutboxEmail.to == to)
    page = db.paginate(stmt, page=request.args.get("page", 1, type=int),
                       per_page=current_app.config.get("PAGE_SIZE", 50), error_out=True)
    return render_template("mail/outbox.html", title="Outbox", page=page, to=to,
                           filter_args={"to": to} if to else {})

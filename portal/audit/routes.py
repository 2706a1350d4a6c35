"""The audit log, for the commissioners of the council whose records the events touch."""
from flask import current_app, render_template, request
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.auth.decorators import roles_required
from portal.auth.models import Role
from portal.extensions import db

from . import bp
from .models import AuditEvent


@bp.route("/")
@roles_required(Role.commissioner)
def log():
    """The commissioner's council's audit events, newest first, optionally of one action."""
    authority_id = current_user.authority_id
    actions = list(db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.authority_id == authority_id).distinct().order_by(AuditEvent.action)
    ))
    # an action this council's log does not have (a hand-edited address) is ignored, like no filter
    action = request.args.get("action") or None
    if action not in actions:
        action = None
    stmt = (
        select(AuditEvent)
        .where(AuditEvent.authority_id == authority_id)
        .options(joinedload(AuditEvent.actor))
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    )
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    page = db.paginate(stmt, page=request.args.get("page", 1, type=int),
                       per_page=current_app.config.get("PAGE_SIZE", 50), error_out=True)
    return render_template("audit/log.html", title="Audit log", page=page, actions=actions, action=action,
                           filter_args={"action": action} if action else {})

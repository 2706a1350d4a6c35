"""Default deny: every view says which roles may reach it."""
from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from .models import Role


def roles_required(*roles: Role):
    """Signed in, and in one of roles; otherwise 403 (or the sign-in page when signed out)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def load_or_404(model, object_id):
    """Load an object by id or answer 404."""
    from portal.extensions import db

    obj = db.session.get(model, object_id)
    if obj is None:
        abort(404)
    return obj

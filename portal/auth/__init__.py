"""Accounts, signing in and out, provider registration."""
from flask import Blueprint

bp = Blueprint("auth", __name__)

from . import routes  # noqa: E402,F401  (first: it loads the onboarding forms that build on ours)
from . import account_routes  # noqa: E402,F401
from . import two_step_routes  # noqa: E402,F401
from .sessions import end_idle_session, require_two_step_set_up  # noqa: E402

bp.before_app_request(end_idle_session)
bp.before_app_request(require_two_step_set_up)

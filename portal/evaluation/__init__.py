"""Assignments, conflicts, scoring, moderation and results."""
from flask import Blueprint

bp = Blueprint("evaluation", __name__, url_prefix="/evaluation")

from . import routes  # noqa: E402,F401
from . import manage_routes, panel_routes  # noqa: E402,F401

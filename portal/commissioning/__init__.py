"""Systems, lots, zones, standards, questions, rounds, decisions and members: the commissioner's work."""
from flask import Blueprint

bp = Blueprint("commissioning", __name__, url_prefix="/commissioning")

from . import clarification_routes, member_routes, routes  # noqa: E402,F401

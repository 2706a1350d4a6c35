"""Organisations and their applications: the provider's work."""
from flask import Blueprint

bp = Blueprint("onboarding", __name__, url_prefix="/provider")

from . import organisation_routes, round_routes, routes  # noqa: E402,F401

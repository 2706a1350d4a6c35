"""The public call-off lists and their downloads."""
from flask import Blueprint

bp = Blueprint("publication", __name__, url_prefix="/call-off-lists")

from . import routes  # noqa: E402,F401

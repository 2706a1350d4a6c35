from flask import render_template

from . import bp


@bp.route("/")
def log():
    return render_template("error.html", code=404, title="Page not found"), 404

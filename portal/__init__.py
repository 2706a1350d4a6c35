"""The care DPS portal: create_app() builds the Flask application."""
import os
import secrets
from pathlib import Path

from flask import Flask, g, render_template, send_from_directory
from govuk_frontend_wtf.main import WTFormsHelpers
from jinja2 import ChainableUndefined, ChoiceLoader, PackageLoader, PrefixLoader

from config import CONFIGS

from .extensions import csrf, db, limiter, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent
GOVUK_DIST = ROOT / "node_modules" / "govuk-frontend" / "dist" / "govuk"


def create_app(config_name: str | None = None, **overrides) -> Flask:
    app = Flask(__name__, instance_path=str(ROOT / "instance"), static_folder="static")
    from .templating import PortalEnvironment
    app.jinja_environment = PortalEnvironment
    config_name = config_name or os.environ.get("PORTAL_CONFIG", "development")
    app.config.from_object(CONFIGS[config_name]())
    app.config.update(overrides)
    if app.config.get("MAX_CONTENT_LENGTH") is None:
        # room for the form's other fields around the largest document; beyond it, a 413 page
        app.config["MAX_CONTENT_LENGTH"] = app.config["UPLOAD_MAX_BYTES"] + 512 * 1024

    app.jinja_loader = ChoiceLoader([
        PackageLoader("portal"),
        PrefixLoader({
            "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
            "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
        }),
    ])
    # govuk-frontend-jinja's macros read optional params as attributes of attributes
    app.jinja_env.undefined = ChainableUndefined
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    WTFormsHelpers(app)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    from . import signing
    signing.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)

    from . import models  # noqa: F401 - every model registered on the metadata
    from .audit import bp as audit_bp
    from .auth import bp as auth_bp
    from .commissioning import bp as commissioning_bp
    from .evaluation import bp as evaluation_bp
    from .mail import bp as mail_bp
    from .onboarding import bp as onboarding_bp
    from .publication import bp as publication_bp

    for blueprint in (auth_bp, commissioning_bp, onboarding_bp, evaluation_bp, publication_bp, audit_bp, mail_bp):
        app.register_blueprint(blueprint)

    from .templating import register_template_helpers
    register_template_helpers(app)

    from .clock import register_arrival
    register_arrival(app)  # last, so that it goes first: every deadline judgement uses the arrival time

    from .cli import register_cli
    register_cli(app)

    from . import querycount
    querycount.init_app(app)

    @app.route("/assets/<path:filename>")
    def govuk_assets(filename):
        """GOV.UK Frontend's fonts and images, from the npm package."""
        return send_from_directory(GOVUK_DIST / "assets", filename, max_age=60 * 60 * 24)

    @app.route("/govuk-frontend/<path:filename>")
    def govuk_frontend(filename):
        """GOV.UK Frontend's compiled CSS and JavaScript, from the npm package."""
        return send_from_directory(GOVUK_DIST, filename, max_age=60 * 60 * 24)

    for code in (400, 403, 404, 405, 413, 429, 500):
        app.register_error_handler(code, _error_page(code))

    @app.before_request
    def make_csp_nonce():
        g.csp_nonce = secrets.token_urlsafe(16)

    @app.context_processor
    def csp_nonce():
        return {"cspNonce": g.get("csp_nonce")}

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; "
            f"script-src 'self' 'nonce-{g.get('csp_nonce', '')}'; "
            "style-src 'self'; img-src 'self' data:; "
            "font-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'",
        )
        return response

    return app


ERROR_TITLES = {
    400: "Sorry, there is a problem with your request",
    403: "You do not have permission to do this",
    404: "Page not found",
    405: "Sorry, there is a problem with your request",
    413: "The file is too big",
    429: "Too many attempts",
    500: "Sorry, there is a problem with the service",
}


def _error_page(code: int):
    def handler(error):
        if code == 500:
            db.session.rollback()
        return render_template("error.html", code=code, title=ERROR_TITLES[code], error=error), code

    return handler

"""Emails to providers: links that work from a page or from a cron command."""
from flask import current_app, has_request_context, url_for


def external_url(endpoint: str, **values) -> str:
    """An absolute link for an email: the request's own host, or PORTAL_URL outside a request."""
    if has_request_context():
        return url_for(endpoint, _external=True, **values)
    with current_app.test_request_context(base_url=current_app.config["PORTAL_URL"]):
        return url_for(endpoint, _external=True, **values)

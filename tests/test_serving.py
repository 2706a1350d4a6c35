"""A gunicorn worker's preparation before its first request (gunicorn.conf.py, portal/serving.py)."""
import gc

from portal.serving import prepare_worker


def test_prepare_worker_compiles_the_page_templates_and_freezes_start_up_objects(app):
    cache = app.jinja_env.cache
    cache.clear()
    try:
        compiled = prepare_worker(app)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
    assert compiled > 50
    cached = {key[1] for key in cache.keys()}
    assert {"layout.html", "commissioning/dashboard.html", "govuk_frontend_jinja/template.html"} <= cached

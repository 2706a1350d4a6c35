"""gunicorn's settings for the portal (read from the working directory: `gunicorn wsgi:app`)."""


def post_worker_init(worker):
    """Each worker compiles the templates and sets its start-up objects aside before serving (portal/serving.py)."""
    from portal.serving import prepare_worker

    prepare_worker(worker.wsgi)

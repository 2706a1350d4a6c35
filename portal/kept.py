"""Page parts each worker keeps between requests while nothing they show can have changed.

Each store is a dict in app.extensions, keyed by page and checked on every view against the council's newest
audit event (commissioning.dashboard.COUNCIL_HEAD) or against data that cannot change; every module that keeps
parts names its store in its own KEPT. forget() empties them all: each test's data is new, and the benchmark
measures what a page costs made afresh, as on its first view after any change in the council.
"""


def stores() -> tuple[str, ...]:
    """The app.extensions keys of every store of kept page parts."""
    from portal.commissioning import dashboard, round_page
    from portal.evaluation import kept, work_list

    return dashboard.KEPT, round_page.KEPT, work_list.KEPT, kept.KEPT


def forget(app) -> None:
    """Empty every store of kept page parts of this worker, the audit log's kept summaries and the public
    call-off lists kept rendered (portal.publication.cache) too."""
    from portal.audit.services import forget_summaries
    from portal.publication.cache import pages

    for name in stores():
        app.extensions.pop(name, None)
    forget_summaries()
    pages.clear()

"""Counting SQL queries: one counter the query-count tests and the benchmark's X-Query-Count header share.

Off by default. The header is added only when the app's QUERY_COUNT_HEADER setting is true (the bench
configuration); the baseline page exists only when BENCH_BASELINE is true. Production sets neither.
"""
from contextlib import contextmanager

from flask import Flask, Response, g, has_app_context, render_template, request
from sqlalchemy import event, text
from sqlalchemy.engine import Engine

_listening = False
#: open counting blocks (tests); each is a one-item list holding its count
_blocks: list[list[int]] = []


def _before_cursor_execute(conn, cursor, statement, parameters, context, executemany):
    for block in _blocks:
        block[0] += 1
    if has_app_context() and "query_count" in g:
        g.query_count += 1


def _listen() -> None:
    global _listening
    if not _listening:
        event.listen(Engine, "before_cursor_execute", _before_cursor_execute)
        _listening = True


@contextmanager
def count_queries():
    """with count_queries() as counted: ...; counted[0] is the number of SQL statements sent."""
    _listen()
    counted = [0]
    _blocks.append(counted)
    try:
        yield counted
    finally:
        _blocks.remove(counted)


def init_app(app: Flask) -> None:
    """X-Query-Count on every response, and the benchmark's baseline page, when the settings ask for them."""
    if app.config.get("QUERY_COUNT_HEADER"):
        _listen()

        def start_counting():
            g.query_count = 0

        # first of all the request hooks, so the queries of signing the user in and checking the session (and
        # any other hook registered before this one) are counted as the page's too
        app.before_request_funcs.setdefault(None, []).insert(0, start_counting)

        @app.after_request
        def query_count_header(response: Response) -> Response:
            # a streamed download's header goes out before its rows are read: it counts the queries so far
            response.headers["X-Query-Count"] = str(g.get("query_count", 0))
            return response

    if app.config.get("BENCH_BASELINE"):
        from portal.extensions import csrf, db

        @app.route("/_bench/baseline")
        @csrf.exempt
        def bench_baseline():
            """The benchmark's yardstick: a page that only runs `queries` trivial SQL statements.

            With layout=1 it also renders the portal's empty page layout (header, footer, GOV.UK template):
            the least any HTML page of the portal costs.
            """
            queries = min(request.args.get("queries", 0, type=int), 1000)
            for _ in range(queries):
                db.session.execute(text("SELECT 1")).scalar()
            db.session.commit()
            if request.args.get("layout"):
                return render_template("layout.html", title="Baseline")
            return Response(f"baseline: {queries} queries\n", mimetype="text/plain")

        @app.route("/_bench/forget")
        @csrf.exempt
        def bench_forget():
            """The benchmark's way to see a page made afresh, as on its first view after any change in the
            council: this worker forgets every page part it keeps (portal.kept)."""
            from portal.kept import forget

            forget(app)
            return Response("forgotten\n", mimetype="text/plain")

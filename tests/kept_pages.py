"""Checks for the pages whose parts each worker keeps (portal.kept): a page shown again, as kept, is byte for byte
the page made afresh with nothing kept."""
import re

from portal.kept import forget
from portal.querycount import count_queries

NONCE = re.compile(r'nonce="[^"]+"')


def page_at(client, url: str, start: str | None = None) -> str:
    """The page at url (which must be found), its script nonces masked; only from `start` to </main> if given."""
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    html = NONCE.sub('nonce="X"', response.get_data(as_text=True))
    return html if start is None else html[html.index(start):html.index("</main>")]


def assert_kept_matches_afresh(app, client, url: str, start: str | None = None) -> str:
    """Show the page twice (the second time as kept), then once more with nothing kept: the three are the same.
    Gives the page."""
    first, again = page_at(client, url, start), page_at(client, url, start)
    forget(app)
    assert first == again == page_at(client, url, start)
    return first


def assert_kept_reads_less(app, db, client, url: str, start: str | None = None) -> tuple[str, int]:
    """Made with nothing kept, shown again as kept in fewer queries, and made afresh once more: the same page.
    Gives the page and the number of queries it took made afresh."""
    forget(app)
    db.session.expire_all()  # as after any commit: each request loads the signed-in user afresh
    with count_queries() as made:
        first = page_at(client, url, start)
    with count_queries() as kept:
        assert page_at(client, url, start) == first
    assert kept[0] < made[0], (made[0], kept[0])
    forget(app)
    assert page_at(client, url, start) == first
    return first, made[0]

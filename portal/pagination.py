"""Pages of lists for the pagination macro: of plain rows (Core selects), for lists that need no ORM objects; and
of rows read by the caller, out of a total it already knows; and the pagination macro's links, written in Python."""
from flask_sqlalchemy.pagination import Pagination, SelectPagination
from markupsafe import Markup

from portal.govuk_markup import govuk_pagination
from portal.urls import ID, url_pattern


class RowPagination(SelectPagination):
    """flask_sqlalchemy's pagination of a select, with whole rows as its items (its own gives each row's first
    column). Made like db.paginate: RowPagination(select=..., session=db.session, page=..., per_page=...)."""

    def _query_items(self) -> list:
        select = self._query_args["select"].limit(self.per_page).offset(self._query_offset)
        return self._query_args["session"].execute(select).all()


class KnownTotalPagination(Pagination):
    """A page of items read by `read(offset, limit)`, out of a `total` already counted (no count query), or
    counted by calling it (after the items, as flask_sqlalchemy counts).
    Made like RowPagination: KnownTotalPagination(page=..., per_page=..., read=..., total=...)."""

    def _query_items(self):
        return self._query_args["read"](self._query_offset, self.per_page)

    def _query_count(self):
        total = self._query_args["total"]
        return total() if callable(total) else total

    @classmethod
    def of_list(cls, items: list, page: int, per_page: int) -> "KnownTotalPagination":
        """A page of a list already read whole."""
        return cls(page=page, per_page=per_page, read=lambda offset, limit: items[offset:offset + limit],
                   total=len(items))


def pagination_markup(page: Pagination, endpoint: str, args: dict | None = None, label: str = "Pages") -> Markup:
    """What publication/_pagination.html's pagination macro writes for this page (with its leading spaces and
    line break), written in Python: one url_for for every page's link."""
    if page.pages <= 1:
        return Markup("")
    link = url_pattern(endpoint, page=ID, **(args or {}))
    current = page.page
    items = [{"number": number, "href": link.format(number), "current": number == current} if number
             else {"ellipsis": True}
             for number in page.iter_pages(left_edge=1, left_current=1, right_current=1, right_edge=1)]
    return Markup("  ") + govuk_pagination({
        "landmarkLabel": label,
        "previous": {"href": link.format(page.prev_num)} if page.has_prev else None,
        "next": {"href": link.format(page.next_num)} if page.has_next else None,
        "items": items,
    }) + Markup("\n")

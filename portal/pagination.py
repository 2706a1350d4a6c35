"""Pages of lists for the pagination macro: of plain rows (Core selects), for lists that need no ORM objects; and
of rows read by the caller, out of a total it already knows."""
from flask_sqlalchemy.pagination import Pagination, SelectPagination


class RowPagination(SelectPagination):
    """flask_sqlalchemy's pagination of a select, with whole rows as its items (its own gives each row's first
    column). Made like db.paginate: RowPagination(select=..., session=db.session, page=..., per_page=...)."""

    def _query_items(self) -> list:
        select = self._query_args["select"].limit(self.per_page).offset(self._query_offset)
        return self._query_args["session"].execute(select).all()


class KnownTotalPagination(Pagination):
    """A page of items read by `read(offset, limit)`, out of a `total` already counted (no count query).
    Made like RowPagination: KnownTotalPagination(page=..., per_page=..., read=..., total=...)."""

    def _query_items(self):
        return self._query_args["read"](self._query_offset, self.per_page)

    def _query_count(self):
        return self._query_args["total"]

    @classmethod
    def of_list(cls, items: list, page: int, per_page: int) -> "KnownTotalPagination":
        """A page of a list already read whole."""
        return cls(page=page, per_page=per_page, read=lambda offset, limit: items[offset:offset + limit],
                   total=len(items))

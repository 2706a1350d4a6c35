"""Pages of plain rows (Core selects), for lists that need no ORM objects."""
from flask_sqlalchemy.pagination import SelectPagination


class RowPagination(SelectPagination):
    """flask_sqlalchemy's pagination of a select, with whole rows as its items (its own gives each row's first
    column). Made like db.paginate: RowPagination(select=..., session=db.session, page=..., per_page=...)."""

    def _query_items(self) -> list:
        select = self._query_args["select"].limit(self.per_page).offset(self._query_offset)
        return self._query_args["session"].execute(select).all()

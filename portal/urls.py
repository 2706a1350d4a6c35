"""Links for lists written in Python: one url_for call for a column's links rather than one a row."""
from flask import url_for

#: a number no id reaches: url_pattern's stand-in for the id each row puts in
ID = 987654321987


def url_pattern(endpoint: str, **values) -> str:
    """url_for's link for the endpoint, with `{}` where a value given as ID goes: `pattern.format(row_id)` is
    then each row's link."""
    return url_for(endpoint, **values).replace(str(ID), "{}")

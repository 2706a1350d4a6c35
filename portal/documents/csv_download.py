"""The one way the portal sends a CSV file: streamed row by row, every cell safe from spreadsheet formulas."""
import csv
import io

from flask import Response, stream_with_context

#: a spreadsheet treats a cell starting with one of these as a formula (OWASP "CSV injection")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value) -> str:
    """value as CSV cell text that a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


_FORMULA_FIRST = frozenset(FORMULA_STARTS)
#: what makes the csv module quote a cell (its default dialect, QUOTE_MINIMAL)
_NEEDS_QUOTES = (",", '"', "\r", "\n")


def csv_cell(value) -> str:
    """One cell as csv.writer writes it (quoted only when it must be), safe from spreadsheet formulas.

    For cells written ahead of time (the audit log's stored export cells): joined with "," and ended with
    "\r\n" they make the line csv.writer would write.
    """
    text = csv_safe(value)
    for char in _NEEDS_QUOTES:
        if char in text:
            return '"' + text.replace('"', '""') + '"'
    return text


def csv_line(row) -> str:
    """A whole row as csv.writer writes it, with its line break."""
    return ",".join(map(csv_cell, row)) + "\r\n"


def _safe_row(row):
    """The row with csv_safe applied to every cell; the row itself when no cell needs it (most rows of a long
    export: checking costs less than building a new row)."""
    for value in row:
        kind = type(value)
        if kind is str:
            if value[:1] in _FORMULA_FIRST:
                break
        elif kind is not int or value < 0:
            break
    else:
        return row
    return [csv_safe(value) for value in row]


def csv_download(rows, filename: str, batch_size: int = 500) -> Response:
    """A streamed CSV attachment of rows (an iterable of sequences, header first).

    Rows go out a batch at a time: one chunk per row spends more time passing chunks to the server than
    writing them, on an export of a hundred thousand audit events.
    """

    def generate():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        # a byte order mark, so spreadsheet programs read the names as UTF-8
        yield "\ufeff"
        batch = []
        for row in rows:
            batch.append(_safe_row(row))
            if len(batch) >= batch_size:
                writer.writerows(batch)
                batch.clear()
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate(0)
        if batch:
            writer.writerows(batch)
            yield buffer.getvalue()

    return _attachment(generate(), filename)


def csv_text_download(chunks, filename: str) -> Response:
    """A streamed CSV attachment of text already written as CSV lines (see csv_line), in chunks."""

    def generate():
        yield "\ufeff"
        yield from chunks

    return _attachment(generate(), filename)


def _attachment(chunks, filename: str) -> Response:
    response = Response(stream_with_context(chunks), mimetype="text/csv")
    response.headers.set("Content-Disposition", "attachment", filename=filename)
    return response

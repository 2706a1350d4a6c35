"""The portal's Excel writer (portal/documents/xlsx.py): what goes in reads back, typed, and it streams."""
import io
import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from portal.documents import xlsx


def workbook(sheets):
    return load_workbook(io.BytesIO(b"".join(xlsx.workbook_stream(sheets, title="Test"))))


def test_cells_read_back_with_their_types_and_formats(app):
    rows = [("Hales Group Limited", 1, Decimal("19.65"), date(2026, 4, 30), 2.5, True, None, ""),
            ("DIAL Peterborough", 22, Decimal("18.00"), date(1999, 12, 31), -1, False, "x", "y")]
    with app.app_context():
        book = workbook([xlsx.Sheet("List", rows, heading=("Name", "Lot", "Rate", "On", "F", "B", "N", "E"), widths=(30, 8)),
                         xlsx.Sheet("About", [("Only text",), (), ("after a blank row",)])])
    assert book.sheetnames == ["List", "About"]
    sheet = book["List"]
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == ("Name", "Lot", "Rate", "On", "F", "B", "N", "E")
    assert values[1] == ("Hales Group Limited", 1, 19.65, datetime(2026, 4, 30), 2.5, True, None, None)
    assert values[2] == ("DIAL Peterborough", 22, 18, datetime(1999, 12, 31), -1, False, "x", "y")
    assert sheet["A1"].font.b and not sheet["A2"].font.b
    assert sheet.freeze_panes == "A2"
    assert sheet["C2"].number_format == "0.00" and sheet["D2"].number_format == "yyyy-mm-dd"
    assert list(book["About"].iter_rows(values_only=True)) == [("Only text",), (None,), ("after a blank row",)]
    assert book["About"].freeze_panes is None


def test_text_stays_text_whatever_it_holds(app):
    tricky = ["=SUM(A1:A2)", "+44 1733", "-5", "@cmd", "Smith & Sons <Care>", '"quoted"', "  leading and trailing  ",
              "café £16.20 — ok", "bell\x07 and null\x00 dropped", "line one\nline two"]
    with app.app_context():
        sheet = workbook([xlsx.Sheet("Text", [(text,) for text in tricky])])["Text"]
    cells = [row[0] for row in sheet.iter_rows()]
    assert [cell.value for cell in cells] == tricky[:8] + ["bell and null dropped", "line one\nline two"]
    assert {cell.data_type for cell in cells} == {"s"}  # never a formula


def test_datetimes_are_shown_in_uk_time(app):
    with app.app_context():
        sheet = workbook([xlsx.Sheet("Times", [(datetime(2026, 7, 1, 8, 30, tzinfo=UTC),)])])["Times"]
    assert sheet["A1"].value == datetime(2026, 7, 1, 9, 30)  # British Summer Time


def test_a_value_a_spreadsheet_cannot_hold_is_refused(app):
    with app.app_context(), pytest.raises(TypeError, match="cannot hold dict"):
        b"".join(xlsx.workbook_stream([xlsx.Sheet("Bad", [({"a": 1},)])]))


def test_rows_stream_out_a_batch_at_a_time(app):
    """The file comes out while rows are still being read: a long list is never held whole."""
    read = []

    def rows():
        for n in range(5000):
            read.append(n)
            yield (f"Provider {n}", n, Decimal("17.50"), date(2026, 1, 1))

    with app.app_context():
        chunks = xlsx.workbook_stream([xlsx.Sheet("Long", rows(), heading=("Name", "N", "Rate", "On"))],
                                      batch_size=500)
        sizes_when_written = []
        data = b""
        for chunk in chunks:
            data += chunk
            sizes_when_written.append(len(read))
    assert sizes_when_written[1] < 1000  # the first rows were sent before the 1,000th was read
    assert zipfile.ZipFile(io.BytesIO(data)).testzip() is None
    sheet = load_workbook(io.BytesIO(data))["Long"]
    assert sheet.max_row == 5001 and sheet["A5001"].value == "Provider 4999" and sheet["B5001"].value == 4999


def test_column_letters():
    assert [xlsx.column_letters(i) for i in (0, 25, 26, 27, 51, 52, 701, 702)] == [
        "A", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA"]


def test_column_widths(app):
    with app.app_context():
        sheet = workbook([xlsx.Sheet("W", [("a", "b", "c")], widths=(30, 8))])["W"]
    assert sheet.column_dimensions["A"].width == 30 and sheet.column_dimensions["B"].width == 8

"""The one CSV writer: every cell safe from spreadsheet formulas, whatever the row is made of."""
import csv
import io

from portal.documents.csv_download import csv_download


def read(app, rows):
    with app.test_request_context():
        response = csv_download(rows, "test.csv", batch_size=2)
        assert response.is_streamed
        text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def test_formula_cells_are_made_text_and_plain_rows_pass_unchanged(app):
    rows = [("Name", "Number"), ("Hales Group Limited", 12), ("=HYPERLINK(\"x\")", -5), ("+44 1733", None),
            ("@SUM(A1)", 0), ("-1", 3.5), ("\tTabbed", True), ["plain", "row"], ("a,b", 'say "hi"')]
    assert read(app, rows) == [
        ["Name", "Number"], ["Hales Group Limited", "12"], ["'=HYPERLINK(\"x\")", "'-5"], ["'+44 1733", ""],
        ["'@SUM(A1)", "0"], ["'-1", "3.5"], ["'\tTabbed", "True"], ["plain", "row"], ["a,b", 'say "hi"']]

"""The PDF layout: the council's name, the title, the date and page numbers on every page."""
import io
from datetime import date

from pypdf import PdfReader

from portal.documents.pdf import render_pdf


def test_pdf_layout_prints_council_title_date_and_page_numbers(app):
    with app.test_request_context():
        template = app.jinja_env.from_string(
            '{% extends "documents/pdf_layout.html" %}{% block body %}<h1>Report</h1>'
            '{% for i in range(120) %}<p>Line {{ i }}</p>{% endfor %}{% endblock %}')
        pdf = render_pdf(template, authority_name="Cambridgeshire County Council",
                         document_title="Evaluation report", generated_on=date(2026, 6, 1))
    reader = PdfReader(io.BytesIO(pdf))
    pages = len(reader.pages)
    assert pages >= 2
    for number, page in enumerate(reader.pages, start=1):
        text = page.extract_text()
        assert "Cambridgeshire County Council" in text
        assert f"Page {number} of {pages}" in text
        assert "Evaluation report · 1 June 2026" in text

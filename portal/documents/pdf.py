"""PDFs from Jinja templates with WeasyPrint: one place that turns a page of HTML into a document."""
from flask import render_template
from weasyprint import HTML


def render_pdf(template_name, **context) -> bytes:
    """Render a template (a name or a Template) that extends documents/pdf_layout.html and return the PDF's bytes.

    The layout needs `authority_name`, `document_title` and `generated_on` (a date) in the context;
    it prints them with page numbers in every page's margins.
    """
    html = render_template(template_name, **context)
    # no base_url: the documents fetch nothing from the network or the disk
    return HTML(string=html).write_pdf()

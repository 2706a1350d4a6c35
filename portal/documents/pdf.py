"""PDFs from Jinja templates with WeasyPrint: one place that turns a page of HTML into a document."""
from flask import Response, render_template
from weasyprint import HTML


def render_pdf(template_name, **context) -> bytes:
    """Render a template (a name or a Template) that extends documents/pdf_layout.html and return the PDF's bytes.

    The layout needs `authority_name`, `document_title` and `generated_on` (a date) in the context;
    it prints them with page numbers in every page's margins.
    """
    html = render_template(template_name, **context)
    # no base_url: the documents fetch nothing from the network or the disk
    return HTML(string=html).write_pdf()


def pdf_download(pdf: bytes, filename: str) -> Response:
    """A PDF as a download with its file name (never cached by shared caches)."""
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "Cache-Control": "private, no-store"})

"""PDFs from Jinja templates with WeasyPrint: one place that turns a page of HTML into a document.

The template is rendered here (it may read the database); WeasyPrint then lays the HTML out in a short-lived
child process (forked, so it starts at once with everything already imported) that sends the PDF back and
exits. Laying out a long document takes a few hundred MB that Python keeps after it is freed; in a child the
memory goes back to the system when it ends, and the web worker stays at its size. A child that fails, dies
or takes too long raises PdfRenderError (the request gets the error page), never a hang.
"""
import multiprocessing
import traceback

from flask import Response, current_app, render_template
from weasyprint import HTML

#: seconds a PDF may take before its child process is stopped
DEFAULT_TIMEOUT = 120


class PdfRenderError(RuntimeError):
    """The PDF could not be made: the layout failed, the child process died, or it took too long."""


def html_to_pdf(html: str) -> bytes:
    """The PDF of an HTML document, laid out in this process."""
    # no base_url: the documents fetch nothing from the network or the disk
    return HTML(string=html).write_pdf()


def _render_child(html: str, sender) -> None:
    """In the child process: lay the document out and send back b"ok" + PDF, or b"error" + the traceback."""
    try:
        message = b"ok" + html_to_pdf(html)
    except BaseException:  # noqa: BLE001 - everything goes back to the parent, which raises it
        message = b"error" + traceback.format_exc().encode("utf-8", "replace")
    sender.send_bytes(message)
    sender.close()


def html_to_pdf_in_child(html: str, timeout: float = DEFAULT_TIMEOUT) -> bytes:
    """The PDF of an HTML document, laid out in a forked child process that exits afterwards."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_render_child, args=(html, sender), name="pdf-render", daemon=True)
    child.start()
    sender.close()  # the child holds the only writing end: if it dies, reading ends instead of waiting
    try:
        if not receiver.poll(timeout):
            raise PdfRenderError(f"The PDF took longer than {timeout:g} seconds and was stopped.")
        try:
            message = receiver.recv_bytes()
        except EOFError:
            child.join(5)
            raise PdfRenderError(f"The PDF process ended without a document (exit code {child.exitcode}).") from None
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()
        child.join()
    if message.startswith(b"ok"):
        return message[2:]
    raise PdfRenderError("The PDF could not be laid out:\n" + message[5:].decode("utf-8", "replace"))


def render_pdf(template_name, **context) -> bytes:
    """Render a template (a name or a Template) that extends documents/pdf_layout.html and return the PDF's bytes.

    The layout needs `authority_name`, `document_title` and `generated_on` (a date) in the context;
    it prints them with page numbers in every page's margins.
    """
    html = render_template(template_name, **context)
    if current_app.config.get("PDF_IN_CHILD_PROCESS", True):
        return html_to_pdf_in_child(html, current_app.config.get("PDF_TIMEOUT_SECONDS", DEFAULT_TIMEOUT))
    return html_to_pdf(html)


def pdf_download(pdf: bytes, filename: str) -> Response:
    """A PDF as a download with its file name (never cached by shared caches)."""
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "Cache-Control": "private, no-store"})

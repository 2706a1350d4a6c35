"""PDFs are laid out in a short-lived child process: the same document comes back, and a failure is an error,
never a hang."""
import io
import os
import time
from datetime import date

import pytest
from pypdf import PdfReader

from portal.documents import pdf as pdf_module
from portal.documents.pdf import PdfRenderError, html_to_pdf, html_to_pdf_in_child, render_pdf

HTML = ("<!DOCTYPE html><html><head><style>@page { size: A4 }</style></head><body><h1>Evaluation report</h1>"
        + "".join(f"<p>Application {n}: admitted</p>" for n in range(200)) + "</body></html>")


def text_of(document: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(document)).pages]


def test_the_child_process_returns_the_same_document():
    in_child, here = html_to_pdf_in_child(HTML), html_to_pdf(HTML)
    assert in_child.startswith(b"%PDF-")
    assert text_of(in_child) == text_of(here)
    assert len(text_of(in_child)) >= 2 and "Application 199: admitted" in text_of(in_child)[-1]


def test_render_pdf_uses_a_child_process_unless_configured_not_to(app, monkeypatch):
    monkeypatch.setitem(app.config, "PDF_IN_CHILD_PROCESS", True)
    calls = []
    monkeypatch.setattr(pdf_module, "html_to_pdf_in_child", lambda html, timeout: calls.append(timeout) or b"%PDF-x")
    with app.test_request_context():
        template = app.jinja_env.from_string('{% extends "documents/pdf_layout.html" %}{% block body %}x{% endblock %}')
        context = dict(authority_name="Cambridgeshire County Council", document_title="T", generated_on=date(2026, 6, 1))
        assert render_pdf(template, **context) == b"%PDF-x" and calls == [120]
        monkeypatch.setitem(app.config, "PDF_IN_CHILD_PROCESS", False)
        assert render_pdf(template, **context).startswith(b"%PDF-1") and calls == [120]


def test_a_layout_error_comes_back_as_an_error_with_its_cause(monkeypatch):
    def broken(html):
        raise ValueError("no such font")

    monkeypatch.setattr(pdf_module, "html_to_pdf", broken)
    with pytest.raises(PdfRenderError, match="could not be laid out") as raised:
        html_to_pdf_in_child(HTML)
    assert "ValueError: no such font" in str(raised.value)


def test_a_child_that_dies_is_an_error(monkeypatch):
    monkeypatch.setattr(pdf_module, "html_to_pdf", lambda html: os._exit(3))
    with pytest.raises(PdfRenderError, match="exit code 3"):
        html_to_pdf_in_child(HTML)


def test_a_child_that_takes_too_long_is_stopped(monkeypatch):
    monkeypatch.setattr(pdf_module, "html_to_pdf", lambda html: time.sleep(30))
    started = time.monotonic()
    with pytest.raises(PdfRenderError, match="longer than 0.5 seconds"):
        html_to_pdf_in_child(HTML, timeout=0.5)
    assert time.monotonic() - started < 10

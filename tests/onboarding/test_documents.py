"""Documents: what a file really is, storing it with its row (or neither), who may download it, and the pages."""
import io
import re
import zipfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.commissioning import services as commissioning
from portal.commissioning.models import StandardKind
from portal.core import DomainError
from portal.demo import complete_application, sample_pdf
from portal.evaluation import services as evaluation
from portal.onboarding import services as onboarding
from portal.onboarding.models import Document, TaskStatus, application_tasks
from portal.onboarding.uploads import DOCX, JPEG, PDF, PNG, XLSX, sniff_file_type

PDF_BYTES = sample_pdf("Certificate of insurance")
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG_BYTES = b"\xff\xd8\xff\xe0" + b"\x00" * 64
EXPIRES = date(2027, 3, 31)


def office_file(folder: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(f"{folder}/document.xml", "<document/>")
    return buffer.getvalue()


def plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    return buffer.getvalue()


def text(response):
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def stored_files(app) -> list[Path]:
    return sorted(Path(app.config["UPLOAD_FOLDER"]).glob("*"))


@pytest.fixture(autouse=True)
def empty_upload_folder(app):
    for path in stored_files(app):
        path.unlink()
    yield


@pytest.fixture()
def insurance(db, system, council):
    """Lot 1 asks for insurance certificates with their expiry date."""
    standard = commissioning.add_standard(system.lots[0], council.commissioner, kind=StandardKind.document,
                                          title="Insurance certificates",
                                          description="Employer's and public liability, at least £5 million.")
    standard.needs_expiry_date = True
    db.session.commit()
    return standard


@pytest.fixture()
def draft(db, system, insurance, make_round, make_provider):
    """A provider's draft for Lot 1 with every section done except the insurance certificates."""
    provider = make_provider()
    application = onboarding.start_application(make_round(), provider)
    onboarding.choose_lots(application, provider, {system.lots[0].id: [z.id for z in system.zones]})
    db.session.commit()
    return application, provider


def upload(application, standard, provider, data=PDF_BYTES, filename="Insurance 2026.pdf", expires_on=EXPIRES,
           **kwargs):
    return onboarding.upload_document(application, standard, provider, data=data, filename=filename,
                                      expires_on=expires_on, **kwargs)


# ---- what a file is


@pytest.mark.parametrize("data, expected", [
    (PDF_BYTES, PDF), (PNG_BYTES, PNG), (JPEG_BYTES, JPEG), (office_file("word"), DOCX), (office_file("xl"), XLSX),
    (plain_zip(), None), (b"PK\x03\x04 not really a zip", None), (b"MZ\x90\x00 a program", None),
    (b"<html><script>alert(1)</script>", None), (b"Dear council, our insurance...", None),
])
def test_the_type_is_read_from_the_bytes(data, expected):
    assert sniff_file_type(data) is expected


# ---- storing


def test_a_document_is_stored_outside_the_web_root_under_a_random_name(app, db, draft, insurance):
    application, provider = draft
    document = upload(application, insurance, provider, filename="C:\\Users\\sam\\Insurance 2026.pdf")
    db.session.commit()
    assert document.original_filename == "Insurance 2026.pdf"
    assert document.download_name == "Insurance_2026.pdf"
    assert (document.content_type, document.size_bytes, document.expires_on) == ("application/pdf", len(PDF_BYTES),
                                                                                  EXPIRES)
    [path] = stored_files(app)
    assert path.name == document.stored_name and re.fullmatch(r"[0-9a-f]{32}", path.name)
    assert path.read_bytes() == PDF_BYTES
    assert not str(path).startswith(app.static_folder)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "document.uploaded"))
    assert event.after["sha256"] == document.sha256 and event.after["type"] == "pdf"


def test_a_png_named_pdf_is_stored_as_a_png(db, draft, insurance):
    application, provider = draft
    document = upload(application, insurance, provider, data=PNG_BYTES, filename="scan.pdf")
    assert document.content_type == "image/png" and document.download_name == "scan.png"


@pytest.mark.parametrize("data, filename, expires_on, extra, field, message", [
    (b"This is not a PDF at all", "insurance.pdf", EXPIRES, {}, "file",
     "The selected file must be a PDF, Word document (DOCX), Excel spreadsheet (XLSX), PNG or JPEG."),
    (plain_zip(), "policy.docx", EXPIRES, {}, "file", "The selected file must be a PDF"),
    (b"", "insurance.pdf", EXPIRES, {}, "file", "The selected file is empty."),
    (PDF_BYTES, "insurance.pdf", None, {}, "expires_on", "Enter the date the certificate expires."),
    (PDF_BYTES, "insurance.pdf", date(2026, 5, 31), {}, "expires_on",
     "The expiry date must be today or in the future: this certificate expired on 31 May 2026."),
    (PDF_BYTES, "insurance.pdf", EXPIRES, {"confidential": True, "confidential_reason": "  "},
     "confidential_reason", "Enter why this document is confidential."),
])
def test_refused_uploads_leave_no_row_and_no_file(app, db, draft, insurance, data, filename, expires_on, extra,
                                                  field, message):
    application, provider = draft
    with pytest.raises(onboarding.UploadRefused) as refused:
        upload(application, insurance, provider, data=data, filename=filename, expires_on=expires_on, **extra)
    assert refused.value.field == field and str(refused.value).startswith(message)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Document)) == 0
    assert stored_files(app) == []


def test_an_oversized_file_is_refused(app, db, draft, insurance, monkeypatch):
    application, provider = draft
    monkeypatch.setitem(app.config, "UPLOAD_MAX_BYTES", 1024 * 1024)
    with pytest.raises(onboarding.UploadRefused, match="^The selected file must be smaller than 1 MB.$"):
        upload(application, insurance, provider, data=b"%PDF-" + b"0" * (1024 * 1024))
    assert stored_files(app) == []


def test_the_expiry_date_is_optional_where_the_standard_does_not_need_it(db, draft, system):
    application, provider = draft
    evidence = next(s for s in system.lots[0].standards if s.kind is StandardKind.evidence)
    document = upload(application, evidence, provider, data=office_file("word"), filename="Care planning policy.docx",
                      expires_on=None)
    assert document.expires_on is None and document.content_type == DOCX.content_type


def test_declarations_take_no_documents(db, draft, system):
    application, provider = draft
    declaration = next(s for s in system.lots[0].standards if s.kind is StandardKind.declaration)
    with pytest.raises(DomainError, match="does not take documents"):
        upload(application, declaration, provider)


def test_the_file_is_deleted_when_the_transaction_rolls_back(app, db, draft, insurance):
    application, provider = draft
    upload(application, insurance, provider)
    assert len(stored_files(app)) == 1
    db.session.rollback()  # e.g. the request failed after the service returned
    assert stored_files(app) == []
    assert db.session.scalar(select(func.count()).select_from(Document)) == 0


def test_the_file_is_deleted_when_storing_the_row_fails(app, db, draft, insurance, monkeypatch):
    application, provider = draft

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(onboarding, "record_event", broken)
    with pytest.raises(RuntimeError):
        upload(application, insurance, provider)
    db.session.rollback()
    assert stored_files(app) == []


def test_a_removed_documents_file_goes_only_once_the_removal_is_committed(app, db, draft, insurance):
    application, provider = draft
    document = upload(application, insurance, provider)
    db.session.commit()
    onboarding.remove_document(document, provider)
    db.session.rollback()
    assert len(stored_files(app)) == 1  # the removal did not happen, so the file stays
    document = db.session.get(Document, document.id)
    onboarding.remove_document(document, provider)
    db.session.commit()
    assert stored_files(app) == []
    assert db.session.scalar(select(func.count()).select_from(Document)) == 0


def test_documents_cannot_be_removed_once_submitted(db, system, insurance, make_round, make_provider):
    provider = make_provider()
    application = complete_application(make_round(), provider, lots=[system.lots[0]])
    onboarding.submit_application(application, provider, declaration_confirmed=True)
    [document] = application.documents
    with pytest.raises(DomainError, match="^This application is submitted, so it cannot be changed"):
        onboarding.remove_document(document, provider)


# ---- the task list


def insurance_status(application):
    return next(t["status"] for t in application_tasks(application) if t["title"] == "Insurance certificates")


def test_the_required_document_is_complete_only_with_a_valid_document(db, draft, insurance, frozen_clock):
    application, provider = draft
    assert insurance_status(application) is TaskStatus.not_started
    upload(application, insurance, provider, expires_on=date(2026, 6, 30))
    assert insurance_status(application) is TaskStatus.completed
    frozen_clock.move_to(frozen_clock.now + timedelta(days=30))  # 1 July 2026: the certificate has expired
    assert insurance_status(application) is TaskStatus.in_progress


def test_submission_is_refused_when_the_only_certificate_has_expired(db, system, insurance, make_round,
                                                                      make_provider, frozen_clock):
    provider = make_provider()
    application = complete_application(make_round(closes_in=timedelta(days=60)), provider, lots=[system.lots[0]])
    [document] = application.documents
    document.expires_on = date(2026, 6, 10)
    frozen_clock.move_to(frozen_clock.now + timedelta(days=10))
    with pytest.raises(DomainError, match="Still to do: Insurance certificates"):
        onboarding.submit_application(application, provider, declaration_confirmed=True)


# ---- the pages


def test_uploading_through_the_page(app, client, db, login, draft, insurance):
    application, provider = draft
    login(provider)
    page = text(client.get(f"/provider/applications/{application.id}/standards/{insurance.id}"))
    assert "No documents uploaded." in page and "Upload a document" in page
    url = f"/provider/applications/{application.id}/standards/{insurance.id}/documents/new"
    form = text(client.get(url))
    assert 'type="file"' in form and 'accept=".pdf,.docx,.xlsx,.png,.jpg,.jpeg"' in form
    r = client.post(url, data={"file": (io.BytesIO(PDF_BYTES), "Public liability.pdf"),
                               "expires_on": ["31", "3", "2027"], "confidential": "y",
                               "confidential_reason": "Shows our premium."}, content_type="multipart/form-data")
    assert r.status_code == 302
    page = text(client.get(r.location))
    assert "Public liability.pdf is uploaded." in page
    assert "Expires on 31 March 2027" in page and "Confidential" in page and "Shows our premium." in page
    tasks = text(client.get(f"/provider/applications/{application.id}"))
    assert re.search(r"Insurance certificates</a> </div> <div class=\"govuk-task-list__status\" [^>]*> Completed", tasks)


@pytest.mark.parametrize("data, filename, day, message", [
    (b"GIF89a not accepted", "insurance.pdf", "31",
     "The selected file must be a PDF, Word document (DOCX), Excel spreadsheet (XLSX), PNG or JPEG"),
    (b"", "insurance.pdf", "31", "The selected file is empty"),
    (PDF_BYTES, "insurance.pdf", "", "Enter the date the certificate expires"),
    (PDF_BYTES, "insurance.pdf", "32", "Enter a real expiry date, for example 31 3 2027"),
    (None, None, "31", "Select a file to upload"),
])
def test_refusals_on_the_page_say_how_to_fix_them(app, client, db, login, draft, insurance, data, filename, day,
                                                   message):
    application, provider = draft
    login(provider)
    payload = {"expires_on": [day, "3" if day else "", "2027" if day else ""]}
    if data is not None:
        payload["file"] = (io.BytesIO(data), filename)
    r = client.post(f"/provider/applications/{application.id}/standards/{insurance.id}/documents/new",
                    data=payload, content_type="multipart/form-data")
    page = text(r)
    assert r.status_code == 200
    assert "<title>Error: " in page and "There is a problem" in page and message in page
    assert stored_files(app) == [] and not application.documents


def test_a_request_over_the_size_limit_gets_a_clear_page(app, client, db, login, draft, insurance, monkeypatch):
    application, provider = draft
    monkeypatch.setitem(app.config, "UPLOAD_MAX_BYTES", 100 * 1024)
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 150 * 1024)
    login(provider)
    url = f"/provider/applications/{application.id}/standards/{insurance.id}/documents/new"
    r = client.post(url, data={"file": (io.BytesIO(b"%PDF-" + b"0" * 200 * 1024), "big.pdf"),
                               "expires_on": ["31", "3", "2027"]}, content_type="multipart/form-data")
    assert r.status_code == 413
    page = text(r)
    assert "The file is too big" in page and "bigger than 0.1 MB" in page and f'href="{url}"' in page
    # a little over the limit but under the request size: the form says so against the field
    r = client.post(url, data={"file": (io.BytesIO(b"%PDF-" + b"0" * 110 * 1024), "big.pdf"),
                               "expires_on": ["31", "3", "2027"]}, content_type="multipart/form-data")
    assert r.status_code == 200 and "The selected file must be smaller than 0.1 MB" in text(r)
    assert stored_files(app) == []


def test_removing_through_the_page(app, client, db, login, draft, insurance):
    application, provider = draft
    document = upload(application, insurance, provider)
    db.session.commit()
    login(provider)
    r = client.post(f"/provider/applications/{application.id}/documents/{document.id}/remove")
    assert r.status_code == 302
    assert "Insurance 2026.pdf is removed." in text(client.get(r.location))
    assert stored_files(app) == []


def test_check_your_answers_lists_the_documents(client, db, login, system, insurance, make_round, make_provider):
    provider = make_provider()
    application = complete_application(make_round(), provider, lots=[system.lots[0]])
    db.session.commit()
    login(provider)
    page = text(client.get(f"/provider/applications/{application.id}/check"))
    [document] = application.documents
    assert f'href="/provider/documents/{document.id}"' in page and "Insurance certificate.pdf" in page


# ---- downloading: who may


@pytest.fixture()
def submitted(db, system, insurance, make_round, make_provider):
    provider = make_provider("Bloomsbury Home Care LTD")
    round_ = make_round()
    application = complete_application(round_, provider, lots=[system.lots[0]])
    onboarding.submit_application(application, provider, declaration_confirmed=True)
    db.session.commit()
    return application, provider, application.documents[0]


def test_the_provider_downloads_its_own_document_as_an_attachment(client, login, submitted):
    application, provider, document = submitted
    login(provider)
    r = client.get(f"/provider/documents/{document.id}")
    assert r.status_code == 200 and r.data == document_bytes(document)
    assert r.headers["Content-Type"] == "application/pdf"
    assert r.headers["Content-Disposition"] == 'attachment; filename=Insurance_certificate.pdf'
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in r.headers["Cache-Control"]


def document_bytes(document):
    from flask import current_app

    return (Path(current_app.config["UPLOAD_FOLDER"]) / document.stored_name).read_bytes()


def test_who_may_download_before_and_after_close(client, db, login, council, submitted, make_provider, frozen_clock):
    application, provider, document = submitted
    url = f"/provider/documents/{document.id}"
    stranger = make_provider()

    def status(user):
        client.post("/sign-out")
        if user is not None:
            login(user)
        return client.get(url).status_code

    assert status(None) == 302  # sent to sign in
    assert status(stranger) == 404
    assert status(council.commissioner) == 404  # sealed until the round closes
    assert status(council.evaluator1) == 404
    frozen_clock.move_to(application.round.closes_at)
    evaluation.assign_evaluators(application.round, council.commissioner,
                                 [council.evaluator1, council.evaluator2, council.panel])
    evaluation.declare_conflicts(application.round, council.evaluator1, {application.organisation_id: (False, "")})
    evaluation.declare_conflicts(application.round, council.evaluator2,
                                 {application.organisation_id: (True, "My sister manages this provider.")})
    evaluation.declare_conflicts(application.round, council.panel, {application.organisation_id: (False, "")})
    db.session.commit()
    assert status(council.commissioner) == 200
    assert status(council.other_commissioner) == 404
    assert status(council.evaluator1) == 200  # assigned, no interest
    assert status(council.evaluator2) == 404  # a declared interest blocks reading
    assert status(council.panel) == 404  # panel members see no documents
    assert status(council.other_evaluator) == 404
    assert status(stranger) == 404
    assert status(provider) == 200
    # the evaluator's scoring page lists the document to download
    login(council.evaluator1)
    assignment = next(a for a in application.assignments if a.evaluator_id == council.evaluator1.id)
    page = text(client.get(f"/evaluation/assignments/{assignment.id}"))
    assert f'href="{url}"' in page and "Insurance certificate.pdf" in page and "Expires on" in page


def test_a_document_whose_file_is_missing_is_not_found(client, login, submitted, app):
    application, provider, document = submitted
    (Path(app.config["UPLOAD_FOLDER"]) / document.stored_name).unlink()
    login(provider)
    assert client.get(f"/provider/documents/{document.id}").status_code == 404

"""Uploaded files: what a file really is (from its bytes), where it is kept, and keeping disk and database in step.

Files live outside the web root, in the UPLOAD_FOLDER, under a random name. A file is written before its
row; if the transaction then rolls back (or the session closes without committing), the file is deleted,
so neither an orphan row nor an orphan file is left. A removed document's file is deleted only once the
removal is committed.
"""
import io
import os
import re
import secrets
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session
from werkzeug.utils import secure_filename

_NEW_FILES = "portal_uploads_written"
_REMOVED_FILES = "portal_uploads_removed"


@dataclass(frozen=True)
class FileType:
    content_type: str
    extension: str
    label: str


PDF = FileType("application/pdf", "pdf", "PDF")
DOCX = FileType("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx", "Word document")
XLSX = FileType("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx", "Excel spreadsheet")
PNG = FileType("image/png", "png", "PNG image")
JPEG = FileType("image/jpeg", "jpg", "JPEG image")
ACCEPTED_TYPES = (PDF, DOCX, XLSX, PNG, JPEG)
#: for the file input's accept attribute: a hint to the browser only; the bytes decide
ACCEPT_ATTRIBUTE = ".pdf,.docx,.xlsx,.png,.jpg,.jpeg"
ACCEPTED_TYPES_SENTENCE = "a PDF, Word document (DOCX), Excel spreadsheet (XLSX), PNG or JPEG"


def megabytes(size: int) -> str:
    """10485760 -> "10 MB"; 1572864 -> "1.5 MB"."""
    return f"{size / (1024 * 1024):.1f}".removesuffix(".0") + " MB"


def sniff_file_type(data: bytes) -> FileType | None:
    """The type a file really is, read from its first bytes (and, for a zip, its entries); None if not accepted.

    The file's name and the browser's stated type are ignored: both are whatever the sender says.
    """
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"PK\x03\x04"):
        # DOCX and XLSX are zip files: look at the entries' names without extracting anything
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, ValueError, OSError):
            return None
        if "[Content_Types].xml" not in names:
            return None
        if any(name.startswith("word/") for name in names):
            return DOCX
        if any(name.startswith("xl/") for name in names):
            return XLSX
    return None


def clean_display_name(filename: str | None) -> str:
    """The name the provider gave the file, without any folder and control characters, at most 200 characters."""
    name = unicodedata.normalize("NFC", filename or "")
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    return name[:200] or "document"


def download_name(display_name: str, file_type: FileType) -> str:
    """A safe file name for the download, ending in the extension of what the file really is."""
    stem = secure_filename(display_name.rsplit(".", 1)[0] if "." in display_name else display_name)
    return f"{(stem or 'document')[:100]}.{file_type.extension}"


def upload_folder() -> Path:
    folder = Path(current_app.config["UPLOAD_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def stored_path(stored_name: str) -> Path:
    if not re.fullmatch(r"[0-9a-f]{32}", stored_name):
        raise ValueError("not a stored file name")
    return upload_folder() / stored_name


def write_file(session: Session, data: bytes) -> str:
    """Write the bytes under a new random name and return the name; deleted again unless the session commits."""
    stored_name = secrets.token_hex(16)
    path = stored_path(stored_name)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    session.info.setdefault(_NEW_FILES, []).append(path)
    return stored_name


def remove_file_after_commit(session: Session, stored_name: str) -> None:
    session.info.setdefault(_REMOVED_FILES, []).append(stored_path(stored_name))


def _unlink(paths) -> None:
    for path in paths:
        try:
            path.unlink()
        except FileNotFoundError:
            pass


@event.listens_for(Session, "after_commit")
def _files_follow_commit(session):
    session.info.pop(_NEW_FILES, None)  # kept: their rows are stored
    _unlink(session.info.pop(_REMOVED_FILES, []))


@event.listens_for(Session, "after_transaction_end")
def _files_follow_rollback(session, transaction):
    if transaction.parent is not None:
        return
    # the outermost transaction ended without a commit (after_commit has emptied these otherwise)
    _unlink(session.info.pop(_NEW_FILES, []))
    session.info.pop(_REMOVED_FILES, None)

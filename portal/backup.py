"""Backups: the whole database (and uploaded files) as one portable zip archive, and back again.

The archive holds `manifest.json` (the format, the Alembic revision, when it was made, each table's row
count in dependency order), one JSON-lines file per table under `tables/`, and the uploaded files under
`uploads/` when the configuration names an UPLOAD_FOLDER. Values are plain JSON: datetimes, dates and
times as ISO 8601, decimals as strings (no rounding), binary as base64, enums by name. Restoring reads
each column's type from the SQLAlchemy table metadata to turn them back, so an archive made on SQLite
restores into PostgreSQL and the other way round.

A restore goes into an empty database migrated to the same revision, in one transaction: it all
arrives or nothing does. On PostgreSQL the id sequences are then moved past the restored ids.
"""
import base64
import enum
import json
import os
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from zipfile import ZIP_DEFLATED, ZipFile

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.types import TypeDecorator

from portal.clock import now
from portal.extensions import db
from portal.publication import cache as list_version

FORMAT = "care-dps-portal-backup/1"
BATCH = 1000
CHAIN_HEAD = "audit_chain_head"
LIST_VERSION = "call_off_list_versions"


class BackupError(Exception):
    """The archive cannot be made or restored; the message says why and what to do."""


@dataclass
class BackupSummary:
    revision: str
    tables: dict[str, int]
    files: int

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


def _tables() -> list[sa.Table]:
    return list(db.metadata.sorted_tables)


def _revision(connection) -> str | None:
    if not sa.inspect(connection).has_table("alembic_version"):
        return None
    revisions = connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalars().all()
    return ",".join(sorted(revisions)) or None


def _upload_folder() -> Path | None:
    folder = current_app.config.get("UPLOAD_FOLDER")
    return Path(folder) if folder else None


# ---- values to JSON and back

def _encode(value):
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, (dict, list)):
        return value  # JSON columns
    raise BackupError(f"Cannot write a value of type {type(value).__name__} to the archive.")


def _base_type(column: sa.Column):
    kind = column.type
    while isinstance(kind, TypeDecorator):
        kind = kind.impl_instance if hasattr(kind, "impl_instance") else kind.impl
    return kind


def _decoder(column: sa.Column):
    """How to turn a column's JSON value back into what its SQLAlchemy type binds."""
    kind = _base_type(column)
    aware = isinstance(column.type, TypeDecorator) and column.type.__class__.__name__ == "UTCDateTime"
    if isinstance(kind, sa.DateTime):
        def to_datetime(text):
            value = datetime.fromisoformat(text)
            if aware and value.tzinfo is None:
                value = value.replace(tzinfo=UTC)
            if not aware and not kind.timezone and value.tzinfo is not None:
                value = value.astimezone(UTC).replace(tzinfo=None)
            if kind.timezone and value.tzinfo is None:
                value = value.replace(tzinfo=UTC)
            return value
        return to_datetime
    if isinstance(kind, sa.Date):
        return date.fromisoformat
    if isinstance(kind, sa.Time):
        return time.fromisoformat
    if isinstance(kind, sa.Interval):
        return lambda seconds: timedelta(seconds=seconds)
    if isinstance(kind, sa.Numeric) and not isinstance(kind, sa.Float):
        return lambda text: Decimal(str(text))
    if isinstance(kind, sa.Boolean):
        return bool
    if isinstance(kind, sa.LargeBinary):
        return lambda text: base64.b64decode(text)
    return None  # strings, integers, floats, enums (by name) and JSON go in as they are


# ---- create

def create_backup(path: str | os.PathLike) -> BackupSummary:
    """Write the whole database (and the uploaded files) to a zip archive at path."""
    connection = db.session.connection()
    revision = _revision(connection)
    if revision is None:
        raise BackupError("This database has no Alembic revision: run `flask db upgrade` before backing it up.")
    counts: dict[str, int] = {}
    files = 0
    target = Path(path)
    partial = target.with_name(target.name + ".partial")
    try:
        with ZipFile(partial, "w", compression=ZIP_DEFLATED, allowZip64=True) as archive:
            for table in _tables():
                count = 0
                order = list(table.primary_key.columns) or list(table.columns)
                rows = connection.execution_options(stream_results=True, yield_per=BATCH).execute(
                    sa.select(table).order_by(*order))
                with archive.open(f"tables/{table.name}.jsonl", "w", force_zip64=True) as out:
                    for row in rows.mappings():
                        record = {name: _encode(value) for name, value in row.items()}
                        out.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
                        out.write(b"\n")
                        count += 1
                counts[table.name] = count
            folder = _upload_folder()
            if folder is not None and folder.is_dir():
                for file in sorted(p for p in folder.rglob("*") if p.is_file()):
                    archive.write(file, "uploads/" + file.relative_to(folder).as_posix())
                    files += 1
            manifest = {
                "format": FORMAT,
                "alembic_revision": revision,
                "created_at": now().isoformat(),
                "database": connection.dialect.name,
                "tables": [{"name": name, "rows": n} for name, n in counts.items()],
                "uploaded_files": files,
            }
            archive.writestr("manifest.json", json.dumps(manifest, indent=2))
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return BackupSummary(revision, counts, files)


# ---- restore

def read_manifest(archive: ZipFile) -> dict:
    try:
        manifest = json.loads(archive.read("manifest.json"))
    except KeyError:
        raise BackupError("This file is not a portal backup: it has no manifest.json.") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"This file is not a portal backup this version can read (format {manifest.get('format')!r}).")
    return manifest


def restore_backup(path: str | os.PathLike) -> BackupSummary:
    """Restore an archive into this empty database, migrated to the archive's revision, in one transaction.

    Commits on success; on any failure rolls back and removes the uploaded files it wrote.
    """
    try:
        archive = ZipFile(path)
    except (OSError, ValueError) as error:
        raise BackupError(f"Cannot open {path} as a zip archive: {error}") from None
    written: list[Path] = []
    with archive:
        manifest = read_manifest(archive)
        connection = db.session.connection()
        revision = _revision(connection)
        if revision is None:
            raise BackupError("This database is not migrated: run `flask db upgrade` first, then restore.")
        if revision != manifest["alembic_revision"]:
            raise BackupError(
                f"The backup was made at database revision {manifest['alembic_revision']} but this database is at "
                f"{revision}. Restore into a database migrated to {manifest['alembic_revision']} "
                f"(`flask db upgrade {manifest['alembic_revision']}`), then upgrade it.")
        tables = {table.name: table for table in _tables()}
        archived = [entry["name"] for entry in manifest["tables"]]
        unknown = [name for name in archived if name not in tables]
        if unknown:
            raise BackupError(f"The backup has tables this portal does not know: {', '.join(unknown)}.")
        not_empty = [name for name in tables if _has_rows(connection, tables[name])]
        if not_empty:
            raise BackupError(
                "Restore only into an empty database (create one and run `flask db upgrade`): "
                f"these tables already have rows: {', '.join(not_empty)}.")
        uploads = [name for name in archive.namelist() if name.startswith("uploads/") and not name.endswith("/")]
        folder = _upload_folder()
        if uploads and folder is None:
            raise BackupError(f"The backup holds {len(uploads)} uploaded file(s): set UPLOAD_FOLDER, then restore.")
        counts: dict[str, int] = {}
        try:
            connection.execute(tables[CHAIN_HEAD].delete())  # the empty chain's head, from the migration
            # the call-off lists' version from the migration goes; the archive's goes back with the archive's rows,
            # unchanged by them (publication/cache.py)
            connection.execute(tables[LIST_VERSION].delete())
            list_version.pause(connection)
            for table in _tables():  # dependency order: parents before children
                if table.name not in archived:
                    continue
                decoders = {column.name: _decoder(column) for column in table.columns}
                decoders = {name: fn for name, fn in decoders.items() if fn is not None}
                count, batch = 0, []
                with archive.open(f"tables/{table.name}.jsonl") as lines:
                    for line in lines:
                        record = json.loads(line)
                        for name, decode in decoders.items():
                            if record.get(name) is not None:
                                record[name] = decode(record[name])
                        batch.append(record)
                        if len(batch) >= BATCH:
                            connection.execute(table.insert(), batch)
                            count, batch = count + len(batch), []
                if batch:
                    connection.execute(table.insert(), batch)
                    count += len(batch)
                expected = next(entry["rows"] for entry in manifest["tables"] if entry["name"] == table.name)
                if count != expected:
                    raise BackupError(f"The archive's {table.name} file has {count} rows but its manifest says "
                                      f"{expected}: the archive is damaged.")
                counts[table.name] = count
            if connection.dialect.name == "postgresql":
                _move_sequences(connection)
            if uploads:
                root = folder.resolve()
                for name in uploads:
                    target = (folder / name.removeprefix("uploads/")).resolve()
                    if root not in target.parents:
                        raise BackupError(f"The archive's file {name} would be written outside UPLOAD_FOLDER.")
                    if target.exists():
                        raise BackupError(f"UPLOAD_FOLDER already has {target.relative_to(root)}: restore into an "
                                          "empty upload folder.")
                    target.parent.mkdir(parents=True, exist_ok=True)
                    with archive.open(name) as source, open(target, "wb") as out:
                        written.append(target)
                        out.write(source.read())
            db.session.commit()
        except Exception:
            db.session.rollback()
            for file in written:
                file.unlink(missing_ok=True)
            raise
    return BackupSummary(manifest["alembic_revision"], counts, len(written))


def _has_rows(connection, table: sa.Table) -> bool:
    query = sa.select(sa.literal(1)).select_from(table)
    if table.name == CHAIN_HEAD:
        query = query.where(table.c.event_count > 0)  # the migrations leave the empty chain's head
    if table.name == LIST_VERSION:
        return False  # the migrations leave the call-off lists' version: not data
    return connection.execute(query.limit(1)).first() is not None


def _move_sequences(connection) -> None:
    """After inserting explicit ids, move each id sequence on so new rows get fresh ids."""
    for table in _tables():
        for column in table.primary_key.columns:
            if not isinstance(_base_type(column), sa.Integer):
                continue
            sequence = connection.execute(sa.text("SELECT pg_get_serial_sequence(:table, :column)"),
                                          {"table": table.name, "column": column.name}).scalar()
            if sequence:
                connection.execute(sa.text(
                    f'SELECT setval(:sequence, COALESCE((SELECT MAX("{column.name}") FROM "{table.name}"), 1), '
                    f'(SELECT MAX("{column.name}") FROM "{table.name}") IS NOT NULL)'), {"sequence": sequence})

"""flask backup create / restore: the whole database round-trips through a portable archive."""
import json
import uuid
from zipfile import ZipFile

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from portal import create_app
from portal.backup import BackupError, create_backup, restore_backup
from portal.extensions import db as _db
from tests.conftest import TEST_DB_URL


def _rows(tables=None):
    """Every table's rows, in primary key order, as plain dicts."""
    connection = _db.session.connection()
    result = {}
    for table in _db.metadata.sorted_tables:
        order = list(table.primary_key.columns) or list(table.columns)
        result[table.name] = [dict(row) for row in connection.execute(sa.select(table).order_by(*order)).mappings()]
    return result


@pytest.fixture(autouse=True)
def own_upload_folder(app, tmp_path, monkeypatch):
    """Each test's own (empty) upload folder, not the folder other tests upload to."""
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path / "uploads"))


@pytest.fixture()
def demo(app, db):
    from portal.demo import load_demo_data

    load_demo_data()
    db.session.commit()
    return _rows()


@pytest.fixture()
def empty_app(tmp_path):
    """A second, empty database migrated to head: SQLite, or a second database on the PostgreSQL server."""
    if not TEST_DB_URL:
        target = create_app("test", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'restored.db'}",
                            UPLOAD_FOLDER=str(tmp_path / "restored-uploads"))
        with target.app_context():
            upgrade()
        yield target
        return
    url = sa.engine.make_url(TEST_DB_URL)
    name = f"restore_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    target = create_app("test", SQLALCHEMY_DATABASE_URI=url.set(database=name).render_as_string(hide_password=False),
                        UPLOAD_FOLDER=str(tmp_path / "restored-uploads"))
    with target.app_context():
        upgrade()
    yield target
    with target.app_context():
        _db.session.remove()
        _db.engine.dispose()
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


def test_a_backup_restores_every_row_into_an_empty_database(app, demo, empty_app, tmp_path):
    archive_path = tmp_path / "portal.zip"
    summary = create_backup(archive_path)
    assert summary.tables["users"] == len(demo["users"]) > 5
    assert summary.tables["audit_events"] == len(demo["audit_events"]) > 0

    with ZipFile(archive_path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        assert manifest["alembic_revision"] == summary.revision
        assert [t["name"] for t in manifest["tables"]] == [t.name for t in _db.metadata.sorted_tables]
        assert sum(1 for _ in archive.open("tables/users.jsonl")) == len(demo["users"])

    with empty_app.app_context():
        restored = restore_backup(archive_path)
        assert restored.rows == summary.rows
        assert _rows() == demo  # every table, every row, every value (datetimes, decimals, JSON, booleans)

        # the audit hash chain survives the trip
        result = empty_app.test_cli_runner().invoke(args=["verify-audit"])
        assert result.exit_code == 0, result.output
        assert f"The audit log is intact: {len(demo['audit_events'])} event(s) checked." in result.output

        # new rows get fresh ids (PostgreSQL's sequences were moved past the restored ids)
        from portal.auth.models import Role
        from portal.demo import create_staff, ensure_authority

        authority = ensure_authority("Peterborough City Council", "peterborough")
        user = create_staff(authority, Role.evaluator, "new.evaluator@pboro.example", "New Evaluator")
        _db.session.commit()
        assert user.id > max(row["id"] for row in demo["users"])
        _db.session.remove()


def test_restore_refuses_a_database_that_has_rows_and_changes_nothing(app, demo, tmp_path):
    archive_path = tmp_path / "portal.zip"
    create_backup(archive_path)
    with pytest.raises(BackupError, match="Restore only into an empty database"):
        restore_backup(archive_path)
    assert _rows() == demo


def test_restore_refuses_a_backup_from_another_revision(app, demo, empty_app, tmp_path):
    archive_path = tmp_path / "portal.zip"
    create_backup(archive_path)
    older = tmp_path / "older.zip"
    with ZipFile(archive_path) as source, ZipFile(older, "w") as out:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "manifest.json":
                manifest = json.loads(data)
                manifest["alembic_revision"] = "0001_foundation"
                data = json.dumps(manifest).encode()
            out.writestr(item, data)
    with empty_app.app_context():
        with pytest.raises(BackupError, match="made at database revision 0001_foundation"):
            restore_backup(older)
        assert _db.session.scalar(sa.text("SELECT COUNT(*) FROM users")) == 0
        _db.session.remove()


def test_a_damaged_archive_restores_nothing(app, demo, empty_app, tmp_path):
    """All or nothing: a bad row late in the archive leaves the database empty."""
    archive_path = tmp_path / "portal.zip"
    create_backup(archive_path)
    damaged = tmp_path / "damaged.zip"
    last = _db.metadata.sorted_tables[-1].name
    with ZipFile(archive_path) as source, ZipFile(damaged, "w") as out:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "manifest.json":
                manifest = json.loads(data)
                for entry in manifest["tables"]:
                    if entry["name"] == last:
                        entry["rows"] += 1
                data = json.dumps(manifest).encode()
            out.writestr(item, data)
    with empty_app.app_context():
        with pytest.raises(BackupError, match="the archive is damaged"):
            restore_backup(damaged)
        assert _db.session.scalar(sa.text("SELECT COUNT(*) FROM users")) == 0
        _db.session.remove()


def test_the_commands_back_up_and_restore_with_uploaded_files(app, demo, empty_app, tmp_path):
    uploads = tmp_path / "uploads"
    (uploads / "documents").mkdir(parents=True)
    (uploads / "documents" / "insurance.pdf").write_bytes(b"%PDF-1.4 certificate")
    app.config["UPLOAD_FOLDER"] = str(uploads)
    archive_path = tmp_path / "portal.zip"
    result = app.test_cli_runner().invoke(args=["backup", "create", str(archive_path)])
    assert result.exit_code == 0, result.output
    files = {p.relative_to(uploads): p.read_bytes() for p in uploads.rglob("*") if p.is_file()}
    assert len(files) >= 1  # the certificate, and any documents the demo providers uploaded
    assert f"and {len(files)} uploaded file(s)" in result.output

    restored_uploads = tmp_path / "restored-uploads"
    empty_app.config["UPLOAD_FOLDER"] = str(restored_uploads)
    with empty_app.app_context():  # the commands run in the current app's context
        result = empty_app.test_cli_runner().invoke(args=["backup", "restore", str(archive_path)])
        assert result.exit_code == 0, result.output
        assert f"Restored {sum(len(rows) for rows in demo.values())} row(s)" in result.output
        assert (restored_uploads / "documents" / "insurance.pdf").read_bytes() == b"%PDF-1.4 certificate"
        assert {p.relative_to(restored_uploads): p.read_bytes()
                for p in restored_uploads.rglob("*") if p.is_file()} == files
        assert _rows() == demo

        again = empty_app.test_cli_runner().invoke(args=["backup", "restore", str(archive_path)])
        assert again.exit_code != 0
        assert "Restore only into an empty database" in again.output
        _db.session.remove()


@pytest.mark.skipif(not TEST_DB_URL, reason="needs PostgreSQL")
def test_a_sqlite_backup_restores_into_postgresql(app, db, empty_app, tmp_path):
    """Moving from a trial on SQLite to PostgreSQL: the archive is portable."""
    from portal.demo import load_demo_data

    source = create_app("test", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'trial.db'}",
                        UPLOAD_FOLDER=str(tmp_path / "trial-uploads"))
    with source.app_context():
        upgrade()
        load_demo_data()
        _db.session.commit()
        on_sqlite = _rows()
        create_backup(tmp_path / "trial.zip")
        _db.session.remove()
        _db.engine.dispose()
    with empty_app.app_context():
        restore_backup(tmp_path / "trial.zip")
        assert _rows() == on_sqlite
        result = empty_app.test_cli_runner().invoke(args=["verify-audit"])
        assert result.exit_code == 0, result.output
        _db.session.remove()

"""flask commands: create accounts and load demo data."""
import click
from flask import Flask
from sqlalchemy import select

from portal.extensions import db


def register_cli(app: Flask) -> None:
    @app.cli.command("demo-data")
    def demo_data():
        """Load the demo council, staff, purchasing system, open round and providers (idempotent)."""
        from portal.demo import load_demo_data

        logins = load_demo_data()
        db.session.commit()
        click.echo("Demo data is ready. Sign in at http://127.0.0.1:5000/sign-in with:")
        password = logins.pop("password (all)")
        for role, email in logins.items():
            click.echo(f"  {role.strip():<28} {email}")
        click.echo(f"  password for every account:  {password}")

    @app.cli.command("generate-data")
    @click.option("--size", type=click.Choice(["small", "large"]), default="small", show_default=True,
                  help="large: 10,000 providers, 40,000 applications over 30 rounds; small: one tenth")
    @click.option("--seed", type=int, default=1, show_default=True, help="the same seed gives the same data")
    @click.option("--known", "known_path", type=click.Path(dir_okay=False),
                  help="write the generated accounts and the ids of the pages to measure to this JSON file")
    def generate_data(size, seed, known_path):
        """Fill an empty database with a national-sized purchasing system, for the benchmark (bench/)."""
        import json
        import time

        from portal.generator import generate

        started = time.monotonic()
        known = generate(size, seed)
        click.echo(f"Generated the {size} data set (seed {seed}) in {time.monotonic() - started:.0f} s.")
        if known_path:
            with open(known_path, "w") as out:
                json.dump(known, out, indent=2)
        for key, value in known.items():
            click.echo(f"  {key:<28} {value}")

    @app.cli.command("send-email")
    def send_email():
        """Send the outbox's waiting emails through SMTP (when MAIL_BACKEND=smtp); run it from cron."""
        from portal.mail.services import deliver_outbox

        sent, failed = deliver_outbox()
        click.echo(f"Sent {sent} email(s); {failed} failed and will be retried.")

    @app.cli.command("verify-audit")
    def verify_audit():
        """Check the audit log's hash chain; report the first changed, inserted or deleted event."""
        from portal.audit.chain import verify_chain

        result = verify_chain()
        if result.ok:
            click.echo(f"The audit log is intact: {result.checked} event(s) checked.")
            return
        click.echo(f"The audit log has been tampered with. {result.problem}", err=True)
        click.echo(f"{result.checked} event(s) before it are intact.", err=True)
        raise SystemExit(1)

    @app.cli.group("backup")
    def backup():
        """Back up the whole database (and uploaded files) to a zip archive, or restore one."""

    @backup.command("create")
    @click.argument("file", type=click.Path(dir_okay=False))
    def backup_create(file):
        """Write the whole database, its Alembic revision and the uploaded files to FILE (a zip)."""
        from portal.backup import BackupError, create_backup

        try:
            summary = create_backup(file)
        except BackupError as error:
            raise click.ClickException(str(error)) from None
        click.echo(f"Backed up {summary.rows} row(s) from {len(summary.tables)} table(s) at revision "
                   f"{summary.revision}, and {summary.files} uploaded file(s), to {file}.")

    @backup.command("restore")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False))
    def backup_restore(file):
        """Restore FILE into this empty database, migrated to the backup's revision (all or nothing)."""
        from portal.backup import BackupError, restore_backup

        try:
            summary = restore_backup(file)
        except BackupError as error:
            raise click.ClickException(str(error)) from None
        click.echo(f"Restored {summary.rows} row(s) into {len(summary.tables)} table(s) at revision "
                   f"{summary.revision}, and {summary.files} uploaded file(s), from {file}.")

    @app.cli.command("send-notifications")
    def send_notifications():
        """Queue due provider emails (round opened, 3-day closing reminder); idempotent, run it from cron."""
        from sqlalchemy.exc import IntegrityError

        from portal.onboarding.notifications import send_due_notifications

        try:
            counts = send_due_notifications()
            db.session.commit()
        except IntegrityError:
            # another run recorded the same notices first: its emails stand, this run's are dropped
            db.session.rollback()
            click.echo("Another run sent these notifications at the same time; nothing more to send.")
            return
        click.echo(f"{counts['rounds_opened']} round(s) opened: {counts['opened_emails']} email(s) to followers. "
                   f"{counts['reminders']} draft(s) closing within 3 days: {counts['reminder_emails']} reminder(s).")

    @app.cli.command("create-commissioner")
    @click.option("--email", required=True)
    @click.option("--name", required=True)
    @click.option("--council", "council_name", required=True, help="The council's name, e.g. Cambridgeshire County Council")
    @click.password_option()
    def create_commissioner(email, name, council_name, password):
        """Create a commissioner account for a council (creating the council if new)."""
        create_staff_account("commissioner", email, name, council_name, password)

    @app.cli.command("create-staff")
    @click.option("--role", type=click.Choice(["commissioner", "evaluator", "panel_member"]), required=True)
    @click.option("--email", required=True)
    @click.option("--name", required=True)
    @click.option("--council", "council_name", required=True)
    @click.password_option()
    def create_staff_command(role, email, name, council_name, password):
        """Create an evaluator, service-user panel member or commissioner account."""
        create_staff_account(role, email, name, council_name, password)


def create_staff_account(role: str, email: str, name: str, council_name: str, password: str) -> None:
    from portal.auth.models import Role, User
    from portal.commissioning.services import slugify
    from portal.demo import create_staff, ensure_authority

    if len(password) < 12:
        raise click.BadParameter("Use a password of at least 12 characters.")
    if db.session.scalar(select(User).filter_by(email=email.strip().lower())):
        raise click.BadParameter(f"An account for {email} already exists.")
    authority = ensure_authority(council_name.strip(), slugify(council_name))
    create_staff(authority, Role(role), email.strip(), name.strip(), password)
    db.session.commit()
    click.echo(f"Created {Role(role).label.lower()} {email} for {authority.name}.")

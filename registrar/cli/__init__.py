"""flask commands: init, demo, staff, event, guest, door, mail, webhooks, token, backup,
restore, passports.

Each parses, calls a service, commits; one module per command group.
"""

from __future__ import annotations

from flask import Flask

from . import backups, door, events, mail, passports, setup, staff, tokens, webhooks


def init_app(app: Flask) -> None:
    app.cli.add_command(setup.init_command)
    app.cli.add_command(setup.demo_command)
    app.cli.add_command(staff.staff_cli)
    app.cli.add_command(events.event_cli)
    app.cli.add_command(events.guest_cli)
    app.cli.add_command(door.door_cli)
    app.cli.add_command(mail.mail_cli)
    app.cli.add_command(webhooks.webhooks_cli)
    app.cli.add_command(tokens.token_cli)
    app.cli.add_command(backups.backup_command)
    app.cli.add_command(backups.restore_command)
    app.cli.add_command(passports.passports_cli)

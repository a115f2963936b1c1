"""`token`: API tokens for scripts and other systems, made, listed and revoked."""

from __future__ import annotations

from datetime import date, datetime

import click
from flask.cli import AppGroup

from ..models import ApiRole, utcnow
from ..services import api_tokens, audit
from .common import commit_or_fail

token_cli = AppGroup("token", help="API tokens: made (shown once), listed, revoked.")


def _day(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not a date like 2027-03-31.") from exc


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "-"


@token_cli.command("create")
@click.option("--name", required=True, help="What the token is for; unique, used to revoke it.")
@click.option(
    "--role",
    type=click.Choice([r.value for r in ApiRole]),
    required=True,
    help="read: GET only; door: the door's operations; organizer: everything of the events.",
)
@click.option(
    "--event",
    "slugs",
    multiple=True,
    required=True,
    metavar="SLUG",
    help="An event the token may touch (repeatable).",
)
@click.option(
    "--account",
    "email",
    metavar="EMAIL",
    help="The account the token acts for (default: the first administrator).",
)
@click.option(
    "--expires", metavar="YYYY-MM-DD", help="Last day the token works, UTC (default: never)."
)
def token_create(name, role, slugs, email, expires):
    """Create an API token and print it, once: it is stored only as a digest.

    The token never does more than its account may for each event; disabling the account, or
    taking it off an event's team, ends what the token may do there.
    """
    expires_on = _day(expires)

    def work() -> api_tokens.Created:
        events = api_tokens.events_by_slug(slugs)
        account = api_tokens.holder(email)
        return api_tokens.create(
            name, ApiRole(role), [e.id for e in events], account, expires_on, audit.SYSTEM
        )

    made = commit_or_fail(work)
    click.echo(made.secret)
    until = f", until the end of {expires_on.isoformat()} (UTC)" if expires_on else ""
    click.echo(
        f"Token “{made.token.name}” ({role}) for {', '.join(slugs)}{until}. "
        "It is shown this once: keep it in a secret store.",
        err=True,
    )


@token_cli.command("list")
def token_list():
    """Every API token: name, role, account, events, expiry, last use, state."""

    def rows() -> list[str]:
        now = utcnow()
        found = api_tokens.listed()
        slugs = api_tokens.event_slugs(found)
        return [
            "\t".join(
                [
                    token.name,
                    token.role.value,
                    token.staff.email,
                    ",".join(slugs[e] for e in token.event_ids if e in slugs),
                    api_tokens.last_day(token.expires_at).isoformat() if token.expires_at else "-",
                    _when(token.last_used_at),
                    api_tokens.state_of(token, now),
                    token.hint,
                ]
            )
            for token in found
        ]

    lines = commit_or_fail(rows)
    if not lines:
        click.echo("No API tokens.")
        return
    click.echo("NAME\tROLE\tACCOUNT\tEVENTS\tLAST DAY (UTC)\tLAST USED\tSTATE\tSTARTS WITH")
    for line in lines:
        click.echo(line)


@token_cli.command("revoke")
@click.argument("name")
def token_revoke(name):
    """End the token NAME now; requests with it are refused from this moment."""
    commit_or_fail(lambda: api_tokens.revoke(api_tokens.find(name), audit.SYSTEM))
    click.echo(f"Revoked “{name.strip()}”.")

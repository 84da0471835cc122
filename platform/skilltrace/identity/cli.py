"""``flask users …``: create the first accounts and tokens from the command line."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from skilltrace.errors import DomainError
from skilltrace.extensions import db
from skilltrace.identity.models import Provider, Role, User
from skilltrace.identity.services import account_service

users_cli = AppGroup("users", help="Manage accounts.")


def _fail(err: DomainError):
    raise click.ClickException(f"{err.code}: {err.message}")


def _common(fn):
    fn = click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)(fn)
    fn = click.option("--id-number", default=None, help="Resident ID number (optional for staff)")(
        fn
    )
    fn = click.option("--mobile", required=True)(fn)
    fn = click.option("--name", required=True)(fn)
    return fn


@users_cli.command("create-admin")
@_common
def create_admin(name, mobile, id_number, password):
    """Create an administrator."""
    try:
        user = account_service().create_staff(Role.ADMIN, name, mobile, password, id_number)
    except DomainError as err:
        _fail(err)
    click.echo(f"admin {user.id} created (login: {user.mobile})")


@users_cli.command("create-regulator")
@_common
@click.option("--scope", required=True, help="'61' for the province or a city code like 6101")
def create_regulator(name, mobile, id_number, password, scope):
    """Create a regulator scoped to Shaanxi or one of its cities."""
    try:
        user = account_service().create_staff(
            Role.REGULATOR, name, mobile, password, id_number, region_scope=scope
        )
    except DomainError as err:
        _fail(err)
    click.echo(f"regulator {user.id} created (login: {user.mobile}, scope {scope})")


@users_cli.command("create-provider")
@click.option("--provider-name", required=True)
@click.option("--credit-code", required=True, help="Unified social credit code (18 chars)")
@click.option("--city", required=True, help="City code, e.g. 6101 for Xi'an")
@_common
def create_provider(provider_name, credit_code, city, name, mobile, id_number, password):
    """Create a training provider (or reuse it by credit code) and one staff account."""
    try:
        service = account_service()
        provider = db.session.scalar(
            select(Provider).where(Provider.credit_code == credit_code.strip().upper())
        ) or service.create_provider(provider_name, credit_code, city)
        user = service.create_staff(
            Role.PROVIDER_STAFF, name, mobile, password, id_number, provider=provider
        )
    except DomainError as err:
        _fail(err)
    click.echo(f"provider {provider.id} ({provider.name}) staff {user.id} (login: {user.mobile})")


@users_cli.command("create-token")
@click.argument("login")
@click.option("--name", required=True, help="What the token is for")
def create_token(login, name):
    """Create a personal access token for the account with this mobile or ID number."""
    service = account_service()
    user = db.session.scalar(select(User).where(User.mobile == login)) or service.find_by_id_number(
        login
    )
    if user is None:
        raise click.ClickException("no such account")
    try:
        _token, secret = service.create_token(user, name)
    except DomainError as err:
        _fail(err)
    click.echo(secret)


@users_cli.command("deactivate")
@click.argument("login")
def deactivate(login):
    """Deactivate the account with this mobile or ID number (its sessions end at once)."""
    _set_active(login, False)
    click.echo("deactivated")


@users_cli.command("activate")
@click.argument("login")
def activate(login):
    """Activate the account with this mobile or ID number again."""
    _set_active(login, True)
    click.echo("activated")


def _set_active(login: str, active: bool) -> None:
    service = account_service()
    user = db.session.scalar(select(User).where(User.mobile == login)) or service.find_by_id_number(
        login
    )
    if user is None:
        raise click.ClickException("no such account")
    service.set_account_active(user, active)

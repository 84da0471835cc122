"""``flask demo seed``: idempotent demo data for the one-command demo.

Domains append seeding steps to :data:`SEED_STEPS` in their ``init_app``; each step receives
a click echo function and must be idempotent.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from skilltrace.config import REPO_ROOT
from skilltrace.extensions import db
from skilltrace.identity.models import Provider, Role, User
from skilltrace.identity.services import NewAccount, account_service

demo_cli = AppGroup("demo", help="Demo data.")

SEED_STEPS: list[tuple[int, str, Callable[[Callable[[str], None]], None]]] = []

DEMO_PASSWORD = "demo-pass-2026"
SHARED_FACES = Path(REPO_ROOT.parent / "shared" / "faces")

# (real name, ID number, mobile, folder of their photos under ../shared/faces/people)
DEMO_LEARNERS = (
    ("欧巴马", "610102199001011231", "13900000001", "obama"),
    ("拜登", "610103198505052346", "13900000002", "biden"),
    ("罗斯", "610104199203033124", "13900000003", "rose_leslie"),
)
DEMO_PROVIDER = ("西安技能培训学校", "91610100MA6U2XL01", "6101")
DEMO_STAFF = ("王老师", "13800000011")
DEMO_REGULATOR = ("李监管", "13700000021", "61")
DEMO_ADMIN = ("系统管理员", "13600000031")


def shared_faces_dir() -> Path:
    import os

    return Path(os.environ.get("SKILLTRACE_SHARED_FACES", SHARED_FACES))


def _seed_accounts(echo) -> None:
    from skilltrace.identity.codes import credit_check_char

    service = account_service()
    if db.session.scalar(select(User).where(User.mobile == DEMO_ADMIN[1])) is None:
        service.create_staff(Role.ADMIN, DEMO_ADMIN[0], DEMO_ADMIN[1], DEMO_PASSWORD)
    if db.session.scalar(select(User).where(User.mobile == DEMO_REGULATOR[1])) is None:
        service.create_staff(
            Role.REGULATOR,
            DEMO_REGULATOR[0],
            DEMO_REGULATOR[1],
            DEMO_PASSWORD,
            region_scope=DEMO_REGULATOR[2],
        )
    name, code17, city = DEMO_PROVIDER[0], DEMO_PROVIDER[1][:17], DEMO_PROVIDER[2]
    code = code17 + credit_check_char(code17)
    provider = db.session.scalar(select(Provider).where(Provider.credit_code == code))
    if provider is None:
        provider = service.create_provider(name, code, city)
    if db.session.scalar(select(User).where(User.mobile == DEMO_STAFF[1])) is None:
        service.create_staff(
            Role.PROVIDER_STAFF, DEMO_STAFF[0], DEMO_STAFF[1], DEMO_PASSWORD, provider=provider
        )
    for real_name, id_number, mobile, _folder in DEMO_LEARNERS:
        if db.session.scalar(select(User).where(User.mobile == mobile)) is None:
            service.register_learner(NewAccount(real_name, id_number, mobile, DEMO_PASSWORD, True))
    echo(f"Demo accounts (password for all: {DEMO_PASSWORD})")
    echo(f"  admin       {DEMO_ADMIN[1]}")
    echo(f"  regulator   {DEMO_REGULATOR[1]}  (scope: Shaanxi province)")
    echo(f"  provider    {DEMO_STAFF[1]}  ({name})")
    for real_name, id_number, mobile, _folder in DEMO_LEARNERS:
        echo(f"  learner     {mobile}  or ID {id_number}  ({real_name})")


def demo_learner_ids() -> list[tuple[str, str, str]]:
    """(mobile, ID number, photo folder) of each demo learner."""
    return [(mobile, id_number, folder) for _n, id_number, mobile, folder in DEMO_LEARNERS]


@demo_cli.command("seed")
def seed():
    """Create (or keep) the demo accounts and whatever each domain seeds."""
    for _order, _name, step in sorted(SEED_STEPS, key=lambda s: s[0]):
        step(click.echo)


def init_app(app: Flask) -> None:
    if not any(name == "accounts" for _o, name, _s in SEED_STEPS):
        SEED_STEPS.append((0, "accounts", _seed_accounts))
    app.cli.add_command(demo_cli)

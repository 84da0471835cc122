"""Destructive forms ask first in a real Chromium under the strict CSP (static/js/confirm.js,
no inline script): dismissing the question sends nothing, accepting it sends the form."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from skilltrace.extensions import db
from skilltrace.identity.models import Provider, Role


@pytest.fixture
def strict_page(playwright_driver):
    """A page under the app's own CSP; the test fails on any policy violation."""
    chromium = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    browser = playwright_driver.chromium.launch(
        executable_path=chromium if Path(chromium).exists() else shutil.which("chromium"),
        args=["--no-sandbox", "--disable-gpu", "--no-first-run"],
    )
    page = browser.new_page()
    violations: list[str] = []
    page.add_init_script(
        'document.addEventListener("securitypolicyviolation", e => '
        'console.error("CSP violation: " + e.violatedDirective));'
    )
    page.on(
        "console",
        lambda m: violations.append(m.text) if "CSP violation" in m.text else None,
    )
    yield page
    browser.close()
    assert violations == []


def _status(provider_id: int) -> str:
    db.session.expire_all()
    return db.session.get(Provider, provider_id).status


def test_blacklisting_a_provider_asks_first(live_server, strict_page, make_user, password):
    provider = make_user.provider(city="6101")
    regulator = make_user(Role.REGULATOR, scope="61")
    page = strict_page
    page.goto(f"{live_server}/login")
    page.fill("#login", regulator.mobile)
    page.fill("#password", password)
    page.click("input[type=submit]")
    page.wait_for_load_state()
    page.goto(f"{live_server}/regulator/providers")
    form = page.locator("form.status-form").first
    form.locator("select[name=status]").select_option("blacklisted")
    form.locator("input[name=reason]").fill("虚假培训")

    questions: list[str] = []

    def dismiss(dialog):
        questions.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    form.locator("button[type=submit]").click()
    page.wait_for_timeout(300)
    assert len(questions) == 1 and provider.name in questions[0]
    assert _status(provider.id) == "active"  # dismissed: nothing was sent

    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert _status(provider.id) == "blacklisted"

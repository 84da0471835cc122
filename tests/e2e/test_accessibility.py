"""axe-core (npm, injected by Playwright) finds no violations on the main pages of each role,
and the pages people use on phones do not scroll sideways at 375 px."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from skilltrace.identity.models import Role

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.1 A/AA rules and axe's best practices.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


def _axe_source() -> str:
    if not AXE.exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{AXE} is missing: scripts/setup installs it with npm")
        pytest.skip("axe-core is not installed (npm ci)")
    return AXE.read_text()


def _violations(page, axe: str) -> list[str]:
    page.add_script_tag(content=axe)  # the context bypasses the CSP for axe alone
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    return [
        f"{v['id']}: {v['help']} → {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
    ]


def _log_in(page, base, user, password):
    page.goto(f"{base}/login")
    page.fill("#login", user.mobile)
    page.fill("#password", password)
    page.click("input[type=submit]")
    page.wait_for_load_state()


@pytest.fixture
def browser(playwright_driver):
    """Chromium without a camera (these pages only need to render)."""
    chromium = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    browser = playwright_driver.chromium.launch(
        executable_path=chromium if Path(chromium).exists() else shutil.which("chromium"),
        args=["--no-sandbox", "--disable-gpu", "--no-first-run", "--use-fake-ui-for-media-stream"],
    )
    yield browser
    browser.close()


def _pages(classroom, staff, regulator) -> dict[str, list[str]]:
    class_id, course_id, lesson_id = classroom.class_.id, classroom.course.id, classroom.lesson.id
    return {
        "anonymous": ["/login", "/register", "/help"],
        "learner": [
            "/learner/",
            "/learner/classes",
            f"/learner/classes/{class_id}",
            f"/study/lessons/{lesson_id}",
            "/study/ledger",
            "/faces/enroll",
            "/account",
            "/account/password",
            "/subsidy/mine",
        ],
        "staff": [
            "/provider/",
            "/provider/courses",
            f"/provider/courses/{course_id}",
            f"/provider/lessons/{lesson_id}/quiz",
            "/provider/classes",
            f"/provider/classes/{class_id}",
            "/subsidy/claims",
        ],
        "regulator": [
            "/regulator/",
            "/regulator/courses",
            "/regulator/classes",
            "/regulator/providers",
            "/faces/review",
            "/faces/access-log",
            f"/faces/learners/{classroom.learner.id}",
            "/account/tokens",
            "/account/reset",
            f"/oversight/classes/{class_id}",
            "/faces/appeals",
            "/subsidy/standards",
            "/subsidy/key-groups",
        ],
        "admin": ["/admin/", "/admin/accounts", "/admin/accounts/new/regulator"],
    }


def test_axe_finds_no_violations_on_the_main_pages(
    live_server, browser, classroom, make_user, password
):
    axe = _axe_source()
    staff = classroom.course.provider.staff[0]
    regulator = make_user(Role.REGULATOR, scope="61")
    admin = make_user(Role.ADMIN)
    users = {"learner": classroom.learner, "staff": staff, "regulator": regulator, "admin": admin}
    found = {}
    for role, paths in _pages(classroom, staff, regulator).items():
        context = browser.new_context(viewport={"width": 1200, "height": 900}, bypass_csp=True)
        page = context.new_page()
        if role != "anonymous":
            _log_in(page, live_server, users[role], password)
        for path in paths:
            response = page.goto(f"{live_server}{path}")
            assert response.status == 200, (role, path, response.status)
            problems = _violations(page, axe)
            if problems:
                found[f"{role} {path}"] = problems
        context.close()
    assert found == {}


def test_phone_pages_do_not_scroll_sideways(live_server, browser, classroom, password):
    staff = classroom.course.provider.staff[0]
    widths = {}
    for user, paths in (
        (
            staff,
            [
                f"/provider/classes/{classroom.class_.id}",
                f"/provider/courses/{classroom.course.id}",
            ],
        ),
        (
            classroom.learner,
            [
                "/study/ledger",
                f"/study/lessons/{classroom.lesson.id}",
                f"/learner/classes/{classroom.class_.id}",
            ],
        ),
    ):
        context = browser.new_context(
            viewport={"width": 375, "height": 740}, is_mobile=True, bypass_csp=True
        )
        page = context.new_page()
        _log_in(page, live_server, user, password)
        for path in paths:
            page.goto(f"{live_server}{path}")
            widths[path] = page.evaluate("document.documentElement.scrollWidth")
        if user is classroom.learner:
            page.goto(f"{live_server}/study/lessons/{classroom.lesson.id}")
            box = page.eval_on_selector("#lesson-video", "v => v.getBoundingClientRect().height")
            assert box < 375, box  # a 16:9 video at 375 px wide, not a tall black box
        context.close()
    assert {p: w for p, w in widths.items() if w > 375} == {}

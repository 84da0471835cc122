"""A province regulator reads the monthly report in a real Chromium under a strict CSP: the
ECharts charts draw from the vendored file and a static script (no inline script, no CDN)."""

from __future__ import annotations

import contextlib
import os

from skilltrace.extensions import db
from skilltrace.identity.models import Role
from skilltrace.oversight.models import MonthlyAggregate
from skilltrace.oversight.report import this_month
from skilltrace.oversight.targets import seed_targets

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:"


def test_report_charts_draw_under_a_strict_csp(
    app, live_server, playwright_driver, make_user, password
):
    month = this_month()
    year = int(month[:4])
    seed_targets(year)
    db.session.add_all(
        [
            MonthlyAggregate(month=month, city_code="6101", metric="trainings", value=1234),
            MonthlyAggregate(month=month, city_code="6102", metric="trainings", value=766),
            MonthlyAggregate(month=month, city_code="6101", metric="attested_hours", value=88.5),
        ]
    )
    db.session.commit()
    regulator = make_user(Role.REGULATOR, scope="61")

    browser = playwright_driver.chromium.launch(
        executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
    )
    try:
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        violations, requests = [], []
        page.on(
            "console",
            lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
        )
        page.on("request", lambda r: requests.append(r.url))

        def with_csp(route):
            response = route.fetch(max_redirects=0)
            route.fulfill(
                response=response, headers={**response.headers, "content-security-policy": CSP}
            )

        page.route(f"{live_server}/**", with_csp)
        page.goto(f"{live_server}/login")
        page.fill("#login", regulator.mobile)
        page.fill("#password", password)
        page.click("input[type=submit]")
        page.wait_for_url(f"{live_server}/regulator/")
        page.goto(f"{live_server}/oversight/report?year={year}&region=61")
        page.wait_for_selector("#chart-progress canvas", timeout=15000)
        page.wait_for_selector("#chart-monthly canvas", timeout=15000)
        assert page.eval_on_selector(
            "#chart-progress canvas", "c => c.width > 100 && c.height > 100"
        )
        assert "2,000" in page.inner_text("tr[data-metric=trainings]")
        assert violations == []
        with contextlib.suppress(Exception):  # the policy is in force: inline code never runs
            page.add_script_tag(content="window.__inline = 1")
        assert page.evaluate("window.__inline === undefined")
        assert all(url.startswith(live_server) for url in requests)  # nothing from a CDN
        with page.expect_download() as download:
            page.click("text=XLSX")
        assert download.value.suggested_filename == f"report-61-{year}.xlsx"
    finally:
        browser.close()

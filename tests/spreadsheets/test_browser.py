"""The HR pages in a real browser: upload, preview with errors, and the layout at desktop and tablet size."""

from __future__ import annotations

import datetime as dt
import os

import pytest

from tests import factories
from tests.browser import CHROMIUM_ARGS as ARGS
from tests.browser import SCREENSHOTS as SHOTS
from tests.spreadsheets.helpers import EMPLOYEE_HEADERS, make_xlsx

pytestmark = [pytest.mark.chromium, pytest.mark.django_db(transaction=True)]


def test_hr_uploads_a_file_and_sees_every_error_before_anything_is_written(live_server, org, hr, tmp_path) -> None:
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    from employees.models import Employee

    factories.EmployeeFactory(employee_no="SY1", name="Ann", plant=org["SY"], line=org["L1"], role=org["OP"])
    hire = dt.date(2024, 3, 1)
    path = make_xlsx(
        tmp_path / "staff.xlsx",
        {
            "Employees": [
                EMPLOYEE_HEADERS,
                ["SY2", "Bo", "SY", "L1", "S1", "OP", "A", hire, ""],
                ["SY3", "Cy", "SY", "L9", "", "OP", "A", hire, ""],
                ["SY1", "Ann Wu", "SY", "L1", "S2", "TL", "B", hire, ""],
            ]
        },
    )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=username]", "hr")
        page.fill("input[name=password]", factories.PASSWORD)
        with page.expect_navigation():
            page.click("main button[type=submit]")
        page.goto(f"{live_server.url}/hr/exports/")
        page.screenshot(path=SHOTS / "hr-exports.png", full_page=True)
        page.goto(f"{live_server.url}/hr/imports/")
        page.screenshot(path=SHOTS / "hr-imports.png", full_page=True)
        page.goto(f"{live_server.url}/hr/imports/employees/")
        page.select_option("select[name=plant]", "SY")
        page.set_input_files("input[name=file]", str(path))
        page.click("main button[type=submit]")
        page.wait_for_selector("#preview-errors")
        assert "Unknown line L9 at plant SY" in page.inner_text("#preview-errors")
        assert page.locator("text=Confirm and import").count() == 0
        page.screenshot(path=SHOTS / "hr-preview-desktop.png", full_page=True)
        page.set_viewport_size({"width": 820, "height": 1180})
        page.screenshot(path=SHOTS / "hr-preview-tablet.png", full_page=True)
        browser.close()
    assert Employee.objects.count() == 1

"""The line-side terminal in Chromium: pair, scan like a barcode scanner (the number and Enter), use the
on-screen keypad, switch to 中文; the answers replace each other and nothing is logged to the console (the
page's script is a static file under the CSP)."""

from __future__ import annotations

import pytest

from tests import factories
from tests.gate.helpers import kiosk_path, new_terminal, pairing_path, pin_clock

pytestmark = [pytest.mark.chromium, pytest.mark.django_db(transaction=True)]


def _catalog_has(text: str) -> bool:
    from django.utils import translation

    with translation.override("zh-hans"):
        return translation.gettext(text) != text


def test_a_terminal_answers_scans_and_keypad_entries(live_server, browser, worked_example_2, monkeypatch) -> None:
    from playwright.sync_api import expect

    pin_clock(monkeypatch)
    t1 = worked_example_2["t1"]
    factories.EmployeeFactory(employee_no="SY-70", plant=worked_example_2["plant"], line=worked_example_2["line"])
    terminal = new_terminal(t1)

    page = browser.new_page(viewport={"width": 1280, "height": 800})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))

    page.goto(live_server.url + pairing_path(terminal))
    expect(page).to_have_url(live_server.url + kiosk_path(t1))
    expect(page.locator("#kiosk-station")).to_contain_text("T1")
    expect(page.locator("#kiosk-input")).to_be_focused()

    # A scanner types the number and Enter: the answer comes through the check view (no page load).
    page.keyboard.type("Q")
    page.keyboard.press("Enter")
    result = page.locator("#kiosk-result")
    expect(result).to_have_attribute("data-decision", "deny")
    expect(result).to_contain_text("May not work")
    expect(result).to_contain_text("BAT-MOD-010: level L, needs U")
    expect(page.locator("#kiosk-input")).to_have_value("")
    expect(page.locator("#kiosk-input")).to_be_focused()

    page.keyboard.type("P")
    page.keyboard.press("Enter")
    expect(result).to_have_attribute("data-decision", "allow")
    expect(result).to_contain_text("May work")
    expect(page.locator("#kiosk-result")).to_have_count(1)  # the answer replaced the previous one

    # The on-screen keypad: the plant's prefix, digits, a backspace, then the big OK button.
    page.click("#kiosk-key-prefix")
    for key in ("7", "1"):
        page.click(f"#kiosk-keypad [data-key='{key}']")
    page.click("#kiosk-key-backspace")
    page.click("#kiosk-keypad [data-key='0']")
    expect(page.locator("#kiosk-input")).to_have_value("SY-70")
    page.click("#kiosk-ok")
    expect(result).to_have_attribute("data-decision", "deny")
    expect(result).to_contain_text("SY-70")
    expect(result).to_contain_text("HV-001: not certified")

    page.keyboard.type("NOBODY")
    page.keyboard.press("Enter")
    expect(result).to_have_attribute("data-decision", "unknown")
    expect(result).to_contain_text("Unknown employee number")

    # The language buttons: the page comes back in Chinese, still the kiosk.
    page.click("#kiosk-languages button[value=zh-hans]")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page).to_have_url(live_server.url + kiosk_path(t1))
    expect(page.locator("#kiosk-input")).to_have_attribute("aria-label", "工号")
    page.keyboard.type("Q")
    page.keyboard.press("Enter")
    expect(result).to_have_attribute("data-decision", "deny")
    if _catalog_has("May not work"):
        expect(result).to_contain_text("不可上岗")
        expect(result).to_contain_text("BAT-MOD-010：等级 L，需要 U")

    assert problems == []

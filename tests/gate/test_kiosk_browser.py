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


# --- The QA walk: small screens, the Confirm button, a terminal signed out -----------------------


VIEWPORTS = [
    pytest.param({"width": 1024, "height": 768}, id="tablet"),
    pytest.param({"width": 390, "height": 844}, id="phone"),
]


def _in_view(page, selector: str) -> dict:
    return page.eval_on_selector(
        selector,
        """el => { const r = el.getBoundingClientRect();
                   return {top: r.top, bottom: r.bottom, left: r.left, right: r.right,
                           width: innerWidth, height: innerHeight}; }""",
    )


def _assert_within_viewport(page, selector: str) -> None:
    box = _in_view(page, selector)
    assert box["top"] >= 0 and box["left"] >= 0, (selector, box)
    assert box["bottom"] <= box["height"] and box["right"] <= box["width"], (selector, box)


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_whole_answer_is_in_view_after_a_scan(live_server, browser, worked_example_2, monkeypatch, viewport):
    from playwright.sync_api import expect

    pin_clock(monkeypatch)
    t1 = worked_example_2["t1"]
    factories.EmployeeFactory(employee_no="SY-70", plant=worked_example_2["plant"], line=worked_example_2["line"])
    terminal = new_terminal(t1)
    page = browser.new_page(viewport=viewport)
    page.goto(live_server.url + pairing_path(terminal))
    for typed, decision in (("SY-70", "deny"), ("Q", "deny"), ("P", "allow")):
        page.keyboard.type(typed)
        page.keyboard.press("Enter")
        result = page.locator("#kiosk-result")
        expect(result).to_have_attribute("data-decision", decision)
        expect(result).to_contain_text(typed)
        page.wait_for_timeout(100)  # the smooth part of scrollIntoView, if any
        _assert_within_viewport(page, "#kiosk-result .kiosk-verdict")
        _assert_within_viewport(page, "#kiosk-result .kiosk-person")
        _assert_within_viewport(page, "#kiosk-input")  # the layout, not only a scroll, shows the answer
        if decision == "deny":
            assert page.locator("#kiosk-result .kiosk-reasons li").count() >= 1
            _assert_within_viewport(page, "#kiosk-result .kiosk-reasons li:last-child")
    # Nothing of the answer is hidden sideways either.
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_confirm_text_fits_its_button(live_server, browser, worked_example_2, viewport, language) -> None:
    terminal = new_terminal(worked_example_2["t1"])
    page = browser.new_page(viewport=viewport)
    page.goto(live_server.url + pairing_path(terminal))
    if language != "en":
        page.click("#kiosk-languages button[value=zh-hans]")
        page.wait_for_selector("html[lang=zh-hans]")
    sizes = page.eval_on_selector(
        "#kiosk-ok", "el => [el.scrollWidth, el.clientWidth, el.scrollHeight, el.clientHeight]"
    )
    assert sizes[0] <= sizes[1] and sizes[2] <= sizes[3], sizes
    _assert_within_viewport(page, "#kiosk-ok")


@pytest.mark.parametrize("how", ["deactivated", "re-paired"])
def test_a_signed_out_terminal_says_so_and_never_shows_the_login_form(
    live_server, browser, worked_example_2, admin_user, monkeypatch, how
) -> None:
    from playwright.sync_api import expect

    from gate.services import terminal_update

    pin_clock(monkeypatch)
    terminal = new_terminal(worked_example_2["t1"], created_by=admin_user)
    page = browser.new_page(viewport={"width": 1024, "height": 768})
    page.goto(live_server.url + pairing_path(terminal))
    expect(page.locator("#kiosk-input")).to_be_focused()
    if how == "deactivated":
        terminal_update(terminal=terminal, actor=admin_user, is_active=False)
    else:
        other = browser.new_context().new_page()
        other.goto(live_server.url + pairing_path(terminal))
        expect(other.locator("#kiosk-input")).to_be_visible()

    message = "This terminal is signed out. Ask an administrator for a new pairing link."
    page.keyboard.type("Q")
    page.keyboard.press("Enter")
    expect(page.locator("#kiosk-signed-out")).to_contain_text(message)
    expect(page.locator("#kiosk-input")).to_be_disabled()
    _assert_within_viewport(page, "#kiosk-signed-out")
    page.wait_for_timeout(300)
    assert page.url == live_server.url + kiosk_path(worked_example_2["t1"])  # no navigation to the login page

    # A reload (or a tablet restarted): the terminal's signed-out page, in both languages, no login form.
    page.reload()
    expect(page.locator("#kiosk-signed-out")).to_contain_text(message)
    assert page.locator("input[name=username], input[name=password], #kiosk-input").count() == 0
    page.click("#kiosk-languages button[value=zh-hans]")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("#kiosk-signed-out")).to_be_visible()
    if _catalog_has(message):
        expect(page.locator("#kiosk-signed-out")).to_contain_text("此终端已退出登录")
    assert page.locator("input[name=username]").count() == 0

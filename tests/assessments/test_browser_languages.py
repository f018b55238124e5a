"""A trainer's session in each of the five languages, in Chromium (issue #19).

The trainer picks the language with the site's own switch on the login page, signs in, opens the home page,
creates a training session, adds a line's people, records the whole session in the grid, saves, and finds the
result on an employee's page. On every page the visible text holds no English leftover: no English msgid of the
catalog whose translation differs appears in it, once the data (names, titles, codes, numbers) is taken out.
Every date input is filled with a date other than its default, submitted, and must come back as that date
(stored in the database, or shown again in the input). The phone-width check opens the switch at 375 px.

For de, hu and es the leftover check needs the filled catalogs (`make messages` and the translations).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import trans_real

from assessments.models import Assessment, TrainingSession
from courses.models import Course, ProcessArea
from employees.models import Employee, JobRole, Plant, ProductionLine, Station
from tests import factories
from tests.browser import SCREENSHOTS

pytestmark = [pytest.mark.chromium, pytest.mark.django_db(transaction=True)]

LANGUAGES = [code for code, _name in settings.LANGUAGES]
TITLES = {
    "zh-hans": "高压安全",
    "de": "Hochvoltsicherheit",
    "hu": "Nagyfeszültségű biztonság",
    "es": "Seguridad en alto voltaje",
}
LOCATION = "R-2"
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]|\{\w+\}")


def english_msgids(language: str) -> list[re.Pattern]:
    """The catalog's English strings that read differently in `language`, as patterns over visible text (a
    placeholder matches any text). Strings of fewer than four letters are left out (codes, units, "OK"), and so
    are strings that are also a translation in that language."""
    catalog = trans_real.translation(language)._catalog
    # A word that is also a translation in this language is no leftover (es "Plan" translates "Planning").
    translated = {value for _key, value in catalog.items()}
    patterns = []
    for key, value in catalog.items():
        msgid = key[0] if isinstance(key, tuple) else key
        if isinstance(key, tuple) and key[1] != 0:
            continue
        msgid = msgid.split("\x04")[-1]  # without its context
        if not msgid or msgid == value or msgid in translated or "\n" in msgid:
            continue
        literal = PLACEHOLDER.sub("", msgid)
        if len(re.findall(r"[A-Za-z]", literal)) < 4:
            continue
        parts = [re.escape(part) for part in PLACEHOLDER.split(msgid)]
        patterns.append(re.compile(r"(?<![\w])" + r".{1,40}?".join(parts) + r"(?![\w])"))
    return patterns


def data_strings() -> list[str]:
    """What the page shows as data, in any language: names, titles, codes, the location."""
    strings = [LOCATION, "trainer"]
    for model, fields in (
        (Employee, ["employee_no", "name"]),
        (Course, ["code", "title", "title_zh", "title_de", "title_hu", "title_es"]),
        (ProcessArea, ["code", "name", "name_zh", "name_de", "name_hu", "name_es"]),
        (Plant, ["code", "name"]),
        (ProductionLine, ["code", "name"]),
        (Station, ["code", "name"]),
        (JobRole, ["code", "name", "name_zh"]),
    ):
        for row in model.objects.values_list(*fields):
            strings.extend(value for value in row if value)
    return sorted(set(strings), key=len, reverse=True)


def leftovers(page, language: str, patterns: list[re.Pattern]) -> list[str]:
    if language == settings.LANGUAGE_CODE:
        return []
    text = page.locator("body").inner_text()
    for item in data_strings():
        text = text.replace(item, " ")
    return sorted({match.group(0) for pattern in patterns for match in [pattern.search(text)] if match})


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_trainer_runs_a_session_in_every_language(
    live_server, browser, trainer, hv_course, team, line_sy, plant_sy, language
) -> None:
    from playwright.sync_api import expect

    for code, title in TITLES.items():
        setattr(hv_course, f"title_{code[:2]}", title)
    hv_course.save()
    patterns = english_msgids(language)
    found: dict[str, list[str]] = {}
    today = plant_sy.local_today()
    held_on = today - dt.timedelta(days=2)  # not the default the forms offer: the value must round-trip

    page = browser.new_page(viewport={"width": 375, "height": 800})  # a phone
    page.goto(live_server.url + reverse("login"))
    page.click(".navbar-toggler")
    page.click("#language-menu")
    choice = page.locator(f"button[name=language][value={language}]")
    box = choice.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375  # on the phone's screen
    page.screenshot(path=f"{SCREENSHOTS}/language-menu-phone.png")
    choice.click()  # the site's own switch
    expect(page.locator("html")).to_have_attribute("lang", language)
    page.screenshot(path=f"{SCREENSHOTS}/login-{language}-phone.png", full_page=True)
    page.set_viewport_size({"width": 1366, "height": 1000})
    page.fill("#id_username", "trainer")
    page.fill("#id_password", factories.PASSWORD)
    page.click("main form button[type=submit]")
    expect(page.locator("form[action$='/logout/']")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", language)  # the switch holds through the sign-in
    found["home"] = leftovers(page, language, patterns)

    page.goto(live_server.url + reverse("assessments:trainer-home"))
    found["trainer home"] = leftovers(page, language, patterns)

    # A new session on a date typed into the date picker.
    page.goto(live_server.url + reverse("assessments:session-create"))
    expect(page.locator("#id_held_on")).to_have_value(today.isoformat())
    found["new session"] = leftovers(page, language, patterns)
    page.fill("#id_held_on", held_on.isoformat())
    page.select_option("#id_course", value=str(hv_course.pk))
    page.fill("#id_location", LOCATION)
    page.click("main form button[type=submit]")
    add_form = "form[action$='/attendees/add/']"
    expect(page.locator(f"{add_form} select[name=line] option[value='{line_sy.pk}']")).to_have_count(1)
    session = TrainingSession.objects.get()
    assert session.held_on == held_on
    page.select_option(f"{add_form} select[name=line]", value=str(line_sy.pk))
    page.click(f"{add_form} button[type=submit]")
    expect(page.locator(f"a[href='{reverse('assessments:session-results', args=[session.pk])}']")).to_be_visible()
    found["session"] = leftovers(page, language, patterns)

    # The whole session in the grid, its date typed in.
    page.goto(live_server.url + reverse("assessments:session-results", args=[session.pk]))
    date_input = page.locator("#results-form input[type=date]")
    expect(date_input).to_have_value(held_on.isoformat())
    assessed_on = held_on + dt.timedelta(days=1)
    date_input.fill(assessed_on.isoformat())
    for n, employee in enumerate(team):
        row = page.locator(f"#grid-row-{employee.employee_no}")
        row.locator("[data-col=score]").fill(str(95 - n))
        row.locator("input[data-col=practical][value=pass] + label").click()
    found["grid"] = leftovers(page, language, patterns)
    page.screenshot(path=f"{SCREENSHOTS}/grid-{language}.png", full_page=True)
    page.click("#save-results")
    expect(page).to_have_url(live_server.url + reverse("assessments:session-detail", args=[session.pk]))
    found["saved"] = leftovers(page, language, patterns)
    grid = Assessment.objects.filter(session=session, source="grid")
    assert grid.count() == 20
    assert {a.assessed_on for a in grid} == {assessed_on}

    # The result on the employee's page, in the page's language, as of a date typed in.
    page.goto(live_server.url + reverse("assessments:employee-detail", args=["SY001"]))
    row = page.locator("#requirements tr[data-course='HV-001']")
    with translation.override(language):
        valid = translation.gettext("Valid")
    expect(row).to_contain_text(valid)
    expect(row).to_contain_text(TITLES.get(language, hv_course.title))
    found["employee"] = leftovers(page, language, patterns)
    page.fill("#as-of-date", assessed_on.isoformat())
    page.click("#as-of button[type=submit]")
    expect(page.locator("#as-of-date")).to_have_value(assessed_on.isoformat())
    assert f"date={assessed_on.isoformat()}" in page.url
    expect(row).to_contain_text(valid)
    page.screenshot(path=f"{SCREENSHOTS}/employee-{language}.png", full_page=True)

    assert {where: words for where, words in found.items() if words} == {}, f"English left in {language}"

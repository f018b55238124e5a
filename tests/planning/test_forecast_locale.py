"""Dates and decimals on a page follow the page's language (issue #19): the line forecast page of worked
example 2 (the SOP day, expected qualified 3.6) in each of the five languages; machine values stay ISO."""

from __future__ import annotations

import re

import pytest

from tests.languages import switch_language

pytestmark = pytest.mark.django_db

LINE_URL = "/planning/SY/lines/L2/forecast/"
# (SOP date as shown, expected qualified on the SOP day as shown): Django's formats for the locale; English in ISO.
SHOWN = {
    "en": ("2027-03-01", "3.6"),
    "zh-hans": ("2027年3月1日", "3.6"),
    "de": ("01.03.2027", "3,6"),
    "hu": ("2027.03.01.", "3,6"),
    "es": ("01/03/2027", "3,6"),
}


@pytest.mark.parametrize("language", SHOWN)
def test_the_forecast_page_writes_dates_and_decimals_per_language(
    pass_rate_recorded, manager, client, language
) -> None:
    client.force_login(manager)
    switch_language(client, language)
    html = client.get(LINE_URL).content.decode()
    assert f'<html lang="{language}">' in html
    date, decimal = SHOWN[language]
    sop = re.search(r'<tr data-date="2027-03-01"[^>]*>(.*?)</tr>', html, re.S).group(1)  # the key stays ISO
    cells = [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", sop, re.S)]
    assert cells[0].startswith(date)
    assert cells[4] == decimal  # expected qualified
    assert re.search(r'id="forecast-sop">\s*' + re.escape(date), html)

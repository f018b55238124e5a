"""Every user-facing string ships in Simplified Chinese, and the compiled catalog is current.

The first test re-extracts the strings (Django's makemessages, which needs GNU
gettext's xgettext) in a scratch copy of the project and fails on any string
without a zh-hans translation. The second reads the committed .mo with Python's
gettext module and checks it says exactly what the .po says.
"""

from __future__ import annotations

import ast
import gettext
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
LOCALE = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES"
SOURCES = [
    "manage.py",
    "certtrack",
    "employees",
    "courses",
    "webhooks",
    "assessments",
    "gate",
    "planning",
    "spreadsheets",
    "sso",
    "api",
    "notifications",
    "devdata",
    "templates",
    "locale",
    "static/js",
]


def parse_po(path: Path) -> list[dict]:
    """A small .po reader: entries with msgctxt, msgid, msgid_plural, msgstr / msgstr[n], fuzzy flag."""
    entries: list[dict] = []
    entry: dict = {}
    key = None

    def flush() -> None:
        if "msgid" in entry:
            entries.append(dict(entry))
        entry.clear()

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            flush()
            key = None
        elif line.startswith("#,"):
            if "msgid" in entry:
                flush()
            entry["fuzzy"] = "fuzzy" in line
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            entry[key] += ast.literal_eval(line)
        else:
            key, _, value = line.partition(" ")
            if key in ("msgctxt", "msgid") and "msgstr" in entry or key == "msgctxt" and "msgid" in entry:
                flush()
            entry[key] = ast.literal_eval(value)
    flush()
    return [e for e in entries if e["msgid"]]  # the header entry has an empty msgid


def _untranslated(entries: list[dict]) -> list[str]:
    missing = []
    for entry in entries:
        strings = [value for key, value in entry.items() if key.startswith("msgstr")]
        if entry.get("fuzzy") or not strings or not all(strings):
            missing.append(entry["msgid"])
    return missing


@pytest.mark.gettext
def test_every_marked_string_has_a_chinese_translation(tmp_path: Path) -> None:
    for source in SOURCES:
        origin = ROOT / source
        if origin.is_dir():
            shutil.copytree(origin, tmp_path / source, ignore=shutil.ignore_patterns("__pycache__", "vendor"))
        elif origin.exists():
            (tmp_path / source).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(origin, tmp_path / source)
    for domain, extra in (("django", []), ("djangojs", ["--ignore=static/vendor/*"])):
        result = subprocess.run(
            [
                sys.executable,
                "manage.py",
                "makemessages",
                "--locale=zh_Hans",
                f"--domain={domain}",
                "--no-obsolete",
                *extra,
            ],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=False,
            env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "certtrack.settings", "PYTHONPATH": str(tmp_path)},
        )
        assert result.returncode == 0, result.stderr
    po = tmp_path / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    entries = parse_po(po)
    assert len(entries) > 50
    assert _untranslated(entries) == [], "run `make messages` and translate these strings"
    js_po = po.with_name("djangojs.po")
    if js_po.exists():
        assert _untranslated(parse_po(js_po)) == []


def test_the_compiled_catalog_says_what_the_po_says() -> None:
    entries = parse_po(LOCALE / "django.po")
    with (LOCALE / "django.mo").open("rb") as handle:
        catalog = gettext.GNUTranslations(handle)
    stale = []
    for entry in entries:
        if entry.get("fuzzy"):
            continue
        msgid = entry["msgid"]
        if "msgctxt" in entry:
            msgid = f"{entry['msgctxt']}\x04{msgid}"
        if "msgid_plural" in entry:
            ok = catalog._catalog.get((msgid, 0)) == entry.get("msgstr[0]")
        else:
            ok = catalog._catalog.get(msgid) == entry.get("msgstr")
        if not ok:
            stale.append(entry["msgid"])
    assert entries
    assert stale == [], "run `make messages` (compilemessages) and commit locale/"


def test_a_page_renders_in_chinese(client, trainer) -> None:
    client.force_login(trainer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    html = client.get("/accounts/profile/").content.decode()
    assert "我的资料" in html

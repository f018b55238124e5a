"""Every user-facing string ships in every language of settings.LANGUAGES, and each compiled catalog is current.

For each of zh_Hans, de, hu and es:
- the strings are re-extracted (Django's makemessages, which needs GNU gettext's xgettext) in a scratch
  copy of the project, merged with the committed catalog; a string without a translation, or with a
  fuzzy one (a msgid that changed under its translation), fails;
- the committed .po holds exactly the strings of the source: one the source no longer has (stale) or one
  it does not have yet (missing) fails: run `make messages`;
- the committed .mo, read with Python's gettext module, says exactly what the .po says;
- every translation keeps the placeholders of its msgid (%(name)s, %s, {name}): a lost or misspelt one
  raises or shows a raw placeholder on the page.
The pages' JavaScript has no strings of its own (pages pass their words in data attributes and json_script
blocks), so there is no djangojs catalog; the last test keeps it that way.
"""

from __future__ import annotations

import ast
import gettext
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

ROOT = Path(settings.BASE_DIR)
# Every language but the source language, as a locale directory name (zh-hans -> zh_Hans).
LOCALES = [translation.to_locale(code) for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
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
# %(name)s / %(name)d, a bare %s / %d, and str.format's {name}; "%%" is a literal percent sign.
PLACEHOLDER = re.compile(r"%\([A-Za-z_][A-Za-z0-9_]*\)[sdif]|%[sdif]|\{[A-Za-z_][A-Za-z0-9_]*\}")


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


def _key(entry: dict) -> str:
    return f"{entry['msgctxt']}|{entry['msgid']}" if "msgctxt" in entry else entry["msgid"]


def _translations(entry: dict) -> list[str]:
    return [value for key, value in sorted(entry.items()) if key.startswith("msgstr")]


def _untranslated(entries: list[dict]) -> list[str]:
    missing = []
    for entry in entries:
        strings = _translations(entry)
        if entry.get("fuzzy") or not strings or not all(strings):
            missing.append(_key(entry))
    return missing


def _catalog(locale: str) -> Path:
    return ROOT / "locale" / locale / "LC_MESSAGES"


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> dict[str, list[dict]]:
    """The source's strings merged with each committed catalog, as `make messages` would write them."""
    scratch = tmp_path_factory.mktemp("messages")
    for source in SOURCES:
        origin = ROOT / source
        if origin.is_dir():
            shutil.copytree(origin, scratch / source, ignore=shutil.ignore_patterns("__pycache__", "vendor"))
        elif origin.exists():
            (scratch / source).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(origin, scratch / source)
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            *[f"--locale={locale}" for locale in LOCALES],
            "--domain=django",
            "--no-obsolete",
        ],
        cwd=scratch,
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "certtrack.settings", "PYTHONPATH": str(scratch)},
    )
    assert result.returncode == 0, result.stderr
    return {locale: parse_po(scratch / "locale" / locale / "LC_MESSAGES" / "django.po") for locale in LOCALES}


def test_every_language_but_english_has_a_catalog_to_check() -> None:
    assert LOCALES == ["zh_Hans", "de", "hu", "es"]


@pytest.mark.gettext
@pytest.mark.parametrize("locale", LOCALES)
def test_every_marked_string_is_translated(extracted, locale: str) -> None:
    entries = extracted[locale]
    assert len(entries) > 1000
    assert _untranslated(entries) == [], f"run `make messages` and translate these strings into {locale}"


@pytest.mark.gettext
@pytest.mark.parametrize("locale", LOCALES)
def test_the_committed_catalog_holds_the_strings_of_the_source(extracted, locale: str) -> None:
    source = {_key(entry) for entry in extracted[locale]}
    committed = {_key(entry) for entry in parse_po(_catalog(locale) / "django.po")}
    assert sorted(committed - source) == [], f"stale strings in {locale}: run `make messages`"
    assert sorted(source - committed) == [], f"strings missing from {locale}: run `make messages`"


@pytest.mark.parametrize("locale", LOCALES)
def test_the_committed_catalog_has_no_fuzzy_or_empty_translation(locale: str) -> None:
    entries = parse_po(_catalog(locale) / "django.po")
    assert entries
    assert _untranslated(entries) == []


@pytest.mark.parametrize("locale", LOCALES)
def test_the_compiled_catalog_says_what_the_po_says(locale: str) -> None:
    entries = parse_po(_catalog(locale) / "django.po")
    with (_catalog(locale) / "django.mo").open("rb") as handle:
        catalog = gettext.GNUTranslations(handle)
    stale = []
    for entry in entries:
        if entry.get("fuzzy"):
            continue
        msgid = entry["msgid"]
        if "msgctxt" in entry:
            msgid = f"{entry['msgctxt']}\x04{msgid}"
        if "msgid_plural" in entry:
            forms = {key: value for key, value in entry.items() if key.startswith("msgstr[")}
            ok = all(catalog._catalog.get((msgid, int(key[7:-1]))) == value for key, value in forms.items())
        else:
            ok = catalog._catalog.get(msgid) == entry.get("msgstr")
        if not ok:
            stale.append(_key(entry))
    assert entries
    assert stale == [], f"run `make messages` (compilemessages) for {locale}"


def placeholder_mismatches(entries: list[dict]) -> list[str]:
    """Translations whose placeholders differ from their msgid's (a plural's singular form may leave out
    the count, as in "one result", but may not invent a placeholder)."""
    wrong = []
    for entry in entries:
        if entry.get("fuzzy") or not all(_translations(entry)):
            continue
        singular = sorted(PLACEHOLDER.findall(entry["msgid"]))
        if "msgid_plural" not in entry:
            if sorted(PLACEHOLDER.findall(entry["msgstr"])) != singular:
                wrong.append(_key(entry))
            continue
        plural = sorted(PLACEHOLDER.findall(entry["msgid_plural"]))
        forms = [entry[key] for key in sorted(key for key in entry if key.startswith("msgstr["))]
        allowed = set(singular) | set(plural)
        if sorted(PLACEHOLDER.findall(forms[-1])) != plural or any(
            not set(PLACEHOLDER.findall(form)) <= allowed for form in forms
        ):
            wrong.append(_key(entry))
    return wrong


def test_a_lost_placeholder_is_found(tmp_path: Path) -> None:
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n\n'
        'msgid "%(count)s rows recorded."\nmsgstr "%(count)s Zeilen erfasst."\n\n'
        'msgid "Hello {name}"\nmsgstr "Hallo {nom}"\n\n'
        'msgid "%(n)s of %(total)s"\nmsgstr "%(n)s von"\n\n'
        'msgid "one result"\nmsgid_plural "%(count)s results"\n'
        'msgstr[0] "ein Ergebnis"\nmsgstr[1] "%(count)s Ergebnisse"\n\n'
        'msgid "one row"\nmsgid_plural "%(count)s rows"\nmsgstr[0] "%(count)s Zeile"\nmsgstr[1] "Zeilen"\n',
        encoding="utf-8",
    )
    assert placeholder_mismatches(parse_po(po)) == ["Hello {name}", "%(n)s of %(total)s", "one row"]


@pytest.mark.parametrize("locale", LOCALES)
def test_every_translation_keeps_its_placeholders(locale: str) -> None:
    entries = parse_po(_catalog(locale) / "django.po")
    assert entries
    assert placeholder_mismatches(entries) == []


def test_the_page_scripts_have_no_strings_of_their_own() -> None:
    scripts = sorted((ROOT / "static" / "js").glob("*.js"))
    assert scripts
    for script in scripts:
        assert not re.search(r"\b(n|p|np)?gettext\(", script.read_text(encoding="utf-8")), (
            f"{script.name} calls gettext: add the djangojs domain to `make messages` and to this test"
        )


@pytest.mark.parametrize("language", ["zh-hans", "de", "hu", "es"])
def test_a_page_renders_in_every_language(client, trainer, language: str) -> None:
    client.force_login(trainer)
    client.post(reverse("set_language"), {"language": language, "next": "/"})
    html = client.get(reverse("employees:profile")).content.decode()
    assert f'<html lang="{language}">' in html
    with translation.override(language):
        heading = translation.gettext("My profile")
    assert heading != "My profile", f"no {language} catalog yet"
    assert heading in html

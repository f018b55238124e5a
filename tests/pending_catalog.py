"""This branch's zh-hans strings in tests, until the catalog is regenerated.

New msgids wait in locale/pending/<name>.json (the .po/.mo are regenerated after merging), so a
test that asserts a Chinese rendering of a new message would see English. pending_translations()
adds the waiting strings to the loaded zh-hans catalog for the duration of a test, and only those
the catalog lacks: once the catalog carries them, it is a no-op and the real translations are tested.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.utils.translation import trans_real


@contextmanager
def pending_translations(*names: str) -> Iterator[None]:
    catalog = trans_real.translation("zh-hans")._catalog
    added = []
    for name in names:
        pending = json.loads((Path(settings.BASE_DIR) / "locale" / "pending" / f"{name}.json").read_text("utf-8"))
        for msgid, text in pending.items():
            key = (msgid, 0) if isinstance(text, list) else msgid  # Chinese has one plural form
            if key not in catalog:
                catalog[key] = text[0] if isinstance(text, list) else text
                added.append(key)
    try:
        yield
    finally:
        for key in added:
            catalog._catalogs[0].pop(key, None)

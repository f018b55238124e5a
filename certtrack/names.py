"""How a person's name is shown: family name first for CJK names, and for every name in Chinese.

One helper for every page that shows a user's full name (welcome, trainers, assessors, audit actors,
sessions). Employees have a single `name` field, stored as written locally (王伟, Kovács Péter) and
shown as stored.
"""

from __future__ import annotations

import re

from django.utils.translation import get_language

# Han (with extensions and compatibility ideographs), kana, Hangul, bopomofo: a name with any of
# these is written family name first, with no space (刘建国, 山田太郎, 김민준).
CJK = re.compile(
    "[\u2e80-\u2fdf\u3040-\u30ff\u3100-\u312f\u3190-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f]"
)


def is_cjk(text: str) -> bool:
    return bool(CJK.search(text or ""))


def person_name(given: str, family: str, *, language: str | None = None) -> str:
    """A full name in the reader's order.

    CJK names: family name first, no space ("刘建国"). Others: "given family", except in Chinese
    pages, which put the family name first for every name ("Berg Ingrid"). One part missing: the other.
    """
    given, family = (given or "").strip(), (family or "").strip()
    if not given or not family:
        return given or family
    if is_cjk(given) or is_cjk(family):
        return f"{family}{given}"
    if (language or get_language() or "").lower().startswith("zh"):
        return f"{family} {given}"
    return f"{given} {family}"


def user_name(user: object | None, *, language: str | None = None) -> str:
    """A user's full name (see person_name), else their user name; "" for nobody."""
    if user is None:
        return ""
    full = person_name(getattr(user, "first_name", ""), getattr(user, "last_name", ""), language=language)
    return full or user.get_username()

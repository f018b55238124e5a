"""The language switcher's list: {% native_languages as languages %} gives (code, own name) pairs."""

from __future__ import annotations

from django import template

from employees import languages

register = template.Library()


@register.simple_tag
def native_languages() -> list[tuple[str, str]]:
    return languages.native_languages()

"""Messages that are stored and shown again later, in the language of whoever reads them.

An import preview is computed in one request (or by a worker, in no one's language) and read
later by people who may use another language. Storing the rendered text would freeze it in
the language of the moment (issue #14, item 5), so a message is kept as its code (the English
msgid of the catalog) and its parameters, and rendered again when it is shown.

`gettext` here is Django's gettext that remembers: it returns a `Translatable`, a str holding
the text in the active language (so every caller that treats messages as text keeps working),
which also knows its msgid; `%` with a dict of parameters gives a Translatable that knows them
too. A module that writes stored messages imports it as `_` and otherwise reads as before:

    from certtrack.translatable import gettext as _
    message = _("Unknown course %(code)s.") % {"code": code}   # "未知课程 X-1。" in zh-hans
    data = as_data(message)              # {"code": "Unknown course %(code)s.", "params": {"code": "X-1"}}
    str(from_data(data))                 # rendered in the language active now

makemessages extracts the strings as it extracts any `_()`.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.utils import translation
from django.utils.functional import Promise

logger = logging.getLogger(__name__)

Params = dict[str, Any]


def _lazy_msgid(value: Promise) -> str | None:
    """The msgid of a gettext_lazy() string (a model choice label, say), or None for any other lazy object."""
    try:
        _unpickle, (func, args, kwargs, *_classes) = value.__reduce__()
    except (TypeError, ValueError):
        return None
    if func is translation.gettext and len(args) == 1 and isinstance(args[0], str) and not kwargs:
        return args[0]
    return None


def _param(value: object) -> object:
    """A parameter as it can be stored (JSON) and rendered again: text stays translatable where it was."""
    if isinstance(value, Translatable) or value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, Promise):
        msgid = _lazy_msgid(value)
        return Translatable(msgid) if msgid is not None else str(value)
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return str(value)


def _render(msgid: str, params: Params | None) -> str:
    text = translation.gettext(msgid)
    if params is None:
        return text
    values = {name: str(value) if isinstance(value, Translatable) else value for name, value in params.items()}
    try:
        return text % values
    except (KeyError, ValueError, TypeError):
        # A translation whose placeholders do not match its msgid: say it in English rather than fail.
        logger.warning("translation of %r does not take its parameters", msgid)
        return msgid % values


class Translatable(str):
    """Text in the active language that also knows its msgid and parameters (see the module docstring)."""

    msgid: str
    params: Params | None

    def __new__(cls, msgid: str, params: Mapping[str, object] | None = None) -> Translatable:
        stored = None if params is None else {name: _param(value) for name, value in params.items()}
        text = super().__new__(cls, _render(msgid, stored))
        text.msgid = msgid
        text.params = stored
        return text

    def __mod__(self, params: object) -> str:
        if isinstance(params, Mapping) and self.params is None:
            return Translatable(self.msgid, params)
        return str(self) % params  # positional formatting: plain text

    def __reduce__(self) -> tuple:
        # Copies and pickles keep the code and parameters (rendered again in the language of the moment).
        return (Translatable, (self.msgid, self.params))

    def rendered(self) -> str:
        """The text in the language active now."""
        return _render(self.msgid, self.params)


def gettext(message: str) -> Translatable:
    return Translatable(message)


def as_data(text: str) -> dict:
    """What to store: {"code": msgid, "params": {...}}, or {"text": ...} for text that was never translatable."""
    if isinstance(text, Translatable):
        data: dict = {"code": text.msgid}
        if text.params is not None:
            data["params"] = {
                name: as_data(value) if isinstance(value, Translatable) else value
                for name, value in text.params.items()
            }
        return data
    return {"text": str(text)}


def from_data(data: object) -> str:
    """Stored text back, in the language active now. Plain strings (stored before codes were kept) stay as they are."""
    if isinstance(data, str):
        return data
    if not isinstance(data, Mapping):
        return ""
    if "code" not in data:
        return str(data.get("text", ""))
    params = data.get("params")
    if params is not None:
        params = {
            name: from_data(value) if isinstance(value, Mapping) else value for name, value in dict(params).items()
        }
    return Translatable(str(data["code"]), params)

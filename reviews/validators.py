"""One-line text in services: a name, a label, a reason never holds a line break (it could
start a forged line in a tagged export: issue #16). Forms fold line breaks first
(`reviews.forms.SingleLineField`); a service refuses what reaches it any other way."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from lib.singleline import has_line_break


def single_line(value: str, *, what: str) -> str:
    if value and has_line_break(value):
        raise ValidationError(f"{what} must be on one line: it holds a line break.")
    return value

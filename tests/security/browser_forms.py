"""What a browser submits for a form: the HTML form-submission algorithm, enough of it for
Sift's pages (inputs with their values, checked boxes and radios, selected options or a
single select's first option, textareas, the submit button pressed, controls outside the form
that name it with a `form` attribute), without JavaScript."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

_NO_VALUE = {"submit", "button", "reset", "image", "file"}
_PATTERNS = {  # HTML's "valid ... string" for the typed inputs
    "number": r"-?(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?",
    "date": r"\d{4,}-\d\d-\d\d",
    "month": r"\d{4,}-\d\d",
    "week": r"\d{4,}-W\d\d",
    "time": r"\d\d:\d\d(?::\d\d(?:\.\d{1,3})?)?",
    "datetime-local": r"\d{4,}-\d\d-\d\d[T ]\d\d:\d\d(?::\d\d(?:\.\d{1,3})?)?",
}


def sanitize(kind: str, value: str) -> str:
    """HTML's value sanitization algorithm: what the browser holds (and submits) for a value
    attribute. A date that is not YYYY-MM-DD becomes empty: the bug of issue #17."""
    if kind in ("text", "search", "tel", "password", "hidden"):
        return value if kind == "hidden" else re.sub(r"[\r\n]", "", value)
    if kind in ("email", "url"):
        return re.sub(r"[\r\n]", "", value).strip()
    pattern = _PATTERNS.get(kind)
    if pattern is None:
        return value
    if not re.fullmatch(pattern, value):
        return ""
    if kind == "date":
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            return ""
    return value


@dataclass
class Form:
    method: str
    action: str
    attrs: dict
    fields: list[tuple[str, str]] = field(default_factory=list)  # in document order
    submit: tuple[str, str] | None = None  # the first named submit button
    visible: int = 0  # controls a person can see and change


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.form: Form | None = None
        self.select: dict | None = None
        self.option: dict | None = None
        self.textarea: dict | None = None
        # Controls with a `form` attribute, by the id they name (the form may come later).
        self.owned: dict[str, Form] = {}

    def _owner(self, a: dict) -> Form | None:
        if a.get("form"):
            return self.owned.setdefault(a["form"], Form("", "", {}))
        return self.form

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self.form = Form(a.get("method", "get").lower(), a.get("action", ""), a)
            self.forms.append(self.form)
            return
        form = self._owner(a)
        if form is None:
            return
        disabled = "disabled" in a
        if tag == "input":
            kind = a.get("type", "text").lower()
            name = a.get("name")
            if kind != "hidden" and kind not in ("submit", "button", "reset", "image"):
                form.visible += 1
            if kind in ("submit", "image") and form.submit is None and not disabled:
                form.submit = (name, a.get("value", "")) if name else ("", "")
                return
            if not name or disabled or kind in _NO_VALUE:
                return
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    form.fields.append((name, a.get("value", "on")))
                return
            form.fields.append((name, sanitize(kind, a.get("value", ""))))
        elif tag == "button":
            kind = a.get("type", "submit").lower()
            if kind == "submit" and form.submit is None and not disabled:
                form.submit = (a.get("name", ""), a.get("value", ""))
        elif tag == "select":
            form.visible += 1
            self.select = {"name": a.get("name"), "multiple": "multiple" in a,
                           "disabled": disabled, "options": [], "selected": [],
                           "form": form}  # fmt: skip
        elif tag == "option" and self.select is not None:
            self.option = {"value": a.get("value"), "text": "", "selected": "selected" in a,
                           "disabled": disabled}  # fmt: skip
        elif tag == "textarea":
            form.visible += 1
            self.textarea = {"name": a.get("name"), "text": "", "disabled": disabled,
                             "form": form}  # fmt: skip

    def handle_data(self, data):
        if self.option is not None:
            self.option["text"] += data
        if self.textarea is not None:
            self.textarea["text"] += data

    def handle_endtag(self, tag):
        if tag == "option" and self.option is not None:
            self._close_option()
        elif tag == "select" and self.select is not None:
            if self.option is not None:
                self._close_option()
            s, self.select = self.select, None
            if not s["name"] or s["disabled"]:
                return
            chosen = [o for o in s["options"] if o["selected"] and not o["disabled"]]
            if not chosen and not s["multiple"]:
                chosen = [o for o in s["options"] if not o["disabled"]][:1]
            if not s["multiple"]:
                chosen = chosen[-1:]
            for o in chosen:
                value = o["value"] if o["value"] is not None else " ".join(o["text"].split())
                s["form"].fields.append((s["name"], value))
        elif tag == "textarea" and self.textarea is not None:
            t, self.textarea = self.textarea, None
            if t["name"] and not t["disabled"]:
                text = t["text"][1:] if t["text"].startswith("\n") else t["text"]
                # Browsers submit textarea line breaks as CRLF.
                t["form"].fields.append(
                    (t["name"], text.replace("\r\n", "\n").replace("\n", "\r\n"))
                )
        elif tag == "form":
            self.form = None

    def _close_option(self):
        if self.select is not None and self.option is not None:
            self.select["options"].append(self.option)
        self.option = None


def forms_of(html: str) -> list[Form]:
    parser = _Parser()
    parser.feed(html)
    for form in parser.forms:  # the controls that name it by its id (placed first: Sift's
        owned = parser.owned.get(form.attrs.get("id", ""))  # come before the form)
        if owned is not None:
            form.fields[:0] = owned.fields
            form.visible += owned.visible
            form.submit = form.submit or owned.submit
    return parser.forms


def payload(form: Form) -> dict[str, list[str]]:
    """The form's data set as Django's test client posts it (repeated names as lists)."""
    data: dict[str, list[str]] = {}
    for name, value in form.fields:
        data.setdefault(name, []).append(value)
    if form.submit and form.submit[0]:
        data.setdefault(form.submit[0], []).append(form.submit[1])
    return data

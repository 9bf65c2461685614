"""Checklists and extraction forms written as text, one question or field a line, so a
lead can edit them in one box and the app keeps them as data.

Checklist questions::

    ## A: Are the results valid?
    Q1 | Was there a clear statement of the aims? | hint (optional) | Yes, No, Can't tell
    Q10 | How valuable is the research? | | text

Answers are a list of words (Yes, Probably yes, No information, Low, Some concerns, One
star...) or a scale's name (`signalling` = Y / PY / PN / N / NI, `rob2`, `robins_i`,
`stars`...: `answers.SCALES`). A section with a code and a judgement scale is a domain,
judged as a whole; a line starting with `=` gives the overall judgement's scale::

    ## D1 | Bias arising from the randomization process | Low, Some concerns, High
    1.1 | Was the allocation sequence random? | | signalling
    = Overall | rob2

Extraction fields::

    ## Methods
    design | Study design | single_choice | Before and after; Case study | hint
    outcomes | Outcomes by arm | table | outcome; timepoint; arm; n; mean; sd
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field

from .answers import DEFAULT_OPTIONS, OPTIONS, SCALES, option_code

TEXT = "text"
CHOICE = "choice"
FIELD_KINDS = (
    "short_text", "long_text", "number", "integer", "date", "single_choice", "multiple_choice",
    "yes_no", "table",
)  # fmt: skip
RESULT_COLUMNS = (
    "outcome", "timepoint", "arm", "n", "events", "mean", "sd", "effect_measure", "estimate",
    "ci_low", "ci_high", "p",
)  # fmt: skip
# Result table columns that hold numbers: exported as numbers (lib.spreadsheet).
NUMERIC_COLUMNS = frozenset(
    {"n", "events", "mean", "sd", "se", "median", "iqr", "q1", "q3", "min", "max", "estimate",
     "ci_low", "ci_high", "p"}
)  # fmt: skip
# A field's code starts with a letter (it names export columns); a question's may also be a
# tool's item number ("1.1", "9a").
_CODE = re.compile(r"^[A-Za-z][\w.]{0,19}$")
_QUESTION_CODE = re.compile(r"^(?:[A-Za-z][\w.]{0,19}|\d{1,3}(?:\.\d{1,3})*[a-z]?)$")


class DefinitionError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class QuestionDef:
    code: str
    text: str
    section: str = ""
    hint: str = ""
    kind: str = CHOICE
    options: tuple[str, ...] = DEFAULT_OPTIONS
    domain: str = ""  # the code of its domain, if any


@dataclass(frozen=True, slots=True)
class DomainDef:
    code: str
    name: str
    judgements: tuple[str, ...]
    algorithm: str = ""  # lib.appraisal.algorithms key (library tools only)


@dataclass(frozen=True, slots=True)
class Structure:
    """A checklist's questions, domains and overall judgement scale (empty: none)."""

    questions: tuple[QuestionDef, ...]
    domains: tuple[DomainDef, ...] = ()
    judgements: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FieldDef:
    code: str
    label: str
    kind: str
    section: str = ""
    hint: str = ""
    options: tuple[str, ...] = field(default_factory=tuple)
    unit: str = ""  # number and integer fields: shown beside the input and in exports
    min_value: float | None = None  # the allowed range (either end may be open)
    max_value: float | None = None
    required: bool = False  # a submitted extraction needs it (a draft may lack it)
    repeat: str = ""  # its section repeats: "arm" or "outcome" (outcome x time point)


# A section that repeats: one instance per arm, or per outcome x time point. The instance's
# name comes from its fields coded `arm` (or `outcome` and `timepoint`), else "Arm 2".
REPEATS = {"arm": "Arm", "outcome": "Outcome"}
# The fields that name an instance of a repeating section, by repeat.
INSTANCE_NAMES = {"arm": ("arm",), "outcome": ("outcome", "timepoint")}
NUMERIC_KINDS = ("number", "integer")
MAX_INSTANCES = 50  # arms (outcomes x time points) of one repeating section


def _lines(text: str, headers: list | None = None):
    """(line number, section, cells) of each item line; `headers` collects the section lines
    with cells (domains) and the `=` lines as (number, cells)."""
    section = ""
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("//"):
            continue
        if line.startswith("#"):
            section = line.lstrip("#").strip()
            if "|" in section and headers is not None:
                headers.append((number, [p.strip() for p in section.split("|")]))
                section = f"\0{len(headers) - 1}"
            continue
        if line.startswith("=") and headers is not None:
            headers.append((number, [p.strip() for p in line[1:].split("|")]))
            continue
        yield number, section, [part.strip() for part in line.split("|")]


def _scale(number: int, wanted: str) -> tuple[str, ...]:
    """An answer scale: a scale's name or a list of answer words."""
    if wanted.strip().lower() in SCALES:
        return SCALES[wanted.strip().lower()]
    codes = [option_code(w) for w in wanted.split(",") if w.strip()]
    if None in codes or not codes:
        raise DefinitionError(
            f"Line {number}: answers are Yes, No, Can't tell, Unclear, Not applicable, "
            "Probably yes, Probably no, No information, Low, Some concerns, High, One star... "
            f"or a scale ({', '.join(SCALES)}), or 'text'."
        )
    return tuple(dict.fromkeys(c for c in codes if c))


def _check_code(number: int, code: str, seen: set[str], pattern: re.Pattern = _CODE) -> None:
    if not pattern.match(code):
        numbers = ", or an item number such as 1.1 or 9a" if pattern is _QUESTION_CODE else ""
        raise DefinitionError(
            f"Line {number}: {code!r} is not a code (a letter then letters, digits, _ or "
            f".{numbers})."
        )
    if code.lower() in seen:
        raise DefinitionError(f"Line {number}: the code {code} is used twice.")
    seen.add(code.lower())


def parse_checklist(text: str) -> Structure:
    """Questions, domains and the overall judgement scale; DefinitionError names the line."""
    headers: list = []
    questions: list[QuestionDef] = []
    seen: set[str] = set()
    items = list(_lines(text, headers))
    domains: list[DomainDef | None] = []  # None: where the overall judgement line was
    judgements: tuple[str, ...] = ()
    domain_seen: set[str] = set()
    for number, cells in headers:
        if len(cells) < 2 or not cells[0] or not cells[1]:
            raise DefinitionError(
                f"Line {number}: write '## D1 | domain name | judgements' or "
                "'= Overall | judgements'."
            )
        if cells[0].lower() == "overall" and len(cells) == 2:
            if judgements:
                raise DefinitionError(f"Line {number}: the overall judgement is given twice.")
            judgements = _scale(number, cells[1])
            domains.append(None)
            continue
        _check_code(number, cells[0], domain_seen)
        scale = _scale(number, cells[2]) if len(cells) > 2 and cells[2] else ()
        if not scale:
            raise DefinitionError(f"Line {number}: give the domain's judgements.")
        domains.append(DomainDef(cells[0], cells[1], scale))
    for number, section, parts in items:
        domain = ""
        if section.startswith("\0"):
            found = domains[int(section[1:])]
            assert found is not None
            domain, section = found.code, found.name
        if len(parts) < 2 or not parts[1]:
            raise DefinitionError(f"Line {number}: write 'Q1 | question | hint | options'.")
        code, question = parts[0], parts[1]
        _check_code(number, code, seen, _QUESTION_CODE)
        hint = parts[2] if len(parts) > 2 else ""
        wanted = parts[3] if len(parts) > 3 else ""
        if wanted.lower() in ("text", "free text"):
            questions.append(QuestionDef(code, question, section, hint, TEXT, (), domain))
            continue
        options = _scale(number, wanted) if wanted else DEFAULT_OPTIONS
        questions.append(QuestionDef(code, question, section, hint, CHOICE, options, domain))
    if not questions:
        raise DefinitionError("A checklist needs at least one question.")
    kept = tuple(d for d in domains if d is not None)
    used = {q.domain for q in questions}
    empty = [d.code for d in kept if d.code not in used]
    if empty:
        raise DefinitionError(f"The domain {empty[0]} has no questions.")
    return Structure(tuple(questions), kept, tuple(judgements))


def structure_from_rows(
    domains: list[tuple[str, str, str]], questions: list[tuple[str, str, str, str, str]],
    overall: str = "",
) -> Structure:  # fmt: skip
    """A checklist built in the browser, row by row: domains (code, name, judgements) and
    questions (code, text, hint, section or domain code, answers: words, a scale's name or
    "text"), and the overall judgement's scale. Blank rows are skipped; DefinitionError
    names the row."""
    built_domains: list[DomainDef] = []
    domain_seen: set[str] = set()
    for n, (code, name, scale) in enumerate(domains, 1):
        if not (code.strip() or name.strip()):
            continue
        where = f"Domain row {n}"
        if not code.strip() or not name.strip() or not scale.strip():
            raise DefinitionError(f"{where}: give the domain a code, a name and its judgements.")
        try:
            _check_code(n, code.strip(), domain_seen)
            judgements = _scale(n, scale)
        except DefinitionError as error:
            raise DefinitionError(str(error).replace(f"Line {n}", where)) from None
        built_domains.append(DomainDef(code.strip(), " ".join(name.split()), judgements))
    by_code = {d.code.lower(): d for d in built_domains}
    built: list[QuestionDef] = []
    seen: set[str] = set()
    done_domains: set[str] = set()
    last = ""
    for n, (code, text, hint, group, answers) in enumerate(questions, 1):
        if not (code.strip() or text.strip()):
            continue
        where = f"Question row {n}"
        if not code.strip() or not text.strip():
            raise DefinitionError(f"{where}: give the question a code and its text.")
        domain = by_code.get(group.strip().lower())
        if domain is not None and domain.code != last and domain.code in done_domains:
            raise DefinitionError(f"{where}: keep the questions of {domain.code} together.")
        try:
            _check_code(n, code.strip(), seen, _QUESTION_CODE)
            kind = TEXT if answers.strip().lower() in ("text", "free text") else CHOICE
            options = () if kind == TEXT else (_scale(n, answers) if answers.strip()
                                               else DEFAULT_OPTIONS)  # fmt: skip
        except DefinitionError as error:
            raise DefinitionError(str(error).replace(f"Line {n}", where)) from None
        section = domain.name if domain else " ".join(group.split())
        built.append(QuestionDef(code.strip(), " ".join(text.split()), section,
                                 " ".join(hint.split()), kind, options,
                                 domain.code if domain else ""))  # fmt: skip
        if domain is not None:
            done_domains.add(domain.code)
        last = domain.code if domain else ""
    if not built:
        raise DefinitionError("A checklist needs at least one question.")
    unused = [d.code for d in built_domains if d.code not in done_domains]
    if unused:
        raise DefinitionError(f"The domain {unused[0]} has no questions.")
    judgements = _scale(0, overall) if overall.strip() else ()
    return Structure(tuple(built), tuple(built_domains), judgements)


def builder_rows(questions, domains=(), judgements=()) -> dict:
    """A checklist (definitions or model rows) as the browser builder's rows."""
    return {
        "domains": [(d.code, d.name, scale_words(d.judgements)) for d in domains],
        "questions": [
            (q.code, q.text, q.hint, getattr(q.domain, "code", q.domain) or q.section,
             "text" if q.kind == TEXT else scale_words(q.options))
            for q in questions
        ],
        "overall": scale_words(judgements) if judgements else "",
    }  # fmt: skip


def parse_questions(text: str) -> list[QuestionDef]:
    return list(parse_checklist(text).questions)


# Scales written by name in a checklist's text (the Yes/No family is written as words).
_NAMED = ("signalling", "signalling_na", "rob2", "robins_i", "stars", "stars2", "amstar",
          "amstar_ma", "amstar_rob", "amstar_confidence")  # fmt: skip


def scale_words(codes) -> str:
    for name in _NAMED:
        if tuple(codes) == SCALES[name]:
            return name
    return ", ".join(OPTIONS[c].label for c in codes)


def render_questions(questions, domains=(), judgements=()) -> str:
    """The editable text of questions (QuestionDef or anything with the same attributes,
    `domain` being a code), their domains (DomainDef or alike) and overall scale."""
    by_code = {d.code: d for d in domains}
    out, section = [], None
    for q in questions:
        heading = q.section
        domain = getattr(q.domain, "code", q.domain) or ""  # a model row's domain is a row
        if domain and domain in by_code:
            d = by_code[domain]
            heading = f"{d.code} | {d.name} | {scale_words(d.judgements)}"
        if heading != section and heading:
            out.append(f"## {heading}")
        section = heading
        answers = "text" if q.kind == TEXT else scale_words(q.options)
        out.append(f"{q.code} | {q.text} | {q.hint} | {answers}")
    if judgements:
        out.append(f"= Overall | {scale_words(judgements)}")
    return "\n".join(out)


def _bound(number: int, text: str, kind: str) -> float | None:
    text = text.strip()
    if not text:
        return None
    try:
        value = read_number(text)
    except DefinitionError as error:
        raise DefinitionError(f"Line {number}: the range's end {error}") from None
    if value is None:
        raise DefinitionError(f"Line {number}: the range's end {shown(text)} is not a number.")
    if kind == "integer" and value != int(value):
        raise DefinitionError(f"Line {number}: a whole-number field's range is whole numbers.")
    return value


def parse_range(number: int, text: str, kind: str) -> tuple[float | None, float | None]:
    """'0..120', '0..' or '..120' as (min, max); DefinitionError names the line."""
    text = text.strip()
    if not text:
        return None, None
    if ".." not in text:
        raise DefinitionError(f"Line {number}: write the allowed range as min..max (0..120).")
    low, high = (_bound(number, part, kind) for part in text.split("..", 1))
    if low is not None and high is not None and low > high:
        raise DefinitionError(f"Line {number}: the range {text} ends below its start.")
    return low, high


def _section_repeat(number: int, section: str) -> tuple[str, str]:
    """A section line's name and repeat ('Arms | arm')."""
    if "|" not in section:
        return section, ""
    name, repeat = (p.strip() for p in section.split("|", 1))
    if repeat.lower() not in REPEATS or not name:
        raise DefinitionError(
            f"Line {number}: a repeating section is written '## Arms | arm' or "
            "'## Outcomes | outcome'."
        )
    return name, repeat.lower()


def parse_fields(text: str) -> list[FieldDef]:
    """Fields, one a line: code | label | kind | choices or columns | hint | unit |
    min..max | required. '## Section' starts a section, '## Arms | arm' a repeating one."""
    fields: list[FieldDef] = []
    seen: set[str] = set()
    for number, raw_section, parts in _lines(text):
        section, repeat = _section_repeat(number, raw_section)
        if len(parts) < 3:
            raise DefinitionError(f"Line {number}: write 'code | label | kind | options | hint'.")
        code, label, kind = parts[0], parts[1], parts[2].lower().replace(" ", "_")
        _check_code(number, code, seen)
        if kind not in FIELD_KINDS:
            raise DefinitionError(
                f"Line {number}: the kind is one of {', '.join(FIELD_KINDS)}, not {parts[2]!r}."
            )
        options = tuple(o.strip() for o in (parts[3] if len(parts) > 3 else "").split(";"))
        options = tuple(o for o in options if o)
        if kind in ("single_choice", "multiple_choice") and not options:
            raise DefinitionError(f"Line {number}: list the choices, separated by ';'.")
        if kind == "table" and not options:
            options = RESULT_COLUMNS
        if kind not in ("single_choice", "multiple_choice", "table"):
            options = ()
        hint = parts[4] if len(parts) > 4 else ""
        unit = " ".join((parts[5] if len(parts) > 5 else "").split())
        low, high = parse_range(number, parts[6] if len(parts) > 6 else "", kind)
        flag = (parts[7] if len(parts) > 7 else "").strip().lower()
        if flag not in ("", "required", "optional"):
            raise DefinitionError(f"Line {number}: the last cell is 'required' or empty.")
        if (unit or low is not None or high is not None) and kind not in NUMERIC_KINDS:
            raise DefinitionError(
                f"Line {number}: only number and whole-number fields have a unit or a range."
            )
        if len(unit) > 40:
            raise DefinitionError(f"Line {number}: a unit has at most 40 characters.")
        if repeat and kind == "table":
            raise DefinitionError(
                f"Line {number}: a table cannot repeat (it already has a row per arm)."
            )
        fields.append(FieldDef(code, label or code, kind, section, hint, options, unit, low,
                               high, flag == "required", repeat))  # fmt: skip
    if not fields:
        raise DefinitionError("A form needs at least one field.")
    repeats: dict[str, str] = {}
    for f in fields:
        if repeats.setdefault(f.section, f.repeat) != f.repeat:
            raise DefinitionError(
                f"The section {f.section or '(none)'} is both repeating and not: give it one "
                "heading."
            )
    return fields


def number_text(value: float | int | None) -> str:
    """A range's end as typed: 120, not 120.0."""
    if value is None:
        return ""
    return str(int(value)) if float(value) == int(value) else repr(float(value))


def range_text(low, high) -> str:
    """'0..120' (the definition's form), '' when open at both ends."""
    if low is None and high is None:
        return ""
    return f"{number_text(low)}..{number_text(high)}"


def render_fields(fields) -> str:
    out, section = [], None
    for f in fields:
        repeat = getattr(f, "repeat", "")
        heading = f"{f.section} | {repeat}" if repeat else f.section
        if heading != section and f.section:
            out.append(f"## {heading}")
        section = heading
        cells = [f.code, f.label, f.kind, "; ".join(f.options), f.hint,
                 getattr(f, "unit", ""),
                 range_text(getattr(f, "min_value", None), getattr(f, "max_value", None)),
                 "required" if getattr(f, "required", False) else ""]  # fmt: skip
        while len(cells) > 5 and not cells[-1]:
            cells.pop()
        out.append(" | ".join(cells))
    return "\n".join(out)


# --- values ------------------------------------------------------------------------------


def ambiguous_comma(text: str) -> str:
    """The message for a number typed with a comma: "1,200" is 1200 in one country and
    1.2 in another, so it is refused rather than guessed."""
    plain = text.replace(",", "")
    decimal = text.replace(",", ".", 1) if text.count(",") == 1 else ""
    if not re.fullmatch(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?", text.strip()):
        hint = f": write {decimal} with a decimal point" if decimal else ""
        return f"{text!r} is not a number{hint}."
    other = f", or {decimal} with a decimal point" if decimal else ""
    return f"{text!r} is ambiguous: write {plain} without a thousands separator{other}."


MAX_NUMBER_CHARS = 30  # a number's characters, its sign aside: 30 digits is beyond any measure
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", re.ASCII)
_INTEGER = re.compile(r"[+-]?\d+", re.ASCII)
# Full-width signs, point and exponent (the full-width digits are decimal digits).
_WIDE = str.maketrans({"\u2212": "-", "\uff0b": "+", "\uff0d": "-", "\uff0e": ".",
                       "\uff45": "e", "\uff25": "E"})  # fmt: skip


def shown(text: str, limit: int = 40) -> str:
    """Typed text quoted in a message, cut to `limit` characters."""
    return repr(text if len(text) <= limit else text[:limit] + "...")


def ascii_number(text: str) -> str:
    """Text as typed with the digits of any script as ASCII digits ("\uff11\uff12" -> "12",
    Arabic-Indic "\u0663" -> "3") and the minus sign as "-": what a number is stored as, so a
    spreadsheet reads the number. Superscripts, fractions and the like stay as typed."""
    text = text.strip().translate(_WIDE)
    if text.isascii():
        return text
    return "".join(
        str(unicodedata.decimal(c)) if not c.isascii() and c.isdecimal() else c for c in text
    )


def read_number(text: str) -> int | float | None:
    """The one reader of typed numbers (extraction number fields, outcome tables, ranges,
    study weights): plain decimal digits (of any script, read as ASCII), an optional sign,
    one point and an optional exponent ("-0.35", "1200", "1e-3"); no separators, no
    underscores, no words ("inf", "NaN"). None when the text is not written as a number;
    DefinitionError, with a message, for a number that cannot be kept: longer than
    MAX_NUMBER_CHARS, too large for a number (1e309), or too small (a non-zero 1e-400 that
    would be read as 0)."""
    clean = ascii_number(text)
    if not _NUMBER.fullmatch(clean):
        return None
    if len(clean.lstrip("+-")) > MAX_NUMBER_CHARS:
        raise DefinitionError(
            f"{shown(clean)} is too long: a number has at most {MAX_NUMBER_CHARS} characters."
        )
    if _INTEGER.fullmatch(clean):
        return int(clean)
    value = float(clean)
    if not math.isfinite(value):
        raise DefinitionError(f"{shown(clean)} is too large to be kept as a number.")
    if value == 0 and re.search(r"[1-9]", re.split(r"[eE]", clean)[0]):
        raise DefinitionError(f"{shown(clean)} is too small to be kept as a number (not 0).")
    return value


def range_words(low, high, unit: str = "") -> str:
    """'0 to 120 years', 'at least 0', 'at most 120 mmHg'."""
    unit = f" {unit}" if unit else ""
    if low is not None and high is not None:
        return f"{number_text(low)} to {number_text(high)}{unit}"
    if low is not None:
        return f"at least {number_text(low)}{unit}"
    return f"at most {number_text(high)}{unit}"


def _check_number(kind: str, text: str, low, high, unit: str) -> None:
    if "," in text:
        raise DefinitionError(ambiguous_comma(text))
    value = read_number(text)
    if value is None:
        raise DefinitionError(
            f"{shown(text)} is not a whole number."
            if kind == "integer"
            else f"{shown(text)} is not a number."
        )
    if kind == "integer" and not isinstance(value, int):
        raise DefinitionError(f"{shown(text)} is not a whole number.")
    if (low is not None and value < low) or (high is not None and value > high):
        raise DefinitionError(
            f"{text} is outside the allowed range {range_words(low, high, unit)}."
        )


def clean_value(kind: str, options: tuple[str, ...] | list[str], raw: str | list[str], *,
                low: float | None = None, high: float | None = None, unit: str = ""):  # fmt: skip
    """A field's value from form input: text as typed, a list for multiple choice, and for
    tables a list of {column: value} rows (one line a row, cells separated by '|').
    Numbers are checked (no thousands separators: "1,200" is ambiguous; within the field's
    range). Raises DefinitionError with a message for the person typing."""
    if kind == "multiple_choice":
        values = [raw] if isinstance(raw, str) else list(raw)
        values = [v for v in values if v]
        unknown = [v for v in values if v not in options]
        if unknown:
            raise DefinitionError(f"Not a choice: {', '.join(unknown)}.")
        return values
    if kind == "table" and not isinstance(raw, str) and raw and isinstance(raw[0], dict):
        return clean_table(options, raw)  # the table grid: one {column: cell} per row
    text = raw if isinstance(raw, str) else (raw[0] if raw else "")
    text = text.strip()
    if not text:
        return [] if kind == "table" else ""
    if kind in NUMERIC_KINDS:
        _check_number(kind, text, low, high, unit)
        text = ascii_number(text)
    elif kind == "date":
        if not re.match(r"^\d{4}(-\d{2}(-\d{2})?)?$", text):
            raise DefinitionError("Write the date as YYYY, YYYY-MM or YYYY-MM-DD.")
    elif kind == "single_choice" and text not in options:
        raise DefinitionError(f"Not a choice: {text}.")
    elif kind == "yes_no" and text not in ("yes", "no"):
        raise DefinitionError("Answer yes or no.")
    elif kind == "table":
        rows = []
        for line in text.splitlines():
            if not line.strip():
                continue
            cells = [c.strip() for c in line.split("|")]
            if len(cells) > len(options):
                raise DefinitionError(f"A row has more than {len(options)} cells: {line!r}.")
            rows.append(dict(zip(options, cells + [""] * (len(options) - len(cells)), strict=True)))
        return clean_table(options, rows)
    return text


def instance_name(repeat: str, number: int) -> str:
    """'Arm 2', 'Outcome 1': an instance of a repeating section, by its number."""
    return f"{REPEATS.get(repeat, 'Instance')} {number}"


def check_instances(f, count: int) -> None:
    """The one check of a repeating section's size (reviewers' saves and the consensus):
    at most MAX_INSTANCES instances."""
    if count > MAX_INSTANCES:
        raise DefinitionError(
            f"At most {MAX_INSTANCES} {REPEATS[f.repeat].lower()}s in one section."
        )


def clean_field_value(f, raw):
    """A field's value (`f` a Field or FieldDef): as `clean_value`, with the field's range,
    and for a field of a repeating section a list with one value per instance (blank
    instances kept: the extractor added them), errors naming the instance."""
    low: float | None = getattr(f, "min_value", None)
    high: float | None = getattr(f, "max_value", None)
    unit: str = getattr(f, "unit", "")
    if not getattr(f, "repeat", ""):
        return clean_value(f.kind, tuple(f.options), raw, low=low, high=high, unit=unit)
    given = [raw] if isinstance(raw, str) else list(raw or [])
    check_instances(f, len(given))
    cleaned = []
    for number, one in enumerate(given, 1):
        try:
            cleaned.append(
                clean_value(f.kind, tuple(f.options), one, low=low, high=high, unit=unit)
            )
        except DefinitionError as error:
            raise DefinitionError(f"{instance_name(f.repeat, number)}: {error}") from None
    return cleaned


def same_value(f, a, b) -> bool:
    """Whether two reviewers' values of field `f` agree (`answers.same`); a repeating
    section's field instance by instance: Arm 1 with Arm 1, the same number of arms
    (a list of texts would otherwise compare as a set, as multiple choices do)."""
    from .answers import same

    if not getattr(f, "repeat", ""):
        return same(a, b)
    first, second = (v if isinstance(v, list) else [] for v in (a, b))
    return len(first) == len(second) and all(same(x, y) for x, y in zip(first, second, strict=True))


def is_blank(value) -> bool:
    return value in (None, "", [])


def missing_required(fields, values: dict) -> list[str]:
    """The required fields without a value ({field id: stored value}): their labels, and
    for a repeating section each instance lacking one ("N randomised (Arm 2)")."""
    missing = []
    for f in fields:
        if not getattr(f, "required", False):
            continue
        value = values.get(f.pk)
        if not getattr(f, "repeat", ""):
            if is_blank(value):
                missing.append(f.label)
            continue
        instances = value if isinstance(value, list) and value else [""]
        missing += [f"{f.label} ({instance_name(f.repeat, n)})"
                    for n, one in enumerate(instances, 1) if is_blank(one)]  # fmt: skip
    return missing


# Cells that may hold words ("<0.001", "2-5") as well as a number; the other numeric
# columns must be numbers.
_LOOSE_COLUMNS = frozenset({"iqr", "p"})


def _row_name(number: int, row: dict) -> str:
    named = next((str(row[c]) for c in row if c.lower() in ("arm", "group") and row[c]), "")
    return f"Row {number}" + (f" ({named})" if named else "")


def clean_table(options, rows) -> list[dict]:
    """An outcome table's rows (one per arm): blank rows dropped, numeric columns (N,
    events, mean, SD, SE, median...) stored as numbers, and the checks a meta-analysis
    needs (N > 0 and whole, events whole and between 0 and N, SD and SE >= 0), refused
    with a message naming the row."""
    cleaned: list[dict] = []
    for row in rows:
        cells = {c: str(row.get(c, "") if row.get(c) is not None else "").strip() for c in options}
        if not any(cells.values()):
            continue
        where = _row_name(len(cleaned) + 1, cells)
        out: dict[str, object] = {}
        for column, text in cells.items():
            key = column.lower()
            if key not in NUMERIC_COLUMNS or not text:
                out[column] = text
                continue
            try:
                number = read_number(text)
            except DefinitionError as error:
                raise DefinitionError(f"{where}: {column} {error}") from None
            if number is None and "," in text and key not in _LOOSE_COLUMNS:
                raise DefinitionError(f"{where}: {column} {ambiguous_comma(text)}")
            if number is None:
                if key in _LOOSE_COLUMNS:
                    out[column] = text
                    continue
                raise DefinitionError(f"{where}: {column} {shown(text)} is not a number.")
            out[column] = number
        _check_row(where, {c.lower(): v for c, v in out.items()})
        cleaned.append(out)
    return cleaned


def _check_row(where: str, row: dict) -> None:
    n, events = row.get("n"), row.get("events")
    if isinstance(n, (int, float)) and (n <= 0 or n != int(n)):
        raise DefinitionError(f"{where}: N must be a whole number above 0 (it is {n}).")
    if isinstance(events, (int, float)):
        if events < 0 or events != int(events):
            raise DefinitionError(f"{where}: events must be a whole number, 0 or more.")
        if isinstance(n, (int, float)) and events > n:
            raise DefinitionError(f"{where}: events ({events}) are more than N ({n}).")
    for column in ("sd", "se"):
        value = row.get(column)
        if isinstance(value, (int, float)) and value < 0:
            raise DefinitionError(f"{where}: {column.upper()} cannot be negative ({value}).")


def value_text(kind: str, options, value) -> str:
    """A stored value as one line of text (exports) or, for tables, as it is typed."""
    if value in (None, "", []):
        return ""
    if kind == "multiple_choice":
        return "; ".join(value)
    if kind == "table":
        return "\n".join(" | ".join(str(row.get(c, "")) for c in options) for row in value)
    return str(value)


def value_cell(kind: str, options, value) -> object:
    """A stored value as a typed spreadsheet cell (lib.spreadsheet): a number field as a
    number ("-0.35" -> -0.35, exactly as typed), a full date as a date, the rest as text."""
    from lib.spreadsheet import date_or_text, number_or_text

    if value in (None, "", []):
        return None
    if kind in ("number", "integer"):
        return number_or_text(value)
    if kind == "date":
        return date_or_text(value)
    return value_text(kind, options, value)


def result_cell(column: str, value) -> object:
    """One cell of an outcome table row: numbers in the numeric columns, text elsewhere."""
    from lib.spreadsheet import number_or_text

    if value in (None, ""):
        return None
    return number_or_text(value) if column.lower() in NUMERIC_COLUMNS else value


# --- form templates and the browser builder's rows -----------------------------------------

# Starting points for an extraction form (Cochrane Handbook ch. 5's usual items; the
# outcome tables' columns are what `lib.appraisal.outcomes` pairs for metafor and RevMan).
FORM_TEMPLATES: dict[str, tuple[str, str]] = {
    "characteristics": (
        "Study characteristics",
        """## Methods
design | Study design | single_choice | RCT; cluster RCT; non-randomised controlled; cohort; case-control; cross-sectional; qualitative; mixed methods; other
country | Country | short_text
setting | Setting | long_text
start | Study start | date
end | Study end | date
## Participants
population | Population | long_text
inclusion | Inclusion criteria | long_text
n_total | Number randomised or enrolled | number
## Interventions
intervention | Intervention | long_text
comparator | Comparator | long_text
## Other
funding | Funding source | long_text
coi | Conflicts of interest declared | yes_no
""",
    ),
    "dichotomous": (
        "Dichotomous outcomes",
        """## Outcome data
dichotomous | Events per arm (intervention arm first) | table | outcome; timepoint; arm; n; events
definition | Outcome definitions and measurement | long_text
""",
    ),
    "continuous": (
        "Continuous outcomes",
        """## Outcome data
continuous | Means per arm (intervention arm first) | table | outcome; timepoint; arm; n; mean; sd; se; median; iqr
units | Units and scales (conversions you made) | long_text
""",
    ),
    "arms": (
        "Arms and outcomes by time point",
        """## Arms | arm
arm | Arm (intervention or comparator) | short_text | | | | | required
description | What the arm received | long_text
n_randomised | Randomised | integer | | | participants | 1.. | required
n_analysed | Analysed | integer | | | participants | 0..
## Outcomes | outcome
outcome | Outcome | short_text | | | | | required
timepoint | Time point | short_text | | e.g. 12 weeks
measure | Measure or scale | short_text
""",
    ),
    "qualitative": (
        "Qualitative findings",
        """## Findings
findings | Findings (one per line) | long_text
quotes | Supporting quotes with page | long_text
credibility | Credibility of the findings | single_choice | unequivocal; credible; not supported
""",
    ),
}


BUILDER_COLUMNS = ("section", "code", "label", "kind", "options", "hint", "unit", "min", "max",
                   "required", "repeat")  # fmt: skip


def field_rows(fields) -> list[tuple[str, ...]]:
    """A form's fields as the builder's rows: (section, code, label, kind, options, hint,
    unit, min, max, required, repeat)."""
    return [
        (f.section, f.code, f.label, f.kind, "; ".join(f.options), f.hint,
         getattr(f, "unit", ""), number_text(getattr(f, "min_value", None)),
         number_text(getattr(f, "max_value", None)),
         "required" if getattr(f, "required", False) else "", getattr(f, "repeat", ""))
        for f in fields
    ]  # fmt: skip


def definition_from_rows(rows) -> str:
    """The builder's rows as a form definition (`parse_fields` text); blank rows dropped.
    A '|' in a cell would split it: refused naming the row. A section repeats when its
    rows say so (all of them the same way)."""
    out: list[str] = []
    section: str | None = None
    repeats: dict[str, str] = {}
    for number, row in enumerate(rows, start=1):
        cells = [str(c).strip() for c in row] + [""] * (len(BUILDER_COLUMNS) - len(row))
        (section_name, code, label, kind, options, hint, unit, low, high, required,
         repeat) = cells[: len(BUILDER_COLUMNS)]  # fmt: skip
        if not any((code, label, options, hint, unit, low, high)):
            continue
        if any("|" in c or "\n" in c for c in cells):
            raise DefinitionError(f"Field row {number}: '|' and line breaks cannot be used.")
        if repeat and repeat not in REPEATS:
            raise DefinitionError(f"Field row {number}: a section repeats per arm or outcome.")
        if repeat and not section_name:
            raise DefinitionError(f"Field row {number}: a repeating group needs a section name.")
        if repeats.setdefault(section_name, repeat) != repeat:
            raise DefinitionError(
                f"Field row {number}: the section {section_name or '(none)'} repeats in one "
                "row and not in another; give its rows the same 'Repeats'."
            )
        if section_name != section and section_name:
            out.append(f"## {section_name} | {repeat}" if repeat else f"## {section_name}")
        section = section_name
        span = f"{low}..{high}" if (low or high) else ""
        cells = [code, label, kind, options, hint, unit, span, required]
        while len(cells) > 5 and not cells[-1]:
            cells.pop()
        out.append(" | ".join(cells))
    return "\n".join(out)

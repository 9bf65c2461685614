"""Appraisal and extraction downloads (reporting.md 8.4 and 9.2): CSV through the reviews
app's streaming `csv_response`, XLSX through `lib.spreadsheet`: typed cells (numbers as
numbers, dates as dates, times in UTC), answers in their words ("Not applicable", never
"NA", which pandas and R read as missing), studies by the label tables print ("Lambert
2003a") and their id. Every reviewer's own answers (the long files) are for leads: blinding."""

from __future__ import annotations

from collections import defaultdict

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from appraisal import selectors
from appraisal.models import ExtractionForm
from appraisal.views import LEAD, _version
from lib.appraisal import figures
from lib.appraisal.answers import option
from lib.appraisal.definitions import (
    INSTANCE_NAMES,
    RESULT_COLUMNS,
    instance_name,
    result_cell,
    same_value,
    value_cell,
)
from lib.appraisal.outcomes import (
    CONTINUOUS,
    DICHOTOMOUS,
    REVMAN_CONTINUOUS,
    REVMAN_DICHOTOMOUS,
    REVMAN_KEYS,
    comparisons,
)
from lib.appraisal.outcomes import KEYS as OUTCOME_KEYS
from lib.citation import citation
from reviews.access import review_for_user
from reviews.views.downloads import csv_response, xlsx_response
from screening.selectors import primary_report

# The columns of an outcome table that name its row (the long export's own columns).
TABLE_KEYS = frozenset({"outcome", "timepoint", "arm"})


def _name(version) -> str:
    return f"{version.checklist.name} v{version.number}"


def _answers(data, i: int) -> list:
    """Study i's answers in words (the page's table abbreviates them with a legend)."""
    return [option(v).label if q.kind == "choice" and v else v
            for q, v in zip(data.questions, data.rows[i], strict=True)]  # fmt: skip


def _judgement_header(data) -> list[str]:
    """A tool with domains: one column per domain judgement, then the overall judgement."""
    header = [f"{d.code} judgement" for d in data.domains]
    return header + (["Overall judgement"] if data.overall_judgements is not None else [])


def _judgements(data, i: int) -> list[str]:
    codes = list(data.judgements[i]) if data.has_judgements else []
    if data.overall_judgements is not None:
        codes.append(data.overall_judgements[i])
    return [option(c).label if c else "" for c in codes]


def _table_rows(data) -> list[list]:
    header = ["study_id", "Study", *[q.code for q in data.questions], "Comments"]
    if data.overall is not None:
        header.append("Overall")
    rows = [header + _judgement_header(data)]
    for i, study in enumerate(data.studies):
        row = [study.pk, study.cited, *_answers(data, i), data.comments[i]]
        if data.overall is not None:
            row.append(data.overall[i])
        rows.append(row + _judgements(data, i))
    return rows


def _summary_rows(data) -> list[list]:
    summary = data.summary()
    codes = list(dict.fromkeys(c for s in summary for c in s.counts))
    header = ["Question", "Text", "Studies answered"]
    for code in codes:
        header += [option(code).label, f"{option(code).label} %"]
    rows = [header]
    for s in summary:
        row = [s.code, s.text, s.answered]
        for code in codes:
            row += [s.counts.get(code, 0), round(s.percent(code), 1)]
        rows.append(row)
    return rows


def _legend_rows(data) -> list[list]:
    rows = [["Question", "Text"], *[[q.code, q.text] for q in data.questions]]
    rows += [[f"{d.code} judgement", d.name] for d in data.domains]
    rows.append(["Checklist", f"{_name(data.version)}. {data.version.checklist.source_note}"])
    if data.version.overall_rule:
        rows.append(["Overall rule", data.version.overall_rule])
    return rows


@require_GET
@login_required
def table_download(request: HttpRequest, review: str, version_id: int, fmt: str) -> HttpResponse:
    review_obj = review_for_user(request.user, review)
    version = _version(review_obj, version_id)
    data = selectors.appraisal_table(review_obj, version)
    if fmt == "csv":
        return csv_response(_table_rows(data), f"appraisal_table_{version.pk}.csv")
    if fmt == "xlsx":
        sheets = [("Appraisal", _table_rows(data)), ("Summary", _summary_rows(data)),
                  ("Legend", _legend_rows(data))]  # fmt: skip
        return xlsx_response(sheets, f"appraisal_table_{version.pk}.xlsx")
    raise Http404("CSV or XLSX")


@require_GET
@login_required
def summary_csv(request: HttpRequest, review: str, version_id: int) -> HttpResponse:
    review_obj = review_for_user(request.user, review)
    version = _version(review_obj, version_id)
    data = selectors.appraisal_table(review_obj, version)
    return csv_response(_summary_rows(data), f"appraisal_summary_{version.pk}.csv")


@require_GET
@login_required
def figure(request: HttpRequest, review: str, version_id: int, name: str, fmt: str) -> HttpResponse:
    review_obj = review_for_user(request.user, review)
    version = _version(review_obj, version_id)
    if fmt not in figures.FORMATS or name not in ("traffic-light", "summary"):
        raise Http404("No such figure")
    data = selectors.appraisal_table(review_obj, version)
    questions = [(q.code, q.text) for q in data.choice_questions]
    rows = data.choice_rows()
    studies = [s.cited for s in data.studies]
    weighting = selectors.summary_weighting(review_obj, data.studies)
    weighted = {"weights": weighting.weights, "weighting": weighting.label}
    if data.has_judgements:  # a risk-of-bias tool: its judgements, in robvis's conventions
        domains = [(d.code, d.name) for d in data.domains]
        if name == "traffic-light":
            body = figures.rob_traffic_light(studies, domains, data.judgements,
                                             overall=data.overall_judgements,
                                             scale=data.judgement_scale, fmt=fmt)  # fmt: skip
        else:
            body = figures.rob_summary(domains, data.judgements, overall=data.overall_judgements,
                                       scale=data.judgement_scale, fmt=fmt, **weighted)  # fmt: skip
    elif name == "traffic-light":
        body = figures.traffic_light(
            studies, questions, rows, fmt=fmt, overall=data.overall,
            x_title=f"{version.checklist.name} question",
        )  # fmt: skip
    else:
        body = figures.summary_plot(questions, rows, fmt=fmt, **weighted)
    response = HttpResponse(body, content_type=figures.CONTENT_TYPES[fmt])
    if request.GET.get("download") or fmt == "pdf":
        response["Content-Disposition"] = f'attachment; filename="{name}_{version.pk}.{fmt}"'
    return response


@require_GET
@login_required
def wide_csv(request: HttpRequest, review: str, version_id: int) -> HttpResponse:
    review_obj = review_for_user(request.user, review)
    version = _version(review_obj, version_id)
    data = selectors.appraisal_table(review_obj, version)
    header = ["study_id", "study_label", *[q.code for q in data.questions], "comments"]
    if data.overall is not None:
        header.append("overall")
    header += [h.lower().replace(" ", "_") for h in _judgement_header(data)]

    def rows():
        yield header
        for i, study in enumerate(data.studies):
            row = [study.pk, study.cited, *_answers(data, i), data.comments[i]]
            if data.overall is not None:
                row.append(data.overall[i])
            yield row + _judgements(data, i)

    return csv_response(rows(), f"appraisal_wide_{version.pk}.csv")


@require_GET
@login_required
def robvis_csv(request: HttpRequest, review: str, version_id: int) -> HttpResponse:
    """robvis Generic input: Study, D1..Dn (answers translated to judgements: Yes -> Low,
    Can't tell -> Unclear, No -> High), Overall only with a pre-specified rule, then Weight
    (robvis's `rob_summary(weighted = TRUE)` reads the last column as the weights: the lead's
    weights when every study has one, else 1 each, as the summary figure). robvis reads
    every column after Study as a domain, so the study id cannot travel here: the label is
    unique instead ("Lambert 2003a"), as in the wide file that carries both. robvis 0.3.0
    and later take the Weight column in `rob_traffic_light` too."""
    review_obj = review_for_user(request.user, review)
    version = _version(review_obj, version_id)
    data = selectors.appraisal_table(review_obj, version)
    weights = _robvis_weights(review_obj, data)
    if data.has_judgements:
        return _robvis_judgements(data, version, weights)
    domains = [f"D{n}" for n in range(1, len(data.choice_questions) + 1)]
    header = ["Study", *domains] + (["Overall"] if data.overall is not None else []) + ["Weight"]

    def rows():
        yield header
        for i, (study, row) in enumerate(zip(data.studies, data.choice_rows(), strict=True)):
            extra = [data.overall[i]] if data.overall is not None else []
            yield [study.cited, *[option(v).judgement for v in row], *extra, weights[i]]

    return csv_response(rows(), f"robvis_{version.pk}.csv")


def _robvis_weights(review, data) -> list[float]:
    """The Weight column: what the summary figure counts each study by (1 each unweighted)."""
    weighting = selectors.summary_weighting(review, data.studies)
    return list(weighting.weights) if weighting.weights else [1] * len(data.studies)


def _robvis_judgements(data, version, weights: list[float]) -> HttpResponse:
    """A risk-of-bias tool's judgements as robvis reads them: Study, D1..Dn, Overall, Weight,
    the judgement words of the tool ("Low", "Some concerns", "High"; ROBINS-I's "Moderate",
    "Serious", "Critical", "No information")."""
    header = ["Study", *[d.code for d in data.domains]]
    if data.overall_judgements is not None:
        header.append("Overall")
    header.append("Weight")

    def rows():
        yield header
        for i, study in enumerate(data.studies):
            cells = [option(c).judgement if c else "" for c in data.judgements[i]]
            if data.overall_judgements is not None:
                overall = data.overall_judgements[i]
                cells.append(option(overall).judgement if overall else "")
            yield [study.cited, *cells, weights[i]]

    return csv_response(rows(), f"robvis_{version.pk}.csv")


@require_GET
@login_required
def long_csv(request: HttpRequest, review: str) -> HttpResponse:
    review_obj = review_for_user(request.user, review, role=LEAD)
    header = ["study_id", "tool", "tool_version", "item_id", "item_text", "reviewer_id",
              "answer", "support_text", "page_ref", "timestamp_utc", "is_consensus",
              "resolution_method", "resolved_by"]  # fmt: skip

    def rows():
        yield header
        for a in selectors.appraisal_long(review_obj).iterator(chunk_size=2000):
            entry, question = a.appraisal, a.question
            consensus = entry.is_consensus
            yield [
                entry.study_id, question.version.checklist.name, question.version.number,
                question.code, question.text, "" if consensus else entry.reviewer.username,
                option(a.answer).label if a.answer else a.text, a.support_text, a.page_ref,
                a.updated_at, consensus, a.method if consensus else "",
                entry.reviewer.username if consensus else "",
            ]  # fmt: skip
        # Domain and overall judgements (tools with domains): "D1 judgement", the reason as
        # the support text.
        for j in selectors.judgement_long(review_obj).iterator(chunk_size=2000):
            entry, version = j.appraisal, j.appraisal.version
            consensus = entry.is_consensus
            yield [
                entry.study_id, version.checklist.name, version.number,
                f"{j.domain.code if j.domain else 'Overall'} judgement",
                j.domain.name if j.domain else "Overall", "" if consensus else
                entry.reviewer.username, option(j.judgement).label if j.judgement else "",
                j.reason, "", j.updated_at, consensus, j.method if consensus else "",
                entry.reviewer.username if consensus else "",
            ]  # fmt: skip

    return csv_response(rows(), "appraisal_long.csv")


# --- extraction ---------------------------------------------------------------------------------


def _citation(study) -> tuple[str, str]:
    reports = sorted(study.reports.all(), key=lambda r: r.pk)
    ids = ";".join(str(r.pk) for r in reports)
    if not reports:
        return ids, ""
    record = primary_report(study).record
    return ids, citation(record.authors, record.year, record.title, record.journal)


def _appraisal_summaries(review) -> tuple[dict[int, list[str]], dict[int, list[str]]]:
    tools: dict[int, list[str]] = defaultdict(list)
    summaries: dict[int, list[str]] = defaultdict(list)
    for version in selectors.appraised_versions(review):
        data = selectors.appraisal_table(review, version)
        for i, (study, row) in enumerate(zip(data.studies, data.choice_rows(), strict=True)):
            tools[study.pk].append(_name(version))
            if data.has_judgements:
                # A risk-of-bias tool (RoB 2, ROBINS-I ...): its judgements, not its answers,
                # as robvis names them: "D1 Low, D2 Some concerns, ..., Overall High".
                summaries[study.pk].append(_judgement_summary(data, i))
                continue
            counts: dict[str, int] = defaultdict(int)
            for code in row:
                if code:
                    counts[option(code).label] += 1
            summaries[study.pk].append(", ".join(f"{k} {v}" for k, v in counts.items()))
    return tools, summaries


def _columns(fields, finals) -> list[tuple]:
    """The wide table's columns: (field, instance number or 0). A repeating section's field
    gets numbered columns, as many as the study with most instances has (`n_1`, `n_2`)."""
    counts: dict[str, int] = {}
    for item in finals:
        if item.values is None or item.version is None:
            continue
        for f in item.version.fields.all():
            value = item.values.get(f.pk)
            if f.repeat and isinstance(value, list):
                counts[f.code] = max(counts.get(f.code, 1), len(value))
    columns = []
    for f in fields:
        if f.repeat:
            columns += [(f, n) for n in range(1, counts.get(f.code, 1) + 1)]
        else:
            columns.append((f, 0))
    return columns


def _column_name(f, n: int) -> str:
    """'age (years)', 'n_2 (participants)': the code, the instance, the unit."""
    code = f"{f.code}_{n}" if n else f.code
    return f"{code} ({f.unit})" if f.unit else code


def _judgement_summary(data, i: int) -> str:
    """One study's domain judgements and overall judgement, in the robvis file's codes and
    words (`_robvis_judgements`); a judgement not made reads "not judged"."""

    def word(code: str) -> str:
        return option(code).judgement if code else "not judged"

    parts = [f"{d.code} {word(c)}" for d, c in zip(data.domains, data.judgements[i], strict=True)]
    if data.overall_judgements is not None:
        parts.append(f"Overall {word(data.overall_judgements[i])}")
    return ", ".join(parts)


def _characteristics(review, form) -> tuple[list, list[list], list]:
    finals = selectors.extraction_finals(review, form)
    version = selectors.current_version(form)
    columns = _columns(list(version.fields.all()), finals)
    tools, summaries = _appraisal_summaries(review)
    header = ["study_id", "study_label", "report_ids", "primary_citation",
              *[_column_name(f, n) for f, n in columns], "appraisal_tool", "appraisal_summary",
              "extractor_1", "extractor_2", "consensus_by", "extraction_status"]  # fmt: skip
    rows = []
    for item in finals:
        ids, reference = _citation(item.study)
        by_code: dict[tuple[str, int], object] = {}
        if item.values is not None and item.version is not None:
            for f in item.version.fields.all():
                value = item.values.get(f.pk)
                if f.repeat:
                    for n, one in enumerate(value if isinstance(value, list) else [], 1):
                        by_code[(f.code, n)] = value_cell(f.kind, f.options, one)
                else:
                    by_code[(f.code, 0)] = value_cell(f.kind, f.options, value)
        work = item.work
        extractors = [e.reviewer.username for e in work.entries] if work else []
        status = selectors.STATE_LABELS[work.state] if work else "To do"
        rows.append([
            item.study.pk, item.study.cited, ids, reference,
            *[by_code.get((f.code, n), "") for f, n in columns],
            "; ".join(tools.get(item.study.pk, [])), "; ".join(summaries.get(item.study.pk, [])),
            *(extractors + ["", ""])[:2],
            work.consensus.reviewer.username if work and work.consensus else "", status,
        ])  # fmt: skip
    return header, rows, [f for f, _ in columns]


def _form(review, form_id: int) -> ExtractionForm:
    return get_object_or_404(ExtractionForm, pk=form_id, review=review)


@require_GET
@login_required
def characteristics(request: HttpRequest, review: str, form_id: int, fmt: str) -> HttpResponse:
    review_obj = review_for_user(request.user, review)
    form = _form(review_obj, form_id)
    header, rows, fields = _characteristics(review_obj, form)
    if fmt == "csv":
        return csv_response([header, *rows], "characteristics_of_included_studies.csv")
    if fmt != "xlsx":
        raise Http404("CSV or XLSX")
    # One sheet per section, as Covidence's "sheet per section": identity, sections, provenance.
    sheets = [("Studies", [header[:4], *[r[:4] for r in rows]])]
    sections: dict[str, list[int]] = defaultdict(list)
    for n, f in enumerate(fields):
        sections[f.section or "Fields"].append(4 + n)
    for title, columns in sections.items():
        sheets.append((title, [[header[0], header[1], *[header[c] for c in columns]],
                               *[[r[0], r[1], *[r[c] for c in columns]] for r in rows]]))  # fmt: skip
    tail = 4 + len(fields)
    sheets.append(("Appraisal and provenance", [header[:2] + header[tail:],
                   *[r[:2] + r[tail:] for r in rows]]))  # fmt: skip
    return xlsx_response(sheets, "characteristics_of_included_studies.xlsx")


@require_GET
@login_required
def extraction_long_csv(request: HttpRequest, review: str) -> HttpResponse:
    review_obj = review_for_user(request.user, review, role=LEAD)
    values = list(selectors.extraction_long(review_obj))
    reports: dict[int, str] = {}
    for study in review_obj.studies.prefetch_related("reports"):
        reports[study.pk] = ";".join(str(r.pk) for r in study.reports.all())
    given: dict[tuple, list] = defaultdict(list)
    for v in values:
        if not v.extraction.is_consensus and v.extraction.submitted_at:
            given[(v.extraction.study_id, v.field_id)].append(v.value)

    def discrepancy(v) -> bool:
        seen = given.get((v.extraction.study_id, v.field_id), [])
        return len(seen) > 1 and not all(same_value(v.field, seen[0], x) for x in seen[1:])

    header = ["study_id", "report_id", "form_version", "section", "field_id", "field_label",
              "reviewer_id", "value", "source_location", "timestamp_utc", "is_consensus",
              "discrepancy", "resolution_note", "resolved_by",
              "outcome", "timepoint", "arm", "item", "instance", "unit"]  # fmt: skip
    names = _instance_names(values)

    def cells(f, value, entry):
        """(value, outcome, timepoint, arm, item) of a value: an outcome table gives one per
        arm x outcome x time point x measure (a number stays a number), the rest one."""
        if f.repeat:  # one row per instance, named by its arm (outcome, time point) values
            for n, one in enumerate(value if isinstance(value, list) else [], 1):
                named = names.get((entry.pk, f.section, n), {})
                arm = named.get("arm", "") or (instance_name(f.repeat, n) if f.repeat == "arm"
                                               else "")  # fmt: skip
                outcome = named.get("outcome", "") or (
                    instance_name(f.repeat, n) if f.repeat == "outcome" else ""
                )
                yield (value_cell(f.kind, f.options, one), outcome, named.get("timepoint", ""),
                       arm, "", n)  # fmt: skip
            return
        if f.kind != "table" or not isinstance(value, list) or not value:
            yield value_cell(f.kind, f.options, value), "", "", "", "", ""
            return
        for arm in value:
            keys = {c: arm.get(c, "") for c in f.options if c.lower() in TABLE_KEYS}
            named = {c.lower(): v for c, v in keys.items()}
            for column in f.options:
                if column in keys or arm.get(column) in (None, ""):
                    continue
                yield (result_cell(column, arm[column]), named.get("outcome", ""),
                       named.get("timepoint", ""), named.get("arm", ""), column, "")  # fmt: skip

    def rows():
        yield header
        for v in values:
            entry, f = v.extraction, v.field
            consensus = entry.is_consensus
            for cell, outcome, timepoint, arm, item, instance in cells(f, v.value, entry):
                yield [
                    entry.study_id, reports.get(entry.study_id, ""),
                    f"{f.version.form.name} v{f.version.number}", f.section, f.code, f.label,
                    "" if consensus else entry.reviewer.username, cell,
                    v.source_location, v.updated_at, consensus, discrepancy(v),
                    v.note if consensus else "", entry.reviewer.username if consensus else "",
                    outcome, timepoint, arm, item, instance, f.unit,
                ]  # fmt: skip

    return csv_response(rows(), "extraction_long.csv")


def _instance_names(values) -> dict[tuple[int, str, int], dict[str, str]]:
    """{(extraction id, section, instance): {"arm": ..., "outcome": ..., "timepoint": ...}}:
    what names each instance of a repeating section (its fields coded arm, outcome,
    timepoint), for the long export's columns."""
    names: dict[tuple[int, str, int], dict[str, str]] = defaultdict(dict)
    for v in values:
        f = v.field
        if not f.repeat or f.code.lower() not in INSTANCE_NAMES[f.repeat]:
            continue
        for n, one in enumerate(v.value if isinstance(v.value, list) else [], 1):
            if isinstance(one, str) and one:
                names[(v.extraction_id, f.section, n)][f.code.lower()] = one
    return names


@require_GET
@login_required
def results_csv(request: HttpRequest, review: str, form_id: int) -> HttpResponse:
    review_obj = review_for_user(request.user, review)
    form = _form(review_obj, form_id)
    header = ["study_id", *RESULT_COLUMNS]

    def rows():
        yield header
        for item in selectors.extraction_finals(review_obj, form):
            if item.values is None or item.version is None:
                continue
            for f in item.version.fields.all():
                if f.kind != "table":
                    continue
                for arm in item.values.get(f.pk) or []:
                    yield [item.study.pk, *[result_cell(c, arm.get(c)) for c in RESULT_COLUMNS]]

    return csv_response(rows(), "results_long.csv")


@require_GET
@login_required
def outcomes_csv(request: HttpRequest, review: str, form_id: int, kind: str) -> HttpResponse:
    """The final outcome tables as two-group rows for metafor and RevMan
    (`lib.appraisal.outcomes`): `dichotomous` (ai, n1i, ci, n2i) or `continuous`; with
    `_revman` (`outcomes_dichotomous_revman.csv`) the same cells under RevMan's names."""
    data, _, layout = kind.partition("_")
    if data not in ("dichotomous", "continuous") or layout not in ("", "revman"):
        raise Http404("Outcome tables are dichotomous or continuous (for metafor or RevMan)")
    review_obj = review_for_user(request.user, review)
    form = _form(review_obj, form_id)
    columns = DICHOTOMOUS if data == "dichotomous" else CONTINUOUS
    names = [*OUTCOME_KEYS, *columns]
    if layout:  # the same cells under RevMan's column names, in the same order
        names = [*REVMAN_KEYS, *(REVMAN_DICHOTOMOUS if data == "dichotomous"
                                 else REVMAN_CONTINUOUS)]  # fmt: skip

    def rows():
        yield names
        for item in selectors.extraction_finals(review_obj, form):
            if item.values is None or item.version is None:
                continue
            for f in item.version.fields.all():
                if f.kind != "table":
                    continue
                pairs = comparisons(item.study.label, item.values.get(f.pk) or [])
                for pair in pairs[0 if data == "dichotomous" else 1]:
                    yield [pair[c] for c in (*OUTCOME_KEYS, *columns)]

    return csv_response(rows(), f"outcomes_{kind}.csv")

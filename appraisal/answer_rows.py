"""The rows of the answer and consensus pages: a version's questions with the answers given
(a reviewer's own, each reviewer's, the consensus) or, after a refused save, what was typed
(read from the POST by `forms.typed_answers` and `forms.typed_judgements`)."""

from __future__ import annotations

from appraisal import selectors
from appraisal.forms import judgement_field
from lib.appraisal.answers import OPTIONS, option


def question_rows(questions, values: dict, typed: dict | None = None) -> list:
    """(question, its options as Option objects, the values shown) for the answer form;
    `typed` (question id -> values), when given, replaces the stored values."""
    rows = []
    for q in questions:
        shown = values.get(q.pk)
        if typed is not None:
            shown = typed[q.pk]
        rows.append((q, [OPTIONS[c] for c in q.options], shown or {}))
    return rows


def with_judgements(rows: list, judged: list) -> list:
    """Each question row with, after the last question of a domain, the domain's judgement
    (its suggestion, the field's name and options), else None."""
    by_domain = {j.domain.pk: j for j in judged if j.domain is not None}
    last = {row[0].domain_id: row[0].pk for row in rows if row[0].domain_id}
    result = []
    for q, options, shown in rows:
        j = by_domain.get(q.domain_id) if last.get(q.domain_id) == q.pk else None
        extra = (j, judgement_field(j.key), [option(c) for c in j.options]) if j else None
        result.append((q, options, shown, extra))
    return result


def answer_dict(entry) -> dict[int, dict]:
    if entry is None:
        return {}
    return {
        a.question_id: {"answer": a.answer, "text": a.text, "support_text": a.support_text,
                        "page_ref": a.page_ref, "method": a.method}
        for a in entry.answers.all()
    }  # fmt: skip


def consensus_rows(work, questions, typed: dict | None = None) -> tuple[list[dict], set]:
    """Each question with every reviewer's answer, whether they differ, the value shown
    (the consensus, else the shared answer; `typed` after a refused save) and the
    consensus; and the set of questions that differ."""
    different = set(selectors.differences(work))
    entries = [answer_dict(e) for e in work.entries]
    agreed = answer_dict(work.consensus)
    rows = []
    for q in questions:
        given = [(e.reviewer, d.get(q.pk, {})) for e, d in zip(work.entries, entries, strict=True)]
        shown = [
            (who, option(a.get("answer", "")) if a.get("answer") else None, a) for who, a in given
        ]
        first = given[0][1] if given else {}
        default = agreed.get(q.pk) or ({} if q.pk in different else first)
        if typed is not None:
            default = typed[q.pk]
        rows.append({
            "question": q, "answers": shown, "different": q.pk in different,
            "options": [OPTIONS[c] for c in q.options], "value": default,
            "consensus": agreed.get(q.pk),
        })  # fmt: skip
    return rows, different


def consensus_judgement_rows(work, keys, typed: dict | None = None) -> list[dict]:
    """Each judgement (by domain id, None for overall) with every reviewer's, whether they
    differ, the value shown (`typed` after a refused save) and the consensus."""
    reviewers = [selectors.entry_judgements(e) for e in work.entries]
    agreed_judgements = selectors.stored_judgements(work.consensus)
    different_judgements = set(selectors.judgement_differences(work))
    judgement_rows = []
    for index, key in enumerate(keys):
        given = [(e.reviewer, r[index]) for e, r in zip(work.entries, reviewers, strict=True)]
        first = given[0][1] if given else None
        code = first.code if first else ("Overall" if key is None else "")
        default = typed[key] if typed is not None else (agreed_judgements.get(key) or (
            {} if code in different_judgements or first is None else
            {"judgement": first.judgement}))  # fmt: skip
        judgement_rows.append({
            "key": judgement_field(key), "code": code, "name": first.name if first else "",
            "given": given, "different": code in different_judgements,
            "options": [option(c) for c in (first.options if first else [])],
            "value": default, "consensus": agreed_judgements.get(key),
        })  # fmt: skip
    return judgement_rows

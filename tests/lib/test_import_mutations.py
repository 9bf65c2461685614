"""Classes of unseen files the shared exports do not show, made from the real fixtures:
the same records must come out.

- tables: a preamble before the header, another delimiter (';', tab), newlines inside
  quoted cells, cells quoted or not;
- RIS: tags in lower case, no ER lines, blank lines inside records.
Each mutation is applied to every real fixture of its format (hypothesis picks the cells,
rows and lines), and the corpus runs behind the `corpus` marker.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.corpus import CORPUS, ROWS, needs_corpus, read_corpus_file
from tests.hypothesis_budget import examples

from .conftest import FIXTURES, read_all

FAST = settings(
    max_examples=examples(25),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def _fixtures(fmt: str) -> list[Path]:
    paths = []
    for path in sorted(FIXTURES.iterdir()):
        if path.name.startswith(("README", ".")):
            continue
        reader, _ = read_all(path)
        if reader.format == fmt:
            paths.append(path)
    return paths


TABLES = _fixtures("csv")
RIS = _fixtures("ris")


def _summary(records) -> list[tuple]:
    return [
        (r.title, r.abstract, tuple(r.authors), r.year, r.journal, r.doi, r.pmid, r.pages)
        for r in records
    ]


def _table(path: Path) -> tuple[list[str], list[list[str]], str]:
    """(header, data rows, preamble text) of a real CSV fixture, as the importer read it."""
    reader, records = read_all(path)
    header = reader._detection.header
    text = path.read_bytes().decode(reader.encoding)
    preamble = "".join(text.splitlines(keepends=True)[: header.index])
    rows = [
        next(csv.reader(io.StringIO(r.raw_text.split("\n", 1)[1], newline=""))) for r in records
    ]
    return list(header.columns), rows, preamble


def _write(header, rows, delimiter=",", quoting=csv.QUOTE_MINIMAL, preamble="") -> bytes:
    out = io.StringIO()
    out.write(preamble)
    writer = csv.writer(out, delimiter=delimiter, quoting=quoting, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


@pytest.mark.parametrize("path", TABLES, ids=lambda p: p.name)
def test_tables_rewritten_with_any_delimiter_quoting_and_preamble(tmp_path, path) -> None:
    _, expected = read_all(path)
    header, rows, _ = _table(path)

    @FAST
    @given(
        delimiter=st.sampled_from([",", ";", "\t"]),
        quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]),
        preamble=st.lists(
            st.sampled_from(
                ["Search run on 2024-03-01", "Database: Embase", "", "Records: 10", "sep=;"]
            ),
            max_size=4,
        ),
        newlines=st.sets(st.integers(0, len(rows) - 1), max_size=3),
    )
    def check(delimiter, quoting, preamble, newlines) -> None:
        mutated = [list(row) for row in rows]
        for i in newlines:  # a paragraph break inside the abstract (or the last cell)
            column = header.index("Abstract") if "Abstract" in header else len(header) - 1
            cell = mutated[i][column]
            if " " in cell:
                mutated[i][column] = cell.replace(" ", "\n", 1)
        text = "".join(f"{line}\n" for line in preamble)
        target = tmp_path / "table.csv"
        target.write_bytes(_write(header, mutated, delimiter, quoting, text))
        reader, records = read_all(target)
        assert reader.format == ("tsv" if delimiter == "\t" else "csv")
        want = [
            (*s[:1], s[1] if i not in newlines else records[i].abstract, *s[2:])
            for i, s in enumerate(_summary(expected))
        ]
        assert _summary(records) == want
        assert [" ".join(r.abstract.split()) for r in records] == [
            " ".join(r.abstract.split()) for r in expected
        ]

    check()


def lower_tags(text: str) -> str:
    return re.sub(r"(?m)^([A-Z][A-Z0-9])(  -)", lambda m: m.group(1).lower() + m.group(2), text)


def without_er(text: str) -> str:
    return re.sub(r"(?m)^ER  -[^\n]*\n?", "", text)


def blank_line_after_every_tag_line(text: str) -> str:
    return re.sub(r"(?m)^([A-Z][A-Z0-9]  - [^\n]*\n)", r"\1\n", text)


RIS_MUTATIONS = {
    "lower-case tags": lower_tags,
    "no ER lines": without_er,
    "blank lines inside records": blank_line_after_every_tag_line,
}


@pytest.mark.parametrize("mutation", sorted(RIS_MUTATIONS))
@pytest.mark.parametrize("path", RIS, ids=lambda p: p.name)
def test_ris_mutations(tmp_path, path, mutation) -> None:
    reader, expected = read_all(path)
    text = path.read_bytes().decode(reader.encoding).replace("\r\n", "\n").replace("\r", "\n")
    target = tmp_path / path.name
    target.write_bytes(RIS_MUTATIONS[mutation](text).encode("utf-8"))
    again, records = read_all(target)
    assert again.format == "ris"
    assert _summary(records) == _summary(expected)
    if mutation == "no ER lines":
        assert any("has no ER end tag" in w for w in again.warnings)


@pytest.mark.corpus
@needs_corpus
@pytest.mark.parametrize("mutation", sorted(RIS_MUTATIONS))
@pytest.mark.parametrize(
    ("name", "expected"), [pytest.param(f, n, id=f) for f, fmt, n in ROWS if fmt == "ris"]
)
def test_ris_mutations_over_the_corpus(tmp_path, name, expected, mutation) -> None:
    reader, records = read_corpus_file(name)
    text = (CORPUS / name).read_bytes().decode(reader.encoding)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    target = tmp_path / Path(name).name
    target.write_bytes(RIS_MUTATIONS[mutation](text).encode("utf-8"))
    again, mutated = read_all(target)
    assert again.format == "ris"
    assert len(mutated) == expected
    assert [r.title for r in mutated] == [r.title for r in records]

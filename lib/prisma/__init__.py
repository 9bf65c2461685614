"""PRISMA 2020 flow diagrams: counts with states, formulas and checks C01-C24, layout, the
PRISMA2020 package's CSV and the item 16a paragraph (reporting spec sections 1-7, 11)."""

from lib.prisma.checks import ERROR, WARNING, Finding, check, errors, failing, solve
from lib.prisma.export import csv_rows, paragraph
from lib.prisma.layout import Layout, layout
from lib.prisma.model import (
    FIELDS,
    Count,
    Flow,
    Line,
    State,
    Subset,
    assumed,
    computed,
    not_applicable,
    not_reported,
)

__all__ = [
    "ERROR", "FIELDS", "WARNING", "Count", "Finding", "Flow", "Layout", "Line", "State",
    "Subset", "assumed", "check", "computed", "csv_rows", "errors", "failing", "layout", "not_applicable",
    "not_reported", "paragraph", "solve",
]  # fmt: skip

"""Deterministic demo data: the seed review (Smith et al. 2009) and its search results.

Pure and framework-free; the Django `load_demo` command imports `review_spec()` and
`demo_files()` from here.
"""

from .files import DemoFile, demo_files, demo_papers
from .papers import Author, DemoPaper, normalise_title
from .spec import DemoCriterion, DemoReview, DemoSearch, DemoSource, review_spec

__all__ = [
    "Author",
    "DemoCriterion",
    "DemoFile",
    "DemoPaper",
    "DemoReview",
    "DemoSearch",
    "DemoSource",
    "demo_files",
    "demo_papers",
    "normalise_title",
    "review_spec",
]

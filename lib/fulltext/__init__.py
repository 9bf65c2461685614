"""Full texts (reports): checking uploaded PDFs, unpacking ZIPs of them, matching a PDF to
the report it belongs to. No Django here; ``screening`` stores what this package finds."""

from lib.fulltext.archive import ArchiveError, iter_zip_pdfs
from lib.fulltext.match import Candidate, Match, find_identifiers, match_pdf
from lib.fulltext.pdf import PdfError, PdfInfo, make_pdf, read_pdf

__all__ = [
    "ArchiveError",
    "Candidate",
    "Match",
    "PdfError",
    "PdfInfo",
    "find_identifiers",
    "iter_zip_pdfs",
    "make_pdf",
    "match_pdf",
    "read_pdf",
]

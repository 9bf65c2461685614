"""Reading search-result exports: RIS, PubMed/MEDLINE, PubMed XML, Web of Science, EndNote
(XML and tagged), BibTeX, Ovid, CSL-JSON, CSV/TSV and XLSX, each detected from the file's
content.

    with open_export(path, filename="search.ris") as reader:
        for record in reader:       # ParsedRecord, lazily; reader.bytes_read grows
            ...
        reader.warnings             # file-level warnings, complete after iteration

Everything that cannot be imported raises ImportFileError with a message for the user.
"""

from .problems import PROBLEMS
from .raw import fields_from_raw
from .reader import ExportReader, open_export
from .records import TARGET_FIELDS, ImportFileError, ParsedRecord

__all__ = [
    "PROBLEMS",
    "TARGET_FIELDS",
    "ExportReader",
    "ImportFileError",
    "ParsedRecord",
    "fields_from_raw",
    "open_export",
]

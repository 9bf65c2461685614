"""Reading search-result exports: RIS (every dialect in the corpus) and CSV/TSV.

    with open_export(path, filename="search.ris") as reader:
        for record in reader:       # ParsedRecord, lazily; reader.bytes_read grows
            ...
        reader.warnings             # file-level warnings, complete after iteration

Everything that cannot be imported raises ImportFileError with a message for the user.
"""

from .raw import fields_from_raw
from .reader import ExportReader, open_export
from .records import ImportFileError, ParsedRecord

__all__ = ["ExportReader", "ImportFileError", "ParsedRecord", "fields_from_raw", "open_export"]

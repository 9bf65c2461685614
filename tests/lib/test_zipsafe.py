"""lib.zipsafe: the one set of ZIP rules that full-text bulk uploads and whole-review
archives share (their own cases: tests/lib/test_fulltext_archive.py and
tests/reporting/test_archive.py)."""

from __future__ import annotations

import io
import zipfile

import pytest

from lib.zipsafe import (
    ArchiveError,
    ZipLimits,
    checked_entries,
    open_entry,
    open_zip,
    unsafe_name,
)

LOOSE = ZipLimits(max_entries=10, max_total_bytes=10_000, max_ratio=100)
STRICT = ZipLimits(
    max_entries=10,
    max_total_bytes=10_000,
    max_ratio=100,
    methods=frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}),
    backslash_names=False,
)


def build(entries: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> io.BytesIO:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in entries.items():
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=compression)
    out.seek(0)
    return out


def names(source: io.BytesIO, limits: ZipLimits, **kwargs) -> list[str]:
    with open_zip(source, "up.zip") as archive:
        return [i.filename for i in checked_entries(archive, "up.zip", limits, **kwargs)]


@pytest.mark.parametrize(
    "name", ["../x", "a/../../x", "/etc/passwd", "\\x", "C:x", "c:/x", "a\\..\\x", "a\x00b"]
)
def test_names_that_escape_the_folder_are_unsafe(name):
    assert unsafe_name(name)
    assert unsafe_name(name, backslash_allowed=False)


@pytest.mark.parametrize("name", ["a.pdf", "dir/a.pdf", "a..b.pdf", "..a/b", "dir\\a.pdf"])
def test_ordinary_names_are_safe(name):
    assert not unsafe_name(name)


def test_a_backslash_is_refused_only_where_the_limits_say_so():
    data = build({"dir\\a.pdf": b"x"})
    assert names(data, LOOSE) == ["dir\\a.pdf"]
    with pytest.raises(ArchiveError) as caught:
        names(data, STRICT)
    assert caught.value.message == "up.zip holds an unsafe file name (dir\\a.pdf)."


def test_a_method_outside_the_limits_refuses_the_archive():
    data = build({"a.txt": b"abc" * 100}, compression=zipfile.ZIP_BZIP2)
    assert names(data, LOOSE) == ["a.txt"]
    with pytest.raises(ArchiveError, match=r"compression method that cannot be read \(a\.txt\)"):
        names(data, STRICT)


def test_unwanted_entries_still_count_towards_the_total_and_are_not_returned():
    data = build({"a.pdf": b"x" * 6000, "notes.txt": b"y" * 6000})
    with pytest.raises(ArchiveError, match="would unpack to more than 10,000 bytes"):
        names(data, LOOSE, wanted=lambda info: info.filename.endswith(".pdf"))
    small = build({"a.pdf": b"x", "notes.txt": b"y"})
    assert names(small, LOOSE, wanted=lambda info: info.filename.endswith(".pdf")) == ["a.pdf"]


def test_an_entry_reads_whole_through_open_entry():
    with open_zip(build({"a.txt": b"hello"}), "up.zip") as archive:
        (info,) = checked_entries(archive, "up.zip", LOOSE)
        with open_entry(archive, info, "up.zip") as stream:
            assert stream.read() == b"hello"


def test_what_is_not_a_zip_is_refused_before_reading():
    with pytest.raises(ArchiveError, match=r"^up\.zip is not a ZIP archive\.$"):
        open_zip(io.BytesIO(b"%PDF-1.7"), "up.zip")
    with pytest.raises(ArchiveError, match=r"^up\.zip is empty\.$"):
        open_zip(io.BytesIO(b""), "up.zip")

"""Text in figures, whatever its script: which installed font draws each character, how wide
a line is, and where it wraps.

Cairo (cairosvg: the PRISMA PNG and PDF) and matplotlib's Agg draw every character of a run
with one font: a Chinese source name in "Helvetica" came out as empty boxes even with Noto
CJK installed. So text is cut into runs, each with a font that has its glyphs
(`runs`): DejaVu Sans first (matplotlib ships it, so it is always there to measure), then
the Noto fonts that are installed (`fonts-noto-cjk`, `fonts-noto-core` in the Dockerfile),
found by reading their character maps (fontTools), not by name.

Widths come from the same fonts' advance widths, so an ideograph counts as a full em and a
line of Chinese wraps inside its box; lines break at spaces, between ideographs, and inside
a word only when the word alone is too wide. Missing fonts are not an error: the character
is measured as a full em and drawn by whatever the renderer finds (the tests that need the
Noto fonts skip, saying so).
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

PRIMARY = "DejaVu Sans"
FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", os.path.expanduser("~/.fonts"))
# Sans fonts that cover other scripts, preferred in this order; then any other "Noto Sans".
PREFERRED = ("NotoSansCJK-Regular", "NotoSans-Regular", "NotoSansArabic-Regular",
             "NotoSansHebrew-Regular", "NotoSansDevanagari-Regular", "NotoSansThai-Regular",
             "NotoSansSymbols-Regular", "NotoSansSymbols2-Regular")  # fmt: skip


@dataclass(frozen=True)
class Font:
    path: str
    index: int = 0  # the face in a .ttc collection

    @property
    def family(self) -> str:
        return PRIMARY if self == primary() else _family(self.path)


@cache
def primary() -> Font:
    import matplotlib

    return Font(str(Path(matplotlib.get_data_path()) / "fonts/ttf/DejaVuSans.ttf"))


@cache
def _candidates() -> tuple[Font, ...]:
    """Installed regular sans fonts that may draw what DejaVu Sans cannot, best first (only
    their names are read here; a font's tables are read when a character needs it)."""
    found: dict[str, str] = {}
    for top in FONT_DIRS:
        for root, _, files in os.walk(top):
            for name in files:
                stem, ext = os.path.splitext(name)
                if ext.lower() in (".ttf", ".otf", ".ttc") and stem.startswith("NotoSans") and (
                    stem.endswith("-Regular") and "Mono" not in stem and "Display" not in stem
                    and "UI-" not in stem and "Serif" not in stem
                ):  # fmt: skip
                    found.setdefault(stem, os.path.join(root, name))
    ordered = [s for s in PREFERRED if s in found] + sorted(s for s in found if s not in PREFERRED)
    return tuple(Font(found[s]) for s in ordered)


@cache
def _family(path: str) -> str:
    from fontTools.ttLib import TTFont

    with TTFont(path, fontNumber=0, lazy=True) as font:
        return font["name"].getBestFamilyName() or Path(path).stem


@cache
def _metrics(font: Font) -> tuple[dict[int, str], dict[str, tuple[int, int]], int]:
    """(character map, advance widths, units per em) of a font, read once."""
    from fontTools.ttLib import TTFont

    with TTFont(font.path, fontNumber=font.index, lazy=True) as ttf:
        return ttf.getBestCmap() or {}, dict(ttf["hmtx"].metrics), ttf["head"].unitsPerEm


def _covers(font: Font, ch: str) -> bool:
    return ord(ch) in _metrics(font)[0]


@cache
def font_for(ch: str) -> Font | None:
    """The font that draws `ch`: DejaVu Sans if it can, else the first installed fallback
    that has the glyph; None when no installed font has it."""
    if not ch.isprintable() or _covers(primary(), ch):
        return primary()
    for font in _candidates():
        if _covers(font, ch):
            return font
    return None


def _cjk_family(text: str, family: str) -> str:
    """Noto CJK's regional face for the text: Hangul -> KR, kana -> JP, else SC (one file)."""
    if not family.startswith("Noto Sans CJK"):
        return family
    names = {unicodedata.name(c, "").split(" ")[0] for c in text}
    if "HANGUL" in names:
        return "Noto Sans CJK KR"
    if names & {"HIRAGANA", "KATAKANA"}:
        return "Noto Sans CJK JP"
    return "Noto Sans CJK SC"


def runs(text: str) -> list[tuple[str, str]]:
    """The text cut into (piece, font family) runs, each drawable by its one font. Spaces and
    marks stay with the run they are in."""
    out: list[tuple[str, str]] = []
    for ch in text:
        font = font_for(ch)
        family = font.family if font else PRIMARY
        if out and (family == out[-1][1] or ch.isspace() or unicodedata.combining(ch)):
            out[-1] = (out[-1][0] + ch, out[-1][1])
        else:
            out.append((ch, family))
    return [(piece, _cjk_family(piece, family)) for piece, family in out]


def families(texts: list[str]) -> list[str]:
    """Every family `runs` would use for these texts, DejaVu Sans first."""
    seen = {PRIMARY: None}
    for text in texts:
        for _, family in runs(text):
            seen.setdefault(family, None)
    return list(seen)


def font_files(texts: list[str]) -> list[str]:
    """The files of the fallback fonts these texts need (to register with matplotlib)."""
    paths: dict[str, None] = {}  # an ordered set
    for text in texts:
        for ch in text:
            font = font_for(ch)
            if font is not None and font != primary():
                paths.setdefault(font.path, None)
    return list(paths)


def width(text: str, size: float) -> float:
    """The advance width of `text` at `size` px (or pt) in the fonts `runs` picks."""
    return sum(map(_advance, text)) * size


@cache
def _advance(ch: str) -> float:
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Cf", "Mn", "Me"):
        return 0.0
    font = font_for(ch)
    if font is None:  # nothing installed draws it: assume the widest plausible glyph
        return 1.0
    cmap, advances, per_em = _metrics(font)
    glyph = cmap.get(ord(ch))
    if glyph is None or glyph not in advances:
        return 1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.6
    return advances[glyph][0] / per_em


BREAKING_SPACES = " \t\u3000"  # not the no-break space, which holds "(n = 1,288)" together


def _breakable(text: str) -> Iterator[str]:
    """Pieces between which a line may break: words with their trailing spaces, and each
    wide (East Asian) character on its own, keeping closing punctuation with what precedes."""
    piece = ""
    for ch in text:
        wide = unicodedata.east_asian_width(ch) in "WF"
        closing = unicodedata.category(ch) in ("Pe", "Pf", "Po") and wide
        if wide and piece and piece[-1] not in BREAKING_SPACES and not closing:
            yield piece
            piece = ""
        piece += ch
        if ch in BREAKING_SPACES or (wide and not closing):
            yield piece
            piece = ""
    if piece:
        yield piece


def wrap(text: str, limit: float, size: float, indent: str = "") -> list[str]:
    """Lines of `text` no wider than `limit` at `size` (the same unit): greedy, breaking at
    spaces and between ideographs; a word wider than the line is cut. Later lines start
    with `indent`. Widths are summed as pieces are added (linear in the text)."""
    lines: list[str] = []
    line, used = "", 0.0  # the line so far and its width without trailing spaces
    spaces = 0.0  # the width of the line's trailing spaces
    for piece in _breakable(text):
        word = piece.rstrip(BREAKING_SPACES)
        word_w, gap_w = width(word, size), width(piece[len(word) :], size)
        if line and used + spaces + word_w > limit:
            lines.append(line.rstrip(BREAKING_SPACES))
            line, used, spaces = indent, width(indent, size), 0.0
            if not word:
                continue
        line += piece
        if word:
            used, spaces = used + spaces + word_w, gap_w
        else:
            spaces += gap_w
        while used > limit and len(line.rstrip(BREAKING_SPACES)) > len(indent) + 1:
            cut = _fit(line, limit, size, len(indent) + 1)
            lines.append(line[:cut].rstrip(BREAKING_SPACES))
            line = indent + line[cut:].lstrip(BREAKING_SPACES)
            kept = line.rstrip(BREAKING_SPACES)  # the cut piece's trailing space stays counted
            used, spaces = width(kept, size), width(line[len(kept) :], size)
    if line.strip() or not lines:
        lines.append(line.rstrip(BREAKING_SPACES))
    return lines


def _fit(line: str, limit: float, size: float, least: int) -> int:
    """How many characters of `line` fit in `limit` (at least `least`)."""
    total = 0.0
    for i, ch in enumerate(line):
        total += _advance(ch) * size
        if total > limit:
            return max(i, least)
    return len(line)

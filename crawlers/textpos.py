"""Where a hit stands in an extracted text: the 1-based page (pages split by form feeds, as the
document readers write them) and line, for the evidence an inspector looks up in the file."""

from __future__ import annotations


def page_and_line(text: str, pos: int) -> tuple[int, int]:
    """1-based page (pages split by form feeds) and line within that page of a position in text."""
    page_start = text.rfind("\f", 0, pos) + 1
    return text.count("\f", 0, pos) + 1, text.count("\n", page_start, pos) + 1


class PageLines:
    """Page and line of increasing positions in one pass over the text (hits come in order)."""

    def __init__(self, text: str) -> None:
        self.text, self.pos, self.page, self.line = text, 0, 1, 1

    def at(self, pos: int) -> tuple[int, int]:
        if pos < self.pos:
            return page_and_line(self.text, pos)
        pages = self.text.count("\f", self.pos, pos)
        if pages:
            self.page += pages
            self.line = self.text.count("\n", self.text.rfind("\f", self.pos, pos) + 1, pos) + 1
        else:
            self.line += self.text.count("\n", self.pos, pos)
        self.pos = pos
        return self.page, self.line

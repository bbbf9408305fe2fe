"""A minimal Word 97-2003 ``.doc`` writer, for the simulated web's old-format attachment.

No well-kept Python package writes the binary Word format, so this writes the least a reader needs
([MS-CFB] compound file, [MS-DOC] File Information Block and piece table): a ``WordDocument``
stream holding the FIB and the text in UTF-16LE, and a ``1Table`` stream holding the piece table
(one piece for the whole text). Both streams are padded to the 4,096-byte mini-stream cutoff so
the compound file needs only one FAT sector and no mini FAT. antiword and catdoc read it.
"""

from __future__ import annotations

import struct

SECTOR = 512
STREAM = 4096  # each stream's size: at the cutoff, so it lives in regular sectors
FREE, END, FAT_SECTOR, NO_STREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
FIB_SIZE = 32 + 2 + 28 + 2 + 88 + 2 + 93 * 8 + 2  # FibBase .. fibRgFcLcb97, cswNew
CLX_INDEX = 33  # fcClx/lcbClx: the 34th pair of fibRgFcLcb97


def _fib(text_start: int, chars: int, clx_size: int) -> bytes:
    base = struct.pack(
        "<HHHHHHHIBBHHII",
        0xA5EC,  # wIdent
        0x00C1,  # nFib: Word 97
        0,  # unused
        0x0804,  # lid: Chinese (PRC)
        0,  # pnNext
        0x1200,  # flags: fWhichTblStm (the table stream is 1Table), fExtChar (must be 1)
        0x00BF,  # nFibBack
        0,  # lKey
        0,  # envr
        0,  # flags
        0,  # reserved3
        0,  # reserved4
        text_start,  # reserved5: older readers take it as fcMin
        text_start + chars * 2,  # reserved6: fcMac
    )
    base = base.ljust(32, b"\0")
    rgw = struct.pack("<H", 14) + b"\0" * 28
    lw = [0] * 22
    lw[0] = STREAM  # cbMac
    lw[3] = chars  # ccpText
    rglw = struct.pack("<H", 22) + struct.pack("<22I", *lw)
    pairs = [0] * (93 * 2)
    pairs[CLX_INDEX * 2] = 0  # the CLX starts the table stream
    pairs[CLX_INDEX * 2 + 1] = clx_size
    rgfclcb = struct.pack("<H", 93) + struct.pack(f"<{93 * 2}I", *pairs)
    return base + rgw + rglw + rgfclcb + struct.pack("<H", 0)


def _clx(text_start: int, chars: int) -> bytes:
    plc = struct.pack("<II", 0, chars) + struct.pack("<HIH", 0, text_start, 0)  # one piece, UTF-16
    return b"\x02" + struct.pack("<I", len(plc)) + plc


def _entry(name: str, kind: int, left: int, right: int, child: int, start: int, size: int) -> bytes:
    encoded = (name + "\0").encode("utf-16-le") if name else b""
    head = encoded.ljust(64, b"\0") + struct.pack("<HBB", len(encoded), kind, 1)
    links = struct.pack("<III", left, right, child) + b"\0" * 16 + b"\0" * 4 + b"\0" * 16
    return head + links + struct.pack("<IQ", start, size)


def doc_bytes(paragraphs: list[str]) -> bytes:
    """A ``.doc`` file whose text is ``paragraphs``, one paragraph each."""
    text = "\r".join(paragraphs) + "\r"
    chars = len(text)
    text_start = 1024  # after the FIB, well inside the stream
    word = bytearray(STREAM)
    word[:FIB_SIZE] = _fib(text_start, chars, len(_clx(text_start, chars)))
    encoded = text.encode("utf-16-le")
    if text_start + len(encoded) > STREAM:
        raise ValueError("text too long for this minimal writer (about 1,500 characters)")
    word[text_start : text_start + len(encoded)] = encoded
    table = _clx(text_start, chars).ljust(STREAM, b"\0")

    per = STREAM // SECTOR  # sectors per stream
    word_first, table_first = 2, 2 + per
    fat = [FAT_SECTOR, END]
    for first in (word_first, table_first):
        fat += [first + i + 1 for i in range(per - 1)] + [END]
    fat_sector = struct.pack(f"<{SECTOR // 4}I", *(fat + [FREE] * (SECTOR // 4 - len(fat))))
    directory = (
        _entry("Root Entry", 5, NO_STREAM, NO_STREAM, 1, END, 0)
        + _entry("WordDocument", 2, 2, NO_STREAM, NO_STREAM, word_first, STREAM)
        + _entry("1Table", 2, NO_STREAM, NO_STREAM, NO_STREAM, table_first, STREAM)
        + _entry("", 0, NO_STREAM, NO_STREAM, NO_STREAM, 0, 0)
    )
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\0" * 16
        + struct.pack("<HHHHH", 0x003E, 0x0003, 0xFFFE, 9, 6)
        + b"\0" * 6
        + struct.pack("<IIIIIIIII", 0, 1, 1, 0, STREAM, END, 0, END, 0)
        + struct.pack("<109I", 0, *([FREE] * 108))
    )
    return header + fat_sector + directory + bytes(word) + table

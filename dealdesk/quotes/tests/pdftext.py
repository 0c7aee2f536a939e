"""Read the titles out of a WeasyPrint PDF without a PDF library (pypdf isn't a dependency).

WeasyPrint writes the document title (from <title>) and one bookmark per heading
into compressed object streams; inflating them and decoding the /Title strings
is enough to check that a PDF is about the right quote.
"""

import re
import zlib

_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.S)
_TITLE = re.compile(rb"/Title\s*(\((?:\\.|[^\\)])*\)|<[0-9A-Fa-f\s]*>)")


def _decode(raw: bytes) -> str:
    if raw.startswith(b"<"):
        data = bytes.fromhex(raw[1:-1].decode())
        return data[2:].decode("utf-16-be") if data[:2] == b"\xfe\xff" else data.decode("latin-1")
    return re.sub(rb"\\(.)", rb"\1", raw[1:-1]).decode("latin-1")


def pdf_inflated(pdf: bytes) -> list[bytes]:
    """The PDF's bytes plus every Flate stream inflated (object streams hold the metadata)."""
    chunks = [pdf]
    for match in _STREAM.finditer(pdf):
        try:
            chunks.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return chunks


def pdf_titles(pdf: bytes) -> list[str]:
    """The document title and bookmark titles of a PDF, decoded."""
    return [_decode(m.group(1)) for chunk in pdf_inflated(pdf) for m in _TITLE.finditer(chunk)]

"""Step 1: encodings are detected, bad bytes give clear errors."""

import codecs

import pytest

from pipelines.extraction.decoding import DecodeError, decode_bytes

TEXT = "一、总体要求\n（一）指导思想。坚持稳中求进，推动高质量发展。\n"


@pytest.mark.parametrize(
    "data, encoding",
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig"),
        (codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), "utf-16-le"),
        (codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), "utf-16-be"),
        (TEXT.encode("utf-16-le"), "utf-16-le"),
        (TEXT.encode("gbk"), "gb18030"),
        (TEXT.encode("gb18030"), "gb18030"),
    ],
)
def test_detects_encoding_and_returns_the_text(data, encoding):
    decoded = decode_bytes(data)
    assert decoded.encoding == encoding
    assert decoded.text == TEXT


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"", "empty file"),
        (b"  \n\t\n", "empty file"),
        (bytes(range(256)) * 4, "binary content"),
        (b"\x89PNG\r\n\x1a\n" + bytes(200), "binary content"),
        ("café naïve résumé".encode("latin-1"), "unknown encoding"),
    ],
)
def test_bad_input_raises_a_clear_error(data, reason):
    with pytest.raises(DecodeError, match=reason):
        decode_bytes(data)

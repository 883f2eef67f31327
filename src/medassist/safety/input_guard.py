"""Layer 1, the input guard: type, size, encoding and binary checks, and injection scan.

:func:`guard_text_input` is the only way a note enters the pipeline. It decodes bytes
(UTF-8, with or without BOM; UTF-16/UTF-32 with BOM), refuses binary content and oversized
input with a clear :class:`~medassist.errors.InputError`, and reports (never removes)
prompt-injection attempts. The returned :class:`GuardedText` keeps the text exactly as
decoded, so every span downstream points into it.
"""

from __future__ import annotations

import codecs
import hashlib
import re

from medassist.config import get_settings
from medassist.errors import BinaryInputError, InputEncodingError, InputError, InputTooLargeError
from medassist.logs import get_logger
from medassist.safety.injection import detect_injection
from medassist.safety.models import GuardedText
from medassist.schemas.common import Notice, Severity

__all__ = ["guard_text_input", "detect_injection", "decode_note_bytes", "check_binary"]

_log = get_logger(__name__)

#: magic numbers of files that are not text (checked at offset 0 unless noted)
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"%PDF-", "PDF document"),
    (b"PK\x03\x04", "ZIP archive (or DOCX/XLSX)"),
    (b"PK\x05\x06", "ZIP archive"),
    (b"II*\x00", "TIFF image"),
    (b"MM\x00*", "TIFF image"),
    (b"\x1f\x8b", "gzip archive"),
    (b"BZh", "bzip2 archive"),
    (b"7z\xbc\xaf\x27\x1c", "7-Zip archive"),
    (b"Rar!\x1a\x07", "RAR archive"),
    (b"\x7fELF", "executable"),
    (b"MZ", "Windows executable"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "legacy Office document"),
    (b"\x00\x00\x00\x0cjP  ", "JPEG 2000 image"),
    (b"RIFF", "RIFF media file"),
    (b"OggS", "Ogg media file"),
    (b"ID3", "MP3 audio"),
    (b"\x28\xb5\x2f\xfd", "zstd archive"),
    (b"\xfd7zXZ\x00", "xz archive"),
)

_CONTROL_RE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")  # control characters but \t\n\v\f\r
_CONTROL_FRACTION = 0.10
_REPLACEMENT_BINARY_FRACTION = 0.30


def _magic(data: bytes) -> str | None:
    if len(data) >= 132 and data[128:132] == b"DICM":
        return "DICOM file"
    for magic, what in _MAGIC:
        if data.startswith(magic):
            if magic == b"MZ" and b"This program" not in data[:512]:
                continue  # "MZ" alone is too short a signature for text that starts so
            if magic == b"RIFF" and data[8:12] not in (b"WAVE", b"AVI ", b"WEBP"):
                continue
            if magic == b"ID3" and len(data) > 3 and data[3] > 4:
                continue
            if magic == b"BZh" and not (len(data) > 3 and 0x31 <= data[3] <= 0x39):
                continue
            return what
    return None


def decode_note_bytes(data: bytes, errors: str) -> tuple[str, list[Notice]]:
    """Decode note bytes. BOMs select UTF-8/UTF-16/UTF-32; otherwise UTF-8.

    ``errors`` is ``"strict"`` (undecodable bytes raise :class:`InputEncodingError`) or
    ``"replace"`` (they become U+FFFD and a warning notice says how many).
    """
    notices: list[Notice] = []
    for bom, codec in (
        (codecs.BOM_UTF32_LE, "utf-32-le"),
        (codecs.BOM_UTF32_BE, "utf-32-be"),
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if data.startswith(bom):
            payload, encoding = data[len(bom) :], codec
            break
    else:
        payload, encoding = data, "utf-8"
    try:
        return payload.decode(encoding), notices
    except UnicodeDecodeError as exc:
        if errors == "strict":
            raise InputEncodingError(
                f"the note is not valid {encoding.upper()} (first bad byte at offset "
                f"{exc.start}); save it as UTF-8, or set MEDASSIST_DECODE_ERRORS=replace",
                encoding=encoding,
                offset=exc.start,
            ) from None
    text = payload.decode(encoding, errors="replace")
    bad = text.count("\ufffd") - payload.decode(encoding, errors="ignore").count("\ufffd")
    notices.append(
        Notice(
            code="encoding_replaced",
            message=(
                f"{bad} undecodable byte sequence(s) in the note were replaced with U+FFFD; "
                "check the source file's encoding"
            ),
            severity=Severity.warning,
        )
    )
    return text, notices


def check_binary(text: str, replaced: bool = False) -> None:
    """Raise :class:`BinaryInputError` when decoded text looks like binary data."""
    if "\x00" in text:
        raise BinaryInputError(
            "the input contains NUL bytes: it looks like a binary file, not a text note",
            reason="nul_bytes",
        )
    if not text:
        return
    sample = text[:65536]
    controls = len(_CONTROL_RE.findall(sample))
    if controls / len(sample) > _CONTROL_FRACTION:
        raise BinaryInputError(
            f"the input is {controls / len(sample):.0%} control characters: it looks like a "
            "binary file, not a text note",
            reason="control_characters",
        )
    if replaced and len(sample) >= 16:
        fraction = sample.count("\ufffd") / len(sample)
        if fraction > _REPLACEMENT_BINARY_FRACTION:
            raise BinaryInputError(
                f"{fraction:.0%} of the input could not be decoded as text: it looks like a "
                "binary file, not a text note",
                reason="undecodable",
            )


def guard_text_input(raw: str | bytes) -> GuardedText:
    """Layer 1. Validate, decode and scan a note; raise an InputError when it cannot be used.

    - ``bytes``: binary signatures (images, PDF, ZIP, DICOM, executables) raise
      :class:`BinaryInputError`; text is decoded per :func:`decode_note_bytes`.
    - larger than ``settings.max_note_bytes`` -> :class:`InputTooLargeError`.
    - empty / whitespace-only -> valid, with notice ``empty_note``.
    - injection attempts -> findings (code ``prompt_injection``) and a warning notice.
    """
    settings = get_settings()
    limit = settings.max_note_bytes
    if isinstance(raw, bytearray | memoryview):
        raw = bytes(raw)
    if isinstance(raw, bytes):
        byte_length = len(raw)
        _check_size(byte_length, limit)
        what = _magic(raw)
        if what is not None:
            raise BinaryInputError(
                f"the input is a {what}, not a text note; send images to the image pipeline "
                "and extract text from documents first",
                detected=what,
            )
        text, notices = decode_note_bytes(raw, settings.decode_errors)
        check_binary(text, replaced=bool(notices))
    elif isinstance(raw, str):
        try:
            encoded = raw.encode("utf-8")
        except UnicodeEncodeError:  # lone surrogates
            if settings.decode_errors == "strict":
                raise InputEncodingError(
                    "the note contains unpaired surrogate characters and cannot be encoded "
                    "as UTF-8; set MEDASSIST_DECODE_ERRORS=replace to substitute them"
                ) from None
            raw = raw.encode("utf-8", "replace").decode("utf-8", "replace")
            encoded = raw.encode("utf-8")
            notices = [
                Notice(
                    code="encoding_replaced",
                    message="unpaired surrogate characters in the note were replaced with '?'",
                    severity=Severity.warning,
                )
            ]
        else:
            notices = []
        byte_length = len(encoded)
        _check_size(byte_length, limit)
        text = raw[1:] if raw.startswith("\ufeff") else raw
        check_binary(text)
    else:
        raise InputError(
            f"a note must be text (str) or bytes, not {type(raw).__name__}",
            received_type=type(raw).__name__,
        )

    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if not text.strip():
        notices.append(
            Notice(
                code="empty_note",
                message="the note is empty: there is nothing to analyse",
                severity=Severity.info,
            )
        )
        _log.info("empty note (sha256 %s, %d bytes)", sha[:16], byte_length)
        return GuardedText(text=text, sha256=sha, byte_length=byte_length, notices=notices)

    findings = detect_injection(text)
    if findings:
        notices.append(
            Notice(
                code="prompt_injection",
                message=(
                    f"the note contains {len(findings)} passage(s) that look like instructions "
                    "to an AI model; they were treated as note data only and never followed"
                ),
                severity=Severity.warning,
            )
        )
        _log.info("prompt injection suspected: %d span(s) (sha256 %s)", len(findings), sha[:16])
    return GuardedText(
        text=text, sha256=sha, byte_length=byte_length, notices=notices, findings=findings
    )


def _check_size(byte_length: int, limit: int) -> None:
    if byte_length > limit:
        raise InputTooLargeError(
            f"the note is {byte_length:,} bytes, over the limit of {limit:,} bytes; split it, "
            "or raise the limit with the environment variable MEDASSIST_MAX_NOTE_BYTES",
            byte_length=byte_length,
            limit=limit,
        )

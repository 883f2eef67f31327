"""File-type detection from magic bytes (never from the file name or extension)."""

from __future__ import annotations

from typing import Literal

__all__ = ["ImageFormat", "sniff_format", "detect_type"]

ImageFormat = Literal["dicom", "png", "jpeg", "tiff"]

# (magic, offset, name) of types we recognise but do not accept, for a clear error.
_OTHER_MAGIC: tuple[tuple[bytes, int, str], ...] = (
    (b"GIF87a", 0, "gif"),
    (b"GIF89a", 0, "gif"),
    (b"BM", 0, "bmp"),
    (b"%PDF", 0, "pdf"),
    (b"PK\x03\x04", 0, "zip"),
    (b"\x1f\x8b", 0, "gzip"),
    (b"RIFF", 0, "riff (webp/avi/wav)"),
    (b"\x00\x00\x00\x0cjP  ", 0, "jpeg2000 (jp2)"),
    (b"\xff\x4f\xff\x51", 0, "jpeg2000 codestream"),
    (b"\x89HDF", 0, "hdf5"),
    (b"\x7fELF", 0, "elf executable"),
    (b"MZ", 0, "windows executable"),
    (b"\x00\x00\x01\x00", 0, "ico"),
    (b"8BPS", 0, "photoshop"),
    (b"\x93NUMPY", 0, "numpy array"),
    (b"\x5c\x41\xfb\x00", 0, "nifti"),
)

# DICOM files without the 128-byte preamble start directly with a data element. The first
# tag is usually in group 0x0002 (file meta), 0x0008 (identification) or, rarely, 0x0010/0x0018/0x0028.
_DICOM_FIRST_GROUPS = (0x0002, 0x0008, 0x0010, 0x0018, 0x0020, 0x0028)
_VRS = {
    b"AE", b"AS", b"AT", b"CS", b"DA", b"DS", b"DT", b"FL", b"FD", b"IS", b"LO", b"LT", b"OB",
    b"OD", b"OF", b"OL", b"OV", b"OW", b"PN", b"SH", b"SL", b"SQ", b"SS", b"ST", b"SV", b"TM",
    b"UC", b"UI", b"UL", b"UN", b"UR", b"US", b"UT", b"UV",
}  # fmt: skip


def _looks_like_bare_dicom(head: bytes) -> bool:
    """True when ``head`` starts like a DICOM data set without preamble (little endian).

    Conservative on purpose: the group must be a usual first group, the element number
    small, and either an explicit VR follows (little or big endian) or an implicit
    little-endian 4-byte length that fits.
    """
    if len(head) < 8:
        return False
    for order in ("little", "big"):
        group = int.from_bytes(head[0:2], order)  # type: ignore[arg-type]
        element = int.from_bytes(head[2:4], order)  # type: ignore[arg-type]
        if group not in _DICOM_FIRST_GROUPS or element > 0x0100:
            continue
        if head[4:6] in _VRS:
            return True
        length = int.from_bytes(head[4:8], order)  # type: ignore[arg-type]
        if order == "little" and length < 1024:  # implicit VR: the first elements are short
            return True
    return False


def detect_type(head: bytes) -> str:
    """Name the type of a file from its first bytes (at least 132 bytes when available)."""
    if len(head) >= 132 and head[128:132] == b"DICM":
        return "dicom"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "tiff"
    if _looks_like_bare_dicom(head):
        return "dicom"
    for magic, offset, name in _OTHER_MAGIC:
        if head[offset : offset + len(magic)] == magic:
            return name
    if not head:
        return "empty"
    sample = head[:512]
    if all(b in b"\t\n\r" or 32 <= b < 127 for b in sample):
        return "text"
    return "unknown"


def sniff_format(head: bytes) -> ImageFormat | None:
    """The accepted image format of ``head``, or ``None`` if it is anything else."""
    kind = detect_type(head)
    if kind in ("dicom", "png", "jpeg", "tiff"):
        return kind  # type: ignore[return-value]
    return None

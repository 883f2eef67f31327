"""De-identification of DICOM files: the PS3.15 Annex E Basic Application Level
Confidentiality Profile.

The attribute list and action codes live in ``data/deid_basic_profile.tsv`` (with its
source). Actions: D (dummy value), Z (zero length), X (remove), U (UID replaced
consistently: the same original UID always maps to the same new UID for the same
``uid_salt``). Compound codes resolve to the least destructive safe action (X/Z -> Z,
X/D, Z/D and X/Z/D -> D, X/Z/U* -> U). All private tags, curve data (50xx) and overlay
comments/data (60xx) are removed; rules apply inside sequences too. Patient Identity
Removed (0012,0062) is set to YES and De-identification Method (0012,0063) and its code
sequence (DCM 113100) are written.

Not done (reported in the summary): pixel data is not inspected for burned-in text.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import IO, Any

from pydantic import BaseModel, Field

from medassist.errors import ImageDecodeError, UnsupportedFileTypeError
from medassist.imaging.dicom import _silenced, read_dataset
from medassist.imaging.io import read_source
from medassist.imaging.sniff import detect_type
from medassist.logs import get_logger

__all__ = ["DeidentificationSummary", "deidentify", "deidentify_dataset", "profile_rules"]

_log = get_logger(__name__)
_PROCESS_SALT = secrets.token_hex(16)
METHOD = "medassist: PS3.15 Annex E Basic Profile"  # LO: at most 64 characters

_DUMMY_BY_VR: dict[str, Any] = {
    "PN": "ANONYMOUS",
    "LO": "ANONYMIZED",
    "SH": "ANONYMIZED",
    "LT": "ANONYMIZED",
    "ST": "ANONYMIZED",
    "UT": "ANONYMIZED",
    "UC": "ANONYMIZED",
    "CS": "ANONYMIZED",
    "AE": "ANONYMIZED",
    "DA": "19000101",
    "TM": "000000",
    "DT": "19000101000000",
    "AS": "000Y",
    "IS": "0",
    "DS": "0",
}


class DeidentificationSummary(BaseModel):
    """Counts only: never the values that were removed."""

    removed: int = 0
    emptied: int = 0
    replaced: int = 0
    uids_replaced: int = 0
    private_removed: int = 0
    warnings: list[str] = Field(default_factory=list)


@lru_cache(maxsize=1)
def profile_rules() -> dict[int, tuple[str, str]]:
    """Tag (as int) -> (keyword, resolved action D/Z/X/U) from the bundled profile table."""
    text = (
        resources.files("medassist.imaging")
        .joinpath("data/deid_basic_profile.tsv")
        .read_text("utf-8")
    )
    rules: dict[int, tuple[str, str]] = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        tag, keyword, action = line.split("\t")
        rules[int(tag, 16)] = (keyword, _resolve(action))
    return rules


def _resolve(action: str) -> str:
    codes = action.replace("*", "").split("/")
    if "U" in codes:
        return "U"
    if "D" in codes:
        return "D"
    if "Z" in codes:
        return "Z"
    return codes[0]


def _new_uid(old: str, salt: str, cache: dict[str, str]) -> str:
    """A 2.25 UID from a keyed hash of the original: same (salt, UID) -> same new UID."""
    if old not in cache:
        digest = hmac.new(salt.encode(), old.encode(), hashlib.sha256).digest()
        cache[old] = f"2.25.{uuid.UUID(bytes=digest[:16], version=4).int}"
    return cache[old]


def _is_masked_group(tag: Any) -> bool:
    group, element = tag.group, tag.element
    if 0x5000 <= group <= 0x50FF and group % 2 == 0:
        return True  # curve data
    return 0x6000 <= group <= 0x60FF and group % 2 == 0 and element in (0x3000, 0x4000)


def _apply(
    ds: Any,
    rules: dict[int, tuple[str, str]],
    salt: str,
    uids: dict[str, str],
    summary: DeidentificationSummary,
) -> None:
    for elem in list(ds):
        tag = elem.tag
        if tag.is_private:
            del ds[tag]
            summary.private_removed += 1
            continue
        if _is_masked_group(tag):
            del ds[tag]
            summary.removed += 1
            continue
        rule = rules.get(int(tag))
        if rule is None:
            if elem.VR == "SQ" and elem.value is not None:
                for item in elem.value:
                    _apply(item, rules, salt, uids, summary)
            continue
        action = rule[1]
        if action == "X":
            del ds[tag]
            summary.removed += 1
        elif action == "Z":
            elem.value = [] if elem.VR == "SQ" else None
            summary.emptied += 1
        elif action == "D":
            if elem.VR == "SQ":
                elem.value = []
                summary.emptied += 1
            else:
                elem.value = _DUMMY_BY_VR.get(elem.VR)
                summary.replaced += 1
        elif action == "U":
            if elem.VR == "SQ":
                for item in elem.value or []:
                    _apply(item, rules, salt, uids, summary)
                continue
            if elem.value:
                values = elem.value if elem.VM > 1 else [elem.value]
                new = [_new_uid(str(v), salt, uids) for v in values]
                elem.value = new if elem.VM > 1 else new[0]
                summary.uids_replaced += len(new)


def deidentify_dataset(ds: Any, *, uid_salt: str | None = None) -> DeidentificationSummary:
    """De-identify a pydicom Dataset in place; returns counts (never values)."""
    from pydicom.dataset import Dataset
    from pydicom.sequence import Sequence

    salt = uid_salt or _PROCESS_SALT
    uids: dict[str, str] = {}
    summary = DeidentificationSummary()
    rules = profile_rules()
    _apply(ds, rules, salt, uids, summary)
    meta = getattr(ds, "file_meta", None)
    if meta is not None:
        _apply(meta, {k: v for k, v in rules.items() if k >> 16 == 0x0002}, salt, uids, summary)
        if "SOPInstanceUID" in ds:
            meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.PatientIdentityRemoved = "YES"
    ds.DeidentificationMethod = METHOD
    code = Dataset()
    code.CodeValue = "113100"
    code.CodingSchemeDesignator = "DCM"
    code.CodeMeaning = "Basic Application Confidentiality Profile"
    ds.DeidentificationMethodCodeSequence = Sequence([code])
    ds.LongitudinalTemporalInformationModified = "REMOVED"
    burned = str(ds.get("BurnedInAnnotation", "")).upper()
    if burned == "YES" or (
        burned != "NO" and str(ds.get("Modality", "")).upper() in {"US", "SC", "OT", "XC", "ES"}
    ):
        summary.warnings.append(
            "the pixel data may contain burned-in identifying text (not cleaned by this profile)"
        )
    return summary


def deidentify(
    src: Any, dst: str | Path | IO[bytes], *, uid_salt: str | None = None
) -> DeidentificationSummary:
    """Write a de-identified copy of the DICOM file ``src`` (path, bytes or file) to ``dst``.

    ``uid_salt``: pass the same secret for all files of a study to keep their UIDs linked;
    default: a random per-process salt (consistent within this process only).
    """
    data = read_source(src)
    kind = detect_type(data[:1024])
    if kind != "dicom":
        raise UnsupportedFileTypeError(
            f"de-identification needs a DICOM file; detected {kind!r}", detected=kind
        )
    ds = read_dataset(data)
    with _silenced():
        summary = deidentify_dataset(ds, uid_salt=uid_salt)
        try:
            ds.save_as(dst, enforce_file_format=False)
        except Exception as exc:
            raise ImageDecodeError(
                f"could not write the de-identified file ({type(exc).__name__})"
            ) from exc
    _log.info(
        "deidentified removed=%d emptied=%d replaced=%d uids=%d private=%d",
        summary.removed,
        summary.emptied,
        summary.replaced,
        summary.uids_replaced,
        summary.private_removed,
    )
    return summary

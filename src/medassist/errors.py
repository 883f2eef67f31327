"""The exception hierarchy of medassist.

Every error raised on purpose derives from :class:`MedassistError`. Each class carries
an ``exit_code`` (used by the CLI), an ``http_status`` (used by the HTTP API) and a
machine-readable ``code``. Messages are meant to be shown to users: they say what was
wrong and, where possible, what to do. They never contain note text or pixel data.

Hierarchy::

    MedassistError
    ├── InputError                      exit 3, HTTP 400/413/415/422
    │   ├── InputTooLargeError          (413)
    │   ├── InputEncodingError          (400)
    │   ├── BinaryInputError            (415)
    │   └── UnsupportedFileTypeError    (415)
    ├── ImageError                      exit 4, HTTP 422
    │   ├── ImageDecodeError
    │   ├── DecompressionBombError      (413)
    │   └── MissingPixelDataError
    ├── CalculatorError                 exit 5, HTTP 422
    │   ├── UnknownCalculatorError      (404)
    │   ├── CalculatorInputError        (field-specific)
    │   └── UnitConversionError         (field-specific)
    ├── ModelError                      exit 6, HTTP 503
    │   └── BackendUnavailableError
    └── ConfigurationError              exit 7, HTTP 500
"""

from __future__ import annotations

__all__ = [
    "MedassistError",
    "InputError",
    "InputTooLargeError",
    "InputEncodingError",
    "BinaryInputError",
    "UnsupportedFileTypeError",
    "ImageError",
    "ImageDecodeError",
    "DecompressionBombError",
    "MissingPixelDataError",
    "CalculatorError",
    "UnknownCalculatorError",
    "CalculatorInputError",
    "UnitConversionError",
    "ModelError",
    "BackendUnavailableError",
    "ConfigurationError",
    "EXIT_CODES",
]


class MedassistError(Exception):
    """Base class of every error medassist raises on purpose."""

    exit_code: int = 1
    http_status: int = 500
    code: str = "medassist_error"

    def __init__(self, message: str, **context: object) -> None:
        super().__init__(message)
        self.message = message
        self.context = context

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"error": self.code, "message": self.message}
        if self.context:
            out["context"] = {k: v for k, v in self.context.items() if _is_plain(v)}
        return out


def _is_plain(value: object) -> bool:
    return isinstance(value, str | int | float | bool | type(None) | list | tuple)


class InputError(MedassistError):
    """The input (note, file, bytes) cannot be processed as given."""

    exit_code = 3
    http_status = 400
    code = "invalid_input"


class InputTooLargeError(InputError):
    http_status = 413
    code = "input_too_large"


class InputEncodingError(InputError):
    code = "input_encoding"


class BinaryInputError(InputError):
    http_status = 415
    code = "binary_input"


class UnsupportedFileTypeError(InputError):
    http_status = 415
    code = "unsupported_file_type"


class ImageError(MedassistError):
    """An image could not be read or is unsafe to decode."""

    exit_code = 4
    http_status = 422
    code = "image_error"


class ImageDecodeError(ImageError):
    code = "image_decode"


class DecompressionBombError(ImageError):
    http_status = 413
    code = "decompression_bomb"


class MissingPixelDataError(ImageError):
    code = "missing_pixel_data"


class CalculatorError(MedassistError):
    """A clinical calculator could not run with the given inputs."""

    exit_code = 5
    http_status = 422
    code = "calculator_error"


class UnknownCalculatorError(CalculatorError):
    http_status = 404
    code = "unknown_calculator"


class CalculatorInputError(CalculatorError):
    """An input value is missing, of the wrong type or out of its allowed range.

    ``field`` names the offending input.
    """

    code = "calculator_input"

    def __init__(self, message: str, field: str | None = None, **context: object) -> None:
        super().__init__(message, field=field, **context)
        self.field = field


class UnitConversionError(CalculatorInputError):
    code = "unit_conversion"


class ModelError(MedassistError):
    """A model backend failed or is not available."""

    exit_code = 6
    http_status = 503
    code = "model_error"


class BackendUnavailableError(ModelError):
    code = "backend_unavailable"


class ConfigurationError(MedassistError):
    exit_code = 7
    code = "configuration_error"


#: Documented exit codes of the ``medassist`` CLI.
EXIT_CODES: dict[int, str] = {
    0: "success",
    1: "unexpected internal error (a bug: please report it)",
    2: "usage error (bad command line)",
    3: "invalid input (empty file where text is required, too large, undecodable, binary, wrong type)",
    4: "image could not be decoded or is unsafe (truncated, malformed, decompression bomb, no pixels)",
    5: "calculator error (unknown id, missing/out-of-range input, unit not convertible)",
    6: "model backend error",
    7: "configuration error",
}

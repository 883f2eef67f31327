"""The package version, in one place: the package root, the API, the audit records and the
build (``pyproject.toml`` reads it as a dynamic attribute) all take it from here."""

__version__ = "0.1.0"

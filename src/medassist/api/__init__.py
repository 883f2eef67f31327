"""The HTTP API (FastAPI; extra ``server``). Run: ``medassist serve`` or
``uvicorn medassist.api.main:app``. Routes hold no domain logic: they call the same
pipelines as the Python API and the CLI, so every response has passed the safety layers."""

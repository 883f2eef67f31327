"""The public surface of medassist.llm and its settings."""

from __future__ import annotations

import pytest

import medassist.llm
from medassist.errors import MedassistError, ModelError


def test_exported_members():
    assert set(medassist.llm.__all__) == {
        "BACKENDS", "Backend", "BackendUnavailableError", "Completion", "Deadline", "ImageInput",
        "InsufficientMemoryError", "Limits", "Message", "ModelError", "ModelLoadError",
        "ModelNotFoundError", "ModelRun", "ModelTimeoutError", "Request", "RunStats",
        "ServerResponseError", "ServerUnavailableError", "StreamEvent", "StructuredOutputError",
        "Timings", "UnknownBackendError", "backend_class", "backend_table", "clear_cache",
        "get_backend",
    }  # fmt: skip


def test_model_errors_exit_6_and_share_the_base():
    from medassist.llm import errors

    for name in errors.__all__:
        cls = getattr(errors, name)
        assert issubclass(cls, MedassistError)
        if issubclass(cls, ModelError) and cls is not errors.UnknownBackendError:
            assert cls.exit_code == 6, name


def test_limits_default_to_greedy_and_forbid_unknown_keys():
    limits = medassist.llm.Limits()
    assert limits.temperature == 0.0
    with pytest.raises(ValueError):
        medassist.llm.Limits(max_tokens=5)


@pytest.mark.parametrize(
    ("env", "value", "field", "expected"),
    [
        ("MEDASSIST_LLM_BACKEND", "llamacpp", "llm_backend", "llamacpp"),
        ("MEDASSIST_LLM_QUANTIZATION", "4bit", "llm_quantization", "4bit"),
        ("MEDASSIST_LLM_MAX_NEW_TOKENS", "64", "llm_max_new_tokens", 64),
        ("MEDASSIST_LLM_TIMEOUT_S", "2.5", "llm_timeout_s", 2.5),
        ("MEDASSIST_LLM_DEVICE", "cuda:1", "llm_device", "cuda:1"),
    ],
)
def test_settings_from_environment(monkeypatch, env, value, field, expected):
    from medassist.config import Settings

    monkeypatch.setenv(env, value)
    assert getattr(Settings(), field) == expected


def test_bad_backend_setting_is_refused(monkeypatch):
    from pydantic import ValidationError

    from medassist.config import Settings

    monkeypatch.setenv("MEDASSIST_LLM_BACKEND", "gpt")
    with pytest.raises(ValidationError, match="llm_backend"):
        Settings()


def test_api_key_is_secret(monkeypatch):
    from medassist.config import Settings

    monkeypatch.setenv("MEDASSIST_LLM_API_KEY", "sk-secret-value")
    s = Settings()
    assert (
        "sk-secret-value" not in repr(s) and s.llm_api_key.get_secret_value() == "sk-secret-value"
    )

"""GGUF conversion + quantization on real weights (all-MiniLM-L6-v2), and the CLI's bad input.

The real-weights test needs llama.cpp's ``convert_hf_to_gguf.py`` (a llama.cpp checkout or the
llama-cpp-python sdist, found as ``medassist.edge.gguf_convert.find_llama_cpp_dir`` says); it
never downloads: ``.ci/run`` puts the sdist in ~/.cache/medassist beforehand.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from medassist.errors import EXIT_CODES, BackendUnavailableError, InputError

_HAS = {m: importlib.util.find_spec(m) is not None for m in ("llama_cpp", "gguf", "torch")}


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    import os

    return subprocess.run(
        [sys.executable, "-m", "medassist", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
    )


def _clean_error(proc: subprocess.CompletedProcess, code: int, needle: str) -> None:
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == code, (proc.returncode, proc.stderr)
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("error: ")]
    assert lines and needle in lines[0], proc.stderr


@pytest.fixture(scope="module")
def minilm_f16(tmp_path_factory) -> Path:
    for mod, ok in _HAS.items():
        if not ok:
            pytest.skip(f"{mod} not installed (extras gguf + vision)")
    from medassist.edge.fidelity import minilm_dir
    from medassist.edge.gguf_convert import convert_hf_to_gguf, find_llama_cpp_dir

    try:
        model = minilm_dir()
        llama_cpp_dir = find_llama_cpp_dir()
    except BackendUnavailableError as exc:
        pytest.skip(f"real-weights GGUF test: {exc.message}")
    out = tmp_path_factory.mktemp("gguf") / "minilm-f16.gguf"
    return convert_hf_to_gguf(model, out, outtype="f16", llama_cpp_dir=llama_cpp_dir)


def test_real_minilm_quantization_keeps_sentence_embeddings(minilm_f16, tmp_path):
    """Q8_0 cosine >= 0.999 and Q4_K_M >= 0.98 to F16 on the 12 probe sentences."""
    proc = run(
        "edge", "quantize", str(minilm_f16), "--out", str(tmp_path), "--quant", "Q8_0,Q4_K_M",
        "--embedding-probe", "--threads", "2",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report == json.loads((tmp_path / "quantize_report.json").read_text())
    rows = {row["quant"]: row for row in report["quantized"]}
    assert rows["Q8_0"]["embedding"]["cosine_min"] >= 0.999
    assert rows["Q4_K_M"]["embedding"]["cosine_min"] >= 0.98
    assert rows["Q8_0"]["embedding"]["sentences"] == 12
    # the tensor types read back from the files, not the names asked for
    assert set(rows["Q8_0"]["tensor_types"]) == {"Q8_0", "F32"}
    assert "F16" not in rows["Q4_K_M"]["tensor_types"]
    assert "Q4_K" in rows["Q4_K_M"]["tensor_types"]
    assert rows["Q4_K_M"]["bytes"] < rows["Q8_0"]["bytes"] < report["bytes"]


def test_f16_gguf_agrees_with_the_transformers_encoder(minilm_f16):
    """The converted F16 file embeds like the original PyTorch model (mean pooling, L2)."""
    pytest.importorskip("transformers")
    import torch

    from medassist.edge.fidelity import (
        PROBE_SENTENCES,
        minilm_dir,
        sentence_encoder_module,
        sentence_feeds,
    )
    from medassist.edge.gguf_quant import embed_sentences, embedding_fidelity

    module, tokenizer = sentence_encoder_module(minilm_dir())
    with torch.no_grad():
        ref = torch.cat(
            [module(torch.from_numpy(f["input_ids"]), torch.from_numpy(f["attention_mask"]))
             for f in sentence_feeds(tokenizer)]
        ).double().numpy()  # fmt: skip
    gguf_emb, tokens_per_s = embed_sentences(minilm_f16, PROBE_SENTENCES)
    assert tokens_per_s > 0
    assert embedding_fidelity(ref, gguf_emb).cosine_min >= 0.999


def test_converter_missing_is_a_clear_error(tmp_path, monkeypatch):
    from medassist.edge.gguf_convert import find_llama_cpp_dir

    with pytest.raises(BackendUnavailableError, match="convert_hf_to_gguf.py"):
        find_llama_cpp_dir(tmp_path)
    monkeypatch.setenv("MEDASSIST_LLAMA_CPP_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(BackendUnavailableError, match="MEDASSIST_LLAMA_CPP_DIR"):
        find_llama_cpp_dir()
    (tmp_path / "ckpt").mkdir()
    (tmp_path / "ckpt" / "config.json").write_text("{}")
    proc = run(
        "edge", "convert-hf", str(tmp_path / "ckpt"), "--out", str(tmp_path / "x.gguf"),
        "--llama-cpp-dir", str(tmp_path / "ckpt"),
    )  # fmt: skip
    assert "model backend" in EXIT_CODES[6]
    _clean_error(proc, 6, "convert_hf_to_gguf.py")


def test_parse_quant_types():
    from medassist.edge.gguf_quant import parse_quant_types

    assert parse_quant_types("q8_0, Q4_K_M,Q8_0") == ["Q8_0", "Q4_K_M"]
    with pytest.raises(InputError, match="Q9_X"):
        parse_quant_types("Q8_0,Q9_X")
    with pytest.raises(InputError, match="no quantization type"):
        parse_quant_types(" , ")


def test_quantize_cli_bad_input(tmp_path):
    missing = run("edge", "quantize", str(tmp_path / "none.gguf"), "--out", str(tmp_path))
    assert "invalid input" in EXIT_CODES[3]
    _clean_error(missing, 3, "not found")
    not_gguf = tmp_path / "note.gguf"
    not_gguf.write_bytes(b"PK\x03\x04 definitely not a gguf")
    _clean_error(run("edge", "quantize", str(not_gguf), "--out", str(tmp_path)), 3, "not a GGUF")
    fake = tmp_path / "m.gguf"
    fake.write_bytes(b"GGUF" + b"\0" * 64)
    unknown = run("edge", "quantize", str(fake), "--out", str(tmp_path), "--quant", "Q8_0,Q3_X")
    _clean_error(unknown, 3, "unknown quantization type(s) Q3_X")
    assert not list(tmp_path.glob("m-*.gguf"))  # nothing written before the types were checked

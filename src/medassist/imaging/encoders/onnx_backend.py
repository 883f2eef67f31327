"""ONNX Runtime encoder: no torch needed (the edge backend).

Reads a directory written by ``medassist edge export-encoder``:
``vision.onnx`` (and/or ``vision.int8.onnx``), ``preprocess.json``, ``encoder.json``
and ``text_embeddings.npz`` (the prompt bank, embedded at export time, since the edge
device carries no text tower).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from medassist.errors import BackendUnavailableError, ModelError
from medassist.imaging.encoders.base import ImageEncoder, Preprocessor, l2_normalize

__all__ = ["OnnxEncoder", "is_available"]


def is_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("onnxruntime") is not None


class OnnxEncoder(ImageEncoder):
    backend = "onnx"

    def __init__(self, model_dir: str, variant: str | None = None) -> None:
        if not is_available():
            raise BackendUnavailableError(
                "the ONNX backend needs onnxruntime: pip install 'medassist[onnx]'"
            )
        import onnxruntime as ort

        root = Path(model_dir)
        meta_path = root / "encoder.json"
        if not meta_path.is_file():
            raise ModelError(f"{model_dir!r} is not an exported encoder (no encoder.json)")
        meta = json.loads(meta_path.read_text())
        variant = variant or meta.get("default_variant", "int8")
        model_path = root / meta["files"].get(variant, meta["files"]["fp32"])
        options = ort.SessionOptions()
        options.log_severity_level = 3
        self.session = ort.InferenceSession(
            str(model_path), options, providers=["CPUExecutionProvider"]
        )
        self.input_name = self.session.get_inputs()[0].name
        super().__init__(str(root), Preprocessor.from_json(root / "preprocess.json"))
        self.scoring = meta["scoring"]
        self.logit_scale = float(meta["logit_scale"])
        self.logit_bias = float(meta.get("logit_bias", 0.0))
        self.source_model = meta.get("source_model")
        self.variant = model_path.name
        bank = np.load(root / "text_embeddings.npz", allow_pickle=False)
        self._prompt_index = {str(p): i for i, p in enumerate(bank["prompts"])}
        self._prompt_embeddings = bank["embeddings"].astype(np.float32)

    @property
    def name(self) -> str:
        return f"onnx:{self.source_model or Path(self.model_id).name}:{self.variant}"

    def embed_images(self, images: list[np.ndarray]) -> np.ndarray:
        out = self.session.run(None, {self.input_name: self.preprocessor(images)})[0]
        return l2_normalize(out.astype(np.float32))

    def embed_texts(self, texts: list[str]) -> np.ndarray:
        missing = [t for t in texts if t not in self._prompt_index]
        if missing:
            raise ModelError(
                f"{len(missing)} prompt(s) were not embedded at export time; re-export the encoder "
                "with the current prompt bank"
            )
        return self._prompt_embeddings[[self._prompt_index[t] for t in texts]]

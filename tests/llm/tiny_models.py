"""Tiny randomly initialised models of the real architectures, built by the tests.

- :func:`train_tokenizer`: a byte-level BPE trained with the ``tokenizers`` library on a few
  clinical sentences, with Gemma's special tokens.
- :func:`build_tiny_gemma3`: a ``Gemma3ForConditionalGeneration`` (text + SigLIP vision tower),
  its processor and the Gemma chat template, saved to a folder that the real loading code
  (``AutoProcessor`` + ``AutoModelForImageTextToText``) reads.
- :func:`write_tiny_gguf`: a gemma3 GGUF written with the ``gguf`` package (same tokenizer),
  with a chat template in its metadata, that llama.cpp loads and runs.

No weights are downloaded: every number here is random (seeded).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

SPECIAL = [
    "<pad>",
    "<eos>",
    "<bos>",
    "<unk>",
    "<start_of_turn>",
    "<end_of_turn>",
    "<start_of_image>",
    "<end_of_image>",
    "<image_soft_token>",
]

#: the Gemma 3 conversation format: system text folded into the first user turn, images as
#: ``<start_of_image>`` placeholders, the assistant role called ``model``
GEMMA_CHAT_TEMPLATE = (
    "{{ bos_token }}"
    "{%- if messages and messages[0]['role'] == 'system' -%}"
    "{%- if messages[0]['content'] is string -%}{%- set first = messages[0]['content'] -%}"
    "{%- else -%}{%- set first = messages[0]['content'][0]['text'] -%}{%- endif -%}"
    "{%- set first = first + '\n\n' -%}{%- set loop_messages = messages[1:] -%}"
    "{%- else -%}{%- set first = '' -%}{%- set loop_messages = messages -%}{%- endif -%}"
    "{%- for message in loop_messages -%}"
    "{%- set role = 'model' if message['role'] == 'assistant' else message['role'] -%}"
    "{{ '<start_of_turn>' + role + '\n' + (first if loop.first else '') }}"
    "{%- if message['content'] is string -%}{{ message['content'] | trim }}"
    "{%- else -%}{%- for item in message['content'] -%}"
    "{%- if item['type'] == 'image' or item['type'] == 'image_url' -%}{{ '<start_of_image>' }}"
    "{%- elif item['type'] == 'text' -%}{{ item['text'] | trim }}{%- endif -%}"
    "{%- endfor -%}{%- endif -%}"
    "{{ '<end_of_turn>\n' }}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{ '<start_of_turn>model\n' }}{%- endif -%}"
)

_CORPUS = [
    "The patient denies chest pain and shortness of breath.",
    "History of hypertension and type 2 diabetes, on metformin 500 mg twice daily.",
    'Return a JSON object: {"summary": "text", "findings": [{"quote": "x"}]}',
    "Chest X-ray: no focal consolidation. Heart size normal. Review the image quality.",
    "HR 88, BP 132/84, SpO2 97% on room air, temperature 37.2 C.",
    "Suggested next steps: review the medication list and repeat the blood pressure.",
    '{"region": "left lower lobe", "observation": "opacity", "confidence": "low"}',
    "0123456789 ,.:;!?()[]{}<>\"' -_/+=%*&#@ abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ",
]


def train_tokenizer(vocab_size: int = 400):
    """A byte-level BPE (every byte representable) with the Gemma special tokens first."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE(unk_token=None, byte_fallback=False))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(_CORPUS * 4, trainer=trainer)
    return tok


def hf_tokenizer(tok=None):
    from transformers import PreTrainedTokenizerFast

    tok = tok or train_tokenizer()
    return PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token="<bos>",
        eos_token="<eos>",
        pad_token="<pad>",
        unk_token="<unk>",
        extra_special_tokens={
            "boi_token": "<start_of_image>",
            "eoi_token": "<end_of_image>",
            "image_token": "<image_soft_token>",
            "sot_token": "<start_of_turn>",
            "eot_token": "<end_of_turn>",
        },
        chat_template=GEMMA_CHAT_TEMPLATE,
    )


def build_tiny_gemma3(out: Path, *, vision: bool = True, seed: int = 0) -> Path:
    """Save a tiny random Gemma3ForConditionalGeneration + processor to ``out``."""
    import torch
    from transformers import (
        Gemma3Config,
        Gemma3ForConditionalGeneration,
        Gemma3Processor,
        Gemma3TextConfig,
        SiglipVisionConfig,
    )
    from transformers.models.gemma3.image_processing_pil_gemma3 import Gemma3ImageProcessorPil

    torch.manual_seed(seed)
    tokenizer = hf_tokenizer()
    vocab = len(tokenizer)
    ids = {t: tokenizer.convert_tokens_to_ids(t) for t in SPECIAL}
    text = Gemma3TextConfig(
        vocab_size=vocab,
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=1,
        head_dim=32,
        max_position_embeddings=2048,
        sliding_window=64,
        pad_token_id=ids["<pad>"],
        bos_token_id=ids["<bos>"],
        eos_token_id=[ids["<eos>"], ids["<end_of_turn>"]],
    )
    image_size, patch, mm_tokens = 64, 16, 4
    vision_cfg = SiglipVisionConfig(
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=1,
        num_attention_heads=2,
        image_size=image_size,
        patch_size=patch,
    )
    config = Gemma3Config(
        text_config=text.to_dict(),
        vision_config=vision_cfg.to_dict(),
        mm_tokens_per_image=mm_tokens,
        boi_token_index=ids["<start_of_image>"],
        eoi_token_index=ids["<end_of_image>"],
        image_token_index=ids["<image_soft_token>"],
        pad_token_id=ids["<pad>"],
        bos_token_id=ids["<bos>"],
        eos_token_id=[ids["<eos>"], ids["<end_of_turn>"]],
    )
    model = Gemma3ForConditionalGeneration(config).eval()
    model.generation_config.eos_token_id = [ids["<eos>"], ids["<end_of_turn>"]]
    model.generation_config.pad_token_id = ids["<pad>"]
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    processor = Gemma3Processor(
        image_processor=Gemma3ImageProcessorPil(size={"height": image_size, "width": image_size}),
        tokenizer=tokenizer,
        chat_template=GEMMA_CHAT_TEMPLATE,
        image_seq_length=mm_tokens,
    )
    processor.save_pretrained(out)
    if not vision:
        (out / "NO_VISION").write_text("text-only use\n")
    return out


def write_tiny_gguf(out: Path, *, seed: int = 0, n_embd: int = 64, n_layer: int = 2) -> Path:
    """A tiny random gemma3 GGUF (F32 tensors) with the trained byte-level BPE vocabulary."""
    import gguf

    tok = train_tokenizer()
    vocab = tok.get_vocab()
    tokens = [t for t, _ in sorted(vocab.items(), key=lambda kv: kv[1])]
    import json

    model_json = json.loads(tok.to_str())
    merges = [m if isinstance(m, str) else " ".join(m) for m in model_json["model"]["merges"]]
    special = {vocab[t] for t in SPECIAL}
    rng = np.random.default_rng(seed)
    n_head, n_head_kv, head_dim, n_ff = 2, 1, 32, 128
    out = Path(out)
    w = gguf.GGUFWriter(str(out), "gemma3")
    w.add_name("tiny-random-gemma3")
    w.add_context_length(2048)
    w.add_embedding_length(n_embd)
    w.add_block_count(n_layer)
    w.add_feed_forward_length(n_ff)
    w.add_head_count(n_head)
    w.add_head_count_kv(n_head_kv)
    w.add_key_length(head_dim)
    w.add_value_length(head_dim)
    w.add_layer_norm_rms_eps(1e-6)
    w.add_rope_freq_base(10000.0)
    w.add_sliding_window(64)
    w.add_file_type(gguf.LlamaFileType.ALL_F32)
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("default")
    w.add_token_list(tokens)
    w.add_token_types(
        [
            gguf.TokenType.CONTROL if i in special else gguf.TokenType.NORMAL
            for i in range(len(tokens))
        ]
    )
    w.add_token_merges(merges)
    w.add_bos_token_id(vocab["<bos>"])
    w.add_eos_token_id(vocab["<end_of_turn>"])
    w.add_pad_token_id(vocab["<pad>"])
    w.add_unk_token_id(vocab["<unk>"])
    w.add_add_bos_token(True)
    w.add_add_eos_token(False)
    w.add_chat_template(GEMMA_CHAT_TEMPLATE)

    def t(name: str, *shape: int, norm: bool = False) -> None:
        if norm:
            data = (rng.standard_normal(shape) * 0.02).astype(np.float32)
        else:
            data = (rng.standard_normal(shape) * 0.2).astype(np.float32)
        w.add_tensor(name, data)

    t("token_embd.weight", len(tokens), n_embd)
    t("output_norm.weight", n_embd, norm=True)
    for b in range(n_layer):
        p = f"blk.{b}."
        t(p + "attn_norm.weight", n_embd, norm=True)
        t(p + "attn_q.weight", n_head * head_dim, n_embd)
        t(p + "attn_k.weight", n_head_kv * head_dim, n_embd)
        t(p + "attn_v.weight", n_head_kv * head_dim, n_embd)
        t(p + "attn_output.weight", n_embd, n_head * head_dim)
        t(p + "attn_q_norm.weight", head_dim, norm=True)
        t(p + "attn_k_norm.weight", head_dim, norm=True)
        t(p + "post_attention_norm.weight", n_embd, norm=True)
        t(p + "ffn_norm.weight", n_embd, norm=True)
        t(p + "ffn_gate.weight", n_ff, n_embd)
        t(p + "ffn_up.weight", n_ff, n_embd)
        t(p + "ffn_down.weight", n_embd, n_ff)
        t(p + "post_ffw_norm.weight", n_embd, norm=True)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return out


def write_tiny_mmproj(out: Path, *, seed: int = 1, n_embd_text: int = 64) -> Path:
    """A tiny random Gemma 3 vision projector (SigLIP tower + avg-pool + soft-emb norm +
    projection) as an mmproj GGUF that llama.cpp's mtmd loads beside :func:`write_tiny_gguf`."""
    import gguf

    rng = np.random.default_rng(seed)
    size, patch, width, ff, heads = 64, 16, 32, 64, 2
    n_patches = (size // patch) ** 2
    w = gguf.GGUFWriter(str(out), "clip")
    w.add_name("tiny-random-gemma3-mmproj")
    w.add_clip_has_vision_encoder(True)
    w.add_clip_projector_type(gguf.VisionProjectorType.GEMMA3)
    w.add_vision_image_size(size)
    w.add_vision_patch_size(patch)
    w.add_vision_embedding_length(width)
    w.add_vision_feed_forward_length(ff)
    w.add_vision_projection_dim(n_embd_text)
    w.add_vision_block_count(1)
    w.add_vision_head_count(heads)
    w.add_vision_attention_layernorm_eps(1e-6)
    w.add_vision_image_mean([0.5, 0.5, 0.5])
    w.add_vision_image_std([0.5, 0.5, 0.5])
    w.add_vision_use_gelu(True)
    w.add_vision_projector_scale_factor(2)  # 4x4 patches -> 2x2 = 4 image tokens
    w.add_file_type(gguf.LlamaFileType.ALL_F32)

    def t(name: str, *shape: int, scale: float = 0.2) -> None:
        w.add_tensor(name, (rng.standard_normal(shape) * scale).astype(np.float32))

    t("v.patch_embd.weight", width, 3, patch, patch)
    t("v.patch_embd.bias", width)
    t("v.position_embd.weight", n_patches, width)
    p = "v.blk.0."
    for name in ("attn_q", "attn_k", "attn_v", "attn_out"):
        t(p + name + ".weight", width, width)
        t(p + name + ".bias", width)
    for name in ("ln1", "ln2"):
        w.add_tensor(p + name + ".weight", np.ones(width, dtype=np.float32))
        t(p + name + ".bias", width, scale=0.02)
    t(p + "ffn_up.weight", ff, width)
    t(p + "ffn_up.bias", ff)
    t(p + "ffn_down.weight", width, ff)
    t(p + "ffn_down.bias", width)
    w.add_tensor("v.post_ln.weight", np.ones(width, dtype=np.float32))
    t("v.post_ln.bias", width, scale=0.02)
    w.add_tensor("mm.soft_emb_norm.weight", np.ones(width, dtype=np.float32))
    t("mm.input_projection.weight", width, n_embd_text)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return out

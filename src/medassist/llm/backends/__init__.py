"""One module per backend: ``none``, ``transformers``, ``llamacpp``, ``openai``."""

"""Edge deployment: exported encoders (ONNX, INT8) and their fidelity probes."""

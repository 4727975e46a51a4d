"""fp16 bundles for GPUs: float16 weights and arithmetic inside, float32 at every graph input and output
(keep_io_types), so the Java side feeds and reads float32 whatever the precision.

Some graphs stay float32, each for a stated reason (manifest "fp32_kept"):
- always: the parts known to be fragile in half precision (FRAGILE below);
- measured: any other graph whose fp16 validation error exceeds FP16_REL_TOLERANCE or gives non-finite values
  (an overflow); the exporter then re-exports it in float32 and records the measured error as the reason.
"""

from __future__ import annotations

from pathlib import Path

import onnx

from .graphs import EXTERNAL_DATA_BYTES

FRAGILE = {
    "vae_encoder": "VAE: the AudioLDM VAE produced NaN in half precision (haoheliu/AudioLDM PR #42, 'Fix bug on VAE "
                   "NAN output'); the diffusers VAE config sets force_upcast=true",
    "vae_decoder": "VAE: the AudioLDM VAE produced NaN in half precision (haoheliu/AudioLDM PR #42, 'Fix bug on VAE "
                   "NAN output'); the diffusers VAE config sets force_upcast=true",
    "t5_encoder": "T5: activations of (flan-)T5 checkpoints exceed the float16 range (transformers clamps them to "
                  "65504 only when running T5 itself in fp16, a clamp the exported graph does not have)",
}

# fp16 keeps an 11-bit significand (relative step 4.9e-4 per operation); after tens of layers the error grows to
# about 1e-3 of the output scale (measured: see the manifest's validation block), so 1e-2 separates rounding
# from real faults (an overflow or a wrong branch gives errors of the output scale itself).
FP16_REL_TOLERANCE = 1e-2


def convert_to_fp16(path: Path) -> None:
    """Rewrites the graph at `path` (and its external data) with float16 internals and float32 I/O."""
    from onnxruntime.transformers.float16 import convert_float_to_float16

    model = onnx.load(str(path))
    converted = convert_float_to_float16(model, keep_io_types=True)
    data_file = path.with_name(path.name + ".data")
    if data_file.exists():
        data_file.unlink()
    external = sum(t.ByteSize() for t in converted.graph.initializer) > EXTERNAL_DATA_BYTES
    onnx.save(converted, str(path), save_as_external_data=external, all_tensors_to_one_file=True,
              location=data_file.name, size_threshold=1024)

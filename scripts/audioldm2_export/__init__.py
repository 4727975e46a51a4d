"""Export a diffusers AudioLDM2Pipeline to the ONNX bundle described in docs/BUNDLE.md.

Modules:
  errors       ExportError, the one exception the command line turns into a one-line message
  configs      component configs: the tiny fixture and the full-size cvssp checkpoints
  tiny         builds a seeded pipeline (tiny or full-size random weights) with locally trained tokenizers
  source       resolves --model (local folder or Hub id) and loads the pipeline
  graphs       the nine graph wrappers, their example inputs and the ONNX export
  text_tokenizers  tokenizer.json conversion for DJL and the id check
  validation   onnxruntime vs PyTorch on random inputs
  reference    diffusers reference outputs for a list of cases
  manifest     manifest.json: config block, graph I/O, file hashes
"""

"""Export a diffusers AudioLDM2Pipeline to the ONNX bundle described in docs/BUNDLE.md.

scripts/ is the import root (scripts/export_onnx.py runs from there; pytest adds it through scripts/pytest.ini).
Modules, each importing only those listed above it:
  errors       ExportError, the one exception the command line turns into a one-line message
  configs      component configs: the tiny fixture, diffusers' test pipeline and the full-size cvssp checkpoints
  tiny         builds a seeded pipeline (tiny or full-size random weights) with locally trained tokenizers
  source       resolves --model (local folder or Hub id) and loads the pipeline (the one loader, bench included)
  graphs       what the nine graphs are: wrappers, I/O names, dynamic axes, example inputs, shapes
  onnx_files   how they become ONNX files: tracing, the exporters' clean-up, external data
  precision    float16 conversion and the graphs that stay float32
  text_tokenizers  tokenizer.json conversion for DJL and the id check
  validation   onnxruntime vs PyTorch on random inputs
  manifest     manifest.json: config block, graph I/O, file hashes
  bundle       writes a bundle: graphs, tokenizers, validation, manifest
  dsp          torchaudio's resampling, AudioLDM's normalisation and log-mel (the Java audio front end's reference)
  schedulers   the reference cases' schedulers
  audio_to_audio  audio-to-audio reference cases
  ranking      CLAP ranking reference fixtures
  reference    diffusers reference outputs for a list of cases (text-to-audio and audio-to-audio)
  fast         fast mode: the int8 graphs under <bundle>/fast/, the guidance interval, the error measurement
"""

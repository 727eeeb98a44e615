"""Training, export and evaluation of the captioner (the only place torch is imported).

Pipeline: ``data`` (corpus readers) -> ``text`` (PTB-like tokens, vocabulary) ->
``encoder``/``features`` (frozen EfficientNet-Lite, cached float16 grids) -> ``model`` and
``train`` (Show, Attend and Tell decoder) -> ``export`` (ONNX model directory) ->
``onnx_eval`` (end-to-end scores and speed of what ships). ``cli.main`` is
``capdesk train``.
"""

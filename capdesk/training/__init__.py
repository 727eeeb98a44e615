"""Training, export and evaluation of the captioner (the only place torch is imported).

Pipeline: ``data`` (corpus readers) -> ``text`` (PTB-like tokens, vocabulary) ->
``encoder``/``features`` (frozen EfficientNet-Lite, cached float16 grids) -> ``model`` and
``train`` (Show, Attend and Tell decoder) -> ``export`` (ONNX model directory) ->
``measure`` (end-to-end scores and speed of what ships, through ``capdesk.engine``).
``cli.main`` is ``capdesk train``.

Layers, top to bottom. A module imports only from layers below it (function-local
imports included); modules in one layer do not import each other::

    cli
    tune | scst | compress | measure
    train | ensemble
    export
    features | evaluate | checkpoint | manifest
    data | text | encoder | model | torch_onnx

Captioning and scoring of exported models go through ``capdesk.engine`` (``measure``,
``compress``); torch-side validation (``evaluate``, ``tune``) shares the engine's beam
search and its one pycocoevalcap wrapper, ``capdesk.engine.scoring.score_captions``.
"""

"""Captioning with ONNX Runtime and numpy: no Qt, no torch.

Use :class:`Captioner`; it raises :class:`ModelError` with a user-facing message when the
model folder is missing or broken, and reports the provider that really runs.
"""

from capdesk.domain.decoding import PROVIDER_CHOICES
from capdesk.domain.resources import default_model_dir
from capdesk.engine.beam import Hypothesis, SearchCancelled, beam_search
from capdesk.engine.captioner import Captioner, Encoded, StageTimes
from capdesk.engine.decoders import LanguageDecoder
from capdesk.engine.language_specs import DecoderSpec
from capdesk.engine.model import ModelError, ModelSpec, load_spec
from capdesk.engine.sessions import ProviderError

__all__ = [
    "PROVIDER_CHOICES",
    "Captioner",
    "DecoderSpec",
    "Encoded",
    "Hypothesis",
    "LanguageDecoder",
    "ModelError",
    "ModelSpec",
    "ProviderError",
    "SearchCancelled",
    "StageTimes",
    "beam_search",
    "default_model_dir",
    "load_spec",
]

"""Reading the text in a photo, locally and offline (numpy + Pillow + onnxruntime, and the
Tesseract executable). No Qt, no torch. See docs/OCR.md for the engines and their figures."""

from capdesk.ocr.metrics import WordScore, counted_words, score_words
from capdesk.ocr.reader import TextReader
from capdesk.ocr.types import Line, OcrError, VisibleText

__all__ = ["Line", "OcrError", "TextReader", "VisibleText", "WordScore", "counted_words",
           "score_words"]

"""Build-time int8 quantization of the exported OCR graphs (onnxruntime.quantization).

CRAFT (convolutions) is quantized statically (QDQ, per-channel weights, MinMax activations
calibrated on photos given by the caller — use fit-half photos only); the recogniser
(convolutions + LSTM) dynamically (int8 weights, activations quantized on the fly). Example:

    python scripts/quantize_ocr_onnx.py /work/cache/ocr/onnx models/ocr \
        --calibration /work/shared/data/ood/sroie/images/002.jpg ...
"""

from __future__ import annotations

import argparse
import math
import shutil
from pathlib import Path

import numpy as np
from onnxruntime.quantization import (
    CalibrationDataReader,
    QuantFormat,
    QuantType,
    quantize_dynamic,
    quantize_static,
)
from onnxruntime.quantization.shape_inference import quant_pre_process
from PIL import Image

MEAN = np.array([0.485, 0.456, 0.406], np.float32) * 255.0
STD = np.array([0.229, 0.224, 0.225], np.float32) * 255.0


class Photos(CalibrationDataReader):
    """CRAFT inputs prepared exactly as capdesk/ocr/onnx_engine.py does, at one canvas size."""

    def __init__(self, paths: list[Path], canvas: int) -> None:
        self.items = iter([self._prep(p, canvas) for p in paths])

    @staticmethod
    def _prep(path: Path, canvas: int) -> dict[str, np.ndarray]:
        im = Image.open(path).convert("RGB")
        r = min(1.0, canvas / max(im.size))
        im = im.resize((round(im.width * r), round(im.height * r)), Image.Resampling.BILINEAR)
        a = np.asarray(im, np.float32)
        x = np.zeros((math.ceil(a.shape[0] / 32) * 32, math.ceil(a.shape[1] / 32) * 32, 3),
                     np.float32)
        x[:a.shape[0], :a.shape[1]] = a
        return {"images": ((x - MEAN) / STD).transpose(2, 0, 1)[None]}

    def get_next(self) -> dict[str, np.ndarray] | None:
        return next(self.items, None)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("src", type=Path, help="folder with craft.onnx, recogniser.onnx, charset.json")
    p.add_argument("out", type=Path)
    p.add_argument("--calibration", type=Path, nargs="+", required=True)
    p.add_argument("--canvas", type=int, default=640)
    args = p.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    pre = args.out / "craft.pre.onnx"
    quant_pre_process(str(args.src / "craft.onnx"), str(pre), skip_symbolic_shape=True)
    quantize_static(str(pre), str(args.out / "craft.int8.onnx"),
                    Photos(args.calibration, args.canvas), quant_format=QuantFormat.QDQ,
                    per_channel=True, activation_type=QuantType.QUInt8,
                    weight_type=QuantType.QInt8)
    pre.unlink()
    quantize_dynamic(str(args.src / "recogniser.onnx"), str(args.out / "recogniser.int8.onnx"),
                     weight_type=QuantType.QInt8)
    shutil.copy(args.src / "charset.json", args.out / "charset.json")
    for f in ("craft.int8.onnx", "recogniser.int8.onnx"):
        print(f, (args.out / f).stat().st_size)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

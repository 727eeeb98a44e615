"""A rendered receipt-like photo: black DejaVu text on off-white paper, for text reading.

The font comes from the system (Debian ``fonts-dejavu-core``); tests skip clearly when it
is absent rather than guessing at a font.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")

RECEIPT_LINES = (
    "GREEN VALLEY GROCERY",
    "12 HARBOUR STREET SPRINGFIELD",
    "RECEIPT NUMBER 48213",
    "BANANAS 1.20",
    "PORRIDGE OATS 2.35",
    "WHOLE MILK 1.10",
    "CHEDDAR CHEESE 3.40",
    "TOMATOES 1.85",
    "BROWN BREAD 1.60",
    "ORANGE JUICE 2.10",
    "SUBTOTAL 13.60",
    "TOTAL 13.60",
    "PAID BY CARD",
    "THANK YOU FOR SHOPPING WITH US",
)


def render_receipt(path: Path, size: tuple[int, int] = (900, 1300),
                   paper: tuple[int, int, int] = (246, 244, 238)) -> Path:
    """Save a receipt-like photo of :data:`RECEIPT_LINES` at ``path`` (JPEG by suffix);
    ``paper`` (255, 255, 255) makes a page whose white clips, like a flash-lit sheet."""
    if not FONT.is_file():
        pytest.skip(f"font {FONT} not installed (Debian: fonts-dejavu-core)")
    font = ImageFont.truetype(str(FONT), 40)
    image = Image.new("RGB", size, paper)
    draw = ImageDraw.Draw(image)
    y = 50
    for line in RECEIPT_LINES:
        draw.text((50, y), line, fill=(20, 20, 20), font=font)
        y += 85
    image.save(path, quality=92)
    return path

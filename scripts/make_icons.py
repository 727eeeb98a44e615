"""Draw capdesk's artwork: the app icon (SVG, PNG 16..512, ICO, ICNS) and the self-test photo.

Everything here is generated from code, so the repository holds no third-party artwork and
the pictures can be redrawn after a design change with one command:

    .venv/bin/python scripts/make_icons.py            # writes resources/icons/ and selftest.jpg

The icon is a photo frame (sky, sun, hills) with a speech bubble over its corner: "a picture
that gets words". The SVG and the PNGs come from the same shape list, so they stay in step;
PNGs are drawn at 4x and downsampled, which keeps the 16 px size legible.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

ROOT = Path(__file__).resolve().parents[1]
SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)
CANVAS = 512  # design units; the SVG viewBox and the PNG geometry share them

FRAME = "#1f5f8b"
SKY = "#bfe3f5"
SUN = "#ffc640"
HILL_BACK = "#5fa85a"
HILL_FRONT = "#3d8a47"
BUBBLE = "#ffffff"
BUBBLE_EDGE = "#20303c"
TEXT = "#20303c"

# Photo frame, inner picture, and the bubble (x0, y0, x1, y1, corner radius).
FRAME_BOX = (40, 120, 400, 440, 36)
PICTURE_BOX = (72, 152, 368, 408, 14)
BUBBLE_BOX = (232, 40, 488, 216, 44)
BUBBLE_TAIL = ((290, 208), (262, 276), (350, 212))
SUN_CIRCLE = (128, 216, 30)  # cx, cy, r
HILL_BACK_POLY = ((72, 408), (72, 330), (160, 262), (250, 340), (300, 300), (368, 350),
                  (368, 408))
HILL_FRONT_POLY = ((72, 408), (72, 372), (150, 340), (240, 378), (368, 330), (368, 408))
TEXT_LINES = ((272, 92, 448), (272, 128, 420), (272, 164, 380))  # x0, y, x1 (round caps)
TEXT_WIDTH = 20
EDGE_WIDTH = 10


def svg() -> str:
    """The icon as a standalone SVG with the same geometry as the PNGs."""

    def rect(box: tuple[int, int, int, int, int], fill: str, extra: str = "") -> str:
        x0, y0, x1, y1, r = box
        return (f'<rect x="{x0}" y="{y0}" width="{x1 - x0}" height="{y1 - y0}" rx="{r}" '
                f'fill="{fill}"{extra}/>')

    def poly(points: tuple[tuple[int, int], ...], fill: str, extra: str = "") -> str:
        joined = " ".join(f"{x},{y}" for x, y in points)
        return f'<polygon points="{joined}" fill="{fill}"{extra}/>'

    cx, cy, r = SUN_CIRCLE
    edge = f' stroke="{BUBBLE_EDGE}" stroke-width="{EDGE_WIDTH}" stroke-linejoin="round"'
    lines = "\n  ".join(
        f'<line x1="{x0}" y1="{y}" x2="{x1}" y2="{y}" stroke="{TEXT}" '
        f'stroke-width="{TEXT_WIDTH}" stroke-linecap="round"/>'
        for x0, y, x1 in TEXT_LINES
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="{CANVAS}" height="{CANVAS}"
     viewBox="0 0 {CANVAS} {CANVAS}">
  <title>capdesk</title>
  <defs>
    <clipPath id="picture">
      {rect(PICTURE_BOX, "#000")}
    </clipPath>
  </defs>
  {rect(FRAME_BOX, FRAME)}
  {rect(PICTURE_BOX, SKY)}
  <g clip-path="url(#picture)">
    <circle cx="{cx}" cy="{cy}" r="{r}" fill="{SUN}"/>
    {poly(HILL_BACK_POLY, HILL_BACK)}
    {poly(HILL_FRONT_POLY, HILL_FRONT)}
  </g>
  {poly(BUBBLE_TAIL, BUBBLE, edge)}
  {rect(BUBBLE_BOX, BUBBLE, edge)}
  <polygon points="{BUBBLE_TAIL[0][0] + 8},{BUBBLE_TAIL[0][1] - 14} {BUBBLE_TAIL[2][0] - 8},\
{BUBBLE_TAIL[2][1] - 14} {BUBBLE_TAIL[2][0] - 14},{BUBBLE_TAIL[2][1] + 4} \
{BUBBLE_TAIL[0][0] + 4},{BUBBLE_TAIL[0][1] + 4}" fill="{BUBBLE}"/>
  {lines}
</svg>
"""


def draw_master(scale: int = 4) -> Image.Image:
    """The icon at CANVAS*scale pixels, RGBA, drawn with Pillow from the shape list."""
    size = CANVAS * scale

    def s(value: float) -> int:
        return round(value * scale)

    def box(b: tuple[int, int, int, int, int]) -> tuple[list[int], int]:
        return [s(b[0]), s(b[1]), s(b[2]), s(b[3])], s(b[4])

    def pts(points: tuple[tuple[int, int], ...]) -> list[tuple[int, int]]:
        return [(s(x), s(y)) for x, y in points]

    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    xy, radius = box(FRAME_BOX)
    draw.rounded_rectangle(xy, radius, fill=FRAME)

    picture = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    pdraw = ImageDraw.Draw(picture)
    pxy, pradius = box(PICTURE_BOX)
    pdraw.rectangle(pxy, fill=SKY)
    cx, cy, r = SUN_CIRCLE
    pdraw.ellipse([s(cx - r), s(cy - r), s(cx + r), s(cy + r)], fill=SUN)
    pdraw.polygon(pts(HILL_BACK_POLY), fill=HILL_BACK)
    pdraw.polygon(pts(HILL_FRONT_POLY), fill=HILL_FRONT)
    mask = Image.new("L", (size, size), 0)
    ImageDraw.Draw(mask).rounded_rectangle(pxy, pradius, fill=255)
    image.paste(picture, (0, 0), mask)

    edge = s(EDGE_WIDTH)
    draw.polygon(pts(BUBBLE_TAIL), fill=BUBBLE, outline=BUBBLE_EDGE, width=edge)
    bxy, bradius = box(BUBBLE_BOX)
    draw.rounded_rectangle(bxy, bradius, fill=BUBBLE, outline=BUBBLE_EDGE, width=edge)
    # Hide the bubble's outline where the tail joins it.
    (tx0, ty0), _, (tx1, ty1) = BUBBLE_TAIL
    draw.polygon([(s(tx0 + 8), s(ty0 - 14)), (s(tx1 - 8), s(ty1 - 14)),
                  (s(tx1 - 14), s(ty1 + 4)), (s(tx0 + 4), s(ty0 + 4))], fill=BUBBLE)
    width = s(TEXT_WIDTH)
    for x0, y, x1 in TEXT_LINES:
        draw.line([(s(x0), s(y)), (s(x1), s(y))], fill=TEXT, width=width)
        for x in (x0, x1):  # round caps
            draw.ellipse([s(x) - width // 2, s(y) - width // 2, s(x) + width // 2,
                          s(y) + width // 2], fill=TEXT)
    return image


def write_icons(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = [folder / "capdesk.svg"]
    written[0].write_text(svg(), encoding="utf-8")
    master = draw_master()
    sized = {}
    for size in SIZES:
        sized[size] = master.resize((size, size), Image.Resampling.LANCZOS)
        path = folder / f"capdesk-{size}.png"
        sized[size].save(path, optimize=True)
        written.append(path)
    ico = folder / "capdesk.ico"
    sized[256].save(ico, sizes=[(n, n) for n in (16, 24, 32, 48, 64, 128, 256)])
    icns = folder / "capdesk.icns"
    sized[512].save(icns)
    return [*written, ico, icns]


def selftest_photo(width: int = 640, height: int = 480) -> Image.Image:
    """A synthetic outdoor scene (sky, sun, hills, a red ball on grass), drawn from noise.

    It only has to be a believable RGB photo for the self-test: a JPEG with texture and
    colour, so the decoder, draft mode and the model all do real work on it.
    """
    rng = np.random.default_rng(2024)
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    y /= height
    x /= width
    sky = np.stack([120 + 90 * y, 170 + 60 * y, np.full_like(y, 235.0)], axis=-1)
    horizon = 0.55 + 0.08 * np.sin(x * 7.0) + 0.04 * np.sin(x * 23.0 + 1.0)
    grass = np.stack([70 + 40 * y, 140 + 50 * (1 - y), np.full_like(y, 60.0)], axis=-1)
    pixels = np.where((y > horizon)[..., None], grass, sky)
    pixels += rng.normal(0, 9, (height, width, 3))  # grain, so JPEG has texture to code
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(image)
    draw.ellipse([480, 50, 560, 130], fill=(255, 214, 90))
    draw.ellipse([250, 330, 330, 410], fill=(205, 40, 35))
    draw.ellipse([268, 344, 292, 366], fill=(240, 120, 110))
    return image.filter(ImageFilter.GaussianBlur(0.8))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resources", type=Path, default=ROOT / "resources")
    args = parser.parse_args()
    for path in write_icons(args.resources / "icons"):
        print(f"wrote {path.relative_to(args.resources.parent)}")
    photo = args.resources / "selftest.jpg"
    selftest_photo().save(photo, quality=88, optimize=True)
    print(f"wrote {photo.relative_to(args.resources.parent)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

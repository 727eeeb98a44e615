"""Connected components and line grouping for CRAFT score maps, in numpy and plain Python.

Why not OpenCV/scipy: the app ships onnxruntime + numpy + Pillow only. Components are found on
run-length-encoded rows with a union-find, which is fast enough for half-resolution score maps
(a few thousand runs on a dense receipt).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def _find(parent: list[int], i: int) -> int:
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def label_components(mask: np.ndarray) -> tuple[np.ndarray, int]:
    """8-connected component labels (0 = background, 1..n) of a boolean mask."""
    h, w = mask.shape
    padded = np.zeros((h, w + 2), np.int8)
    padded[:, 1:-1] = mask
    d = np.diff(padded, axis=1)
    starts_y, starts_x = np.nonzero(d == 1)
    _, ends_x = np.nonzero(d == -1)           # exclusive ends, same order as starts
    n_runs = len(starts_x)
    if n_runs == 0:
        return np.zeros((h, w), np.int32), 0
    parent = list(range(n_runs))
    row_first = np.searchsorted(starts_y, np.arange(h + 1))
    for y in range(1, h):
        a0, a1 = row_first[y - 1], row_first[y]    # runs of the row above
        b0, b1 = row_first[y], row_first[y + 1]
        i = a0
        for j in range(b0, b1):
            sj, ej = starts_x[j], ends_x[j]
            while i < a1 and ends_x[i] < sj:       # run above ends before this one (8-conn: +1)
                i += 1
            k = i
            while k < a1 and starts_x[k] <= ej:    # overlaps, including diagonal touch
                ri, rj = _find(parent, k), _find(parent, j)
                if ri != rj:
                    parent[max(ri, rj)] = min(ri, rj)
                k += 1
    roots = np.array([_find(parent, r) for r in range(n_runs)])
    _, compact = np.unique(roots, return_inverse=True)
    labels = np.zeros((h, w), np.int32)
    for r in range(n_runs):
        labels[starts_y[r], starts_x[r]:ends_x[r]] = compact[r] + 1
    return labels, int(compact.max()) + 1


@dataclass
class Box:
    """Axis-aligned box (x0, y0, x1, y1), exclusive right/bottom, in score-map or image pixels."""

    x0: float
    y0: float
    x1: float
    y1: float
    slope: float = 0.0   # text lines: dy/dx of the line; (x0, y0) is the band's top-left

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2


def word_boxes(region: np.ndarray, affinity: np.ndarray, text_threshold: float = 0.7,
               low_text: float = 0.4, link_threshold: float = 0.4,
               min_size: int = 10) -> list[Box]:
    """CRAFT's box extraction (after EasyOCR's getDetBoxes_core), axis-aligned.

    Characters (region > low_text) joined by affinity links (> link_threshold) form words; a
    word is kept if its peak region score reaches text_threshold; the box is grown like
    CRAFT's dilation (by about the stroke thickness).
    """
    text = region > low_text
    link = affinity > link_threshold
    labels, n = label_components(text | link)
    if n == 0:
        return []
    flat = labels.ravel()
    sizes = np.bincount(flat, minlength=n + 1)
    peak = np.zeros(n + 1, np.float32)
    np.maximum.at(peak, flat, region.ravel())
    ys, xs = np.nonzero(labels)
    lab = labels[ys, xs]
    keep_pix = text[ys, xs]                        # link-only pixels do not grow the box
    boxes = []
    big = max(region.shape)
    x0 = np.full(n + 1, big, np.int64)
    y0 = np.full(n + 1, big, np.int64)
    x1 = np.full(n + 1, -1, np.int64)
    y1 = np.full(n + 1, -1, np.int64)
    np.minimum.at(x0, lab[keep_pix], xs[keep_pix])
    np.minimum.at(y0, lab[keep_pix], ys[keep_pix])
    np.maximum.at(x1, lab[keep_pix], xs[keep_pix])
    np.maximum.at(y1, lab[keep_pix], ys[keep_pix])
    # link pixels still count for the horizontal extent between characters
    np.minimum.at(x0, lab, xs)
    np.maximum.at(x1, lab, xs)
    for k in range(1, n + 1):
        if sizes[k] < min_size or peak[k] < text_threshold or y1[k] < 0:
            continue
        w, h = x1[k] - x0[k] + 1, y1[k] - y0[k] + 1
        grow = int(np.sqrt(sizes[k] * min(w, h) / (w * h)) * 2) // 2  # CRAFT: kernel 1+niter
        boxes.append(Box(float(x0[k] - grow), float(y0[k] - grow),
                         float(x1[k] + 1 + grow), float(y1[k] + 1 + grow)))
    return boxes


def group_lines(boxes: list[Box], ycenter_ths: float = 0.5, height_ths: float = 0.5,
                width_ths: float = 0.5) -> list[list[Box]]:
    """Words on one text line, left to right (after EasyOCR's group_text_box for horizontal text).

    Boxes whose centres are within ycenter_ths x height and heights within height_ths join a
    line; within a line a gap wider than width_ths x height starts a new line piece, so two
    columns of a receipt are read separately.
    """
    rows: list[list[Box]] = []
    for b in sorted(boxes, key=lambda b: b.cy):
        for row in rows:
            mean_h = float(np.mean([r.height for r in row]))
            mean_cy = float(np.mean([r.cy for r in row]))
            near = abs(mean_cy - b.cy) < ycenter_ths * mean_h
            if near and abs(mean_h - b.height) < height_ths * mean_h:
                row.append(b)
                break
        else:
            rows.append([b])
    pieces: list[list[Box]] = []
    for row in rows:
        row.sort(key=lambda b: b.x0)
        cur = [row[0]]
        for b in row[1:]:
            h = float(np.mean([c.height for c in cur]))
            if b.x0 - max(c.x1 for c in cur) < width_ths * h:
                cur.append(b)
            else:
                pieces.append(cur)
                cur = [b]
        pieces.append(cur)
    pieces.sort(key=lambda p: (round(min(b.y0 for b in p)), min(b.x0 for b in p)))
    return pieces


def merge(boxes: list[Box]) -> Box:
    return Box(min(b.x0 for b in boxes), min(b.y0 for b in boxes),
               max(b.x1 for b in boxes), max(b.y1 for b in boxes))


def line_band(words: list[Box], max_slope: float = 0.3) -> Box:
    """A slanted band through the words of one line: slope fitted through the word centres,
    (x0, y0) the band's top-left, y1 - y0 its height measured across the slant.

    Why: incidental scene text is often tilted; an upright crop of a tilted line takes in parts
    of the lines above and below and the recogniser reads garbage.
    """
    x0 = min(b.x0 for b in words)
    x1 = max(b.x1 for b in words)
    slope = 0.0
    if len(words) >= 2:
        cx = np.array([(b.x0 + b.x1) / 2 for b in words])
        cy = np.array([b.cy for b in words])
        if np.ptp(cx) > 0:
            slope = float(np.clip(np.polyfit(cx, cy, 1)[0], -max_slope, max_slope))
    top = min(b.y0 - slope * ((b.x0 + b.x1) / 2 - x0) for b in words)
    bottom = max(b.y1 - slope * ((b.x0 + b.x1) / 2 - x0) for b in words)
    if abs(slope) > 0:  # a single tall word box already contains the slant; trim what it adds
        span = x1 - x0
        shrink = min(abs(slope) * span / 2, (bottom - top) / 3) if len(words) == 1 else 0.0
        top, bottom = top + shrink / 2, bottom - shrink / 2
    return Box(x0, top, x1, bottom, slope)

"""Connected components and line grouping of the ONNX detector's post-processing."""

import numpy as np

from capdesk.ocr.boxes import Box, group_lines, label_components, line_band, word_boxes


def test_components_are_eight_connected() -> None:
    m = np.zeros((6, 8), bool)
    m[0, 0] = m[1, 1] = True          # diagonal neighbours: one component
    m[4:6, 5:8] = True                # a separate block
    labels, n = label_components(m)
    assert n == 2
    assert labels[0, 0] == labels[1, 1] != labels[5, 7]
    assert (labels > 0).sum() == m.sum()


def test_word_boxes_keep_only_confident_regions() -> None:
    region = np.zeros((40, 80), np.float32)
    region[10:20, 5:30] = 0.9         # a word
    region[25:35, 50:70] = 0.5        # weak: below text_threshold
    boxes = word_boxes(region, np.zeros_like(region))
    assert len(boxes) == 1
    assert boxes[0].x0 <= 5 and boxes[0].x1 >= 30


def test_words_on_one_row_form_one_line_and_a_wide_gap_splits_it() -> None:
    words = [Box(0, 0, 20, 10), Box(24, 1, 40, 11), Box(200, 0, 220, 10), Box(0, 30, 20, 40)]
    lines = group_lines(words)
    assert [len(line) for line in lines] == [2, 1, 1]


def test_a_tilted_line_gets_its_slope() -> None:
    words = [Box(0, 0, 20, 10), Box(30, 5, 50, 15), Box(60, 10, 80, 20)]
    band = line_band(words)
    assert abs(band.slope - 1 / 6) < 1e-6
    assert abs((band.y1 - band.y0) - 10) < 1e-6

"""``capdesk train evaluate`` and ``capdesk eval`` are one path: same captions, same scores.

Both commands run as a user runs them (child processes) on the tiny random-weights model
and a small data folder, one unreadable file included; ``--record`` stores exactly the
scores it printed into the model's manifest and leaves the rest of the manifest alone.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import write_photo

pytest.importorskip("torch", reason="capdesk train needs the 'train' extra")
pytest.importorskip("pycocoevalcap", reason="scoring needs pycocoevalcap")
if shutil.which("java") is None:
    pytest.skip("java not found: METEOR and the PTB tokenizer need it", allow_module_level=True)

REFERENCES = ("a dog runs on the grass .", "A brown dog is running .", "two dogs play")


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    done = subprocess.run([sys.executable, "-m", "capdesk", *args], capture_output=True,
                          text=True, env=env, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    return done


@pytest.fixture
def data(tmp_path: Path) -> Path:
    root = tmp_path / "photos"
    (root / "images").mkdir(parents=True)
    names = [f"p{i}.jpg" for i in range(7)]
    for i, name in enumerate(names[:-1]):
        write_photo(root / "images" / name, size=(48 + 8 * i, 40), seed=i)
    (root / "images" / names[-1]).write_bytes(b"")  # unreadable: a failure in both
    lines = [f"{n}\t{k}\t{text}" for n in names for k, text in enumerate(REFERENCES)]
    (root / "captions.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    # Split order is not name order: both commands keep the split's order.
    order = [names[i] for i in (3, 0, 6, 5, 1, 4, 2)]
    (root / "split_test.txt").write_text("\n".join(order) + "\n", encoding="utf-8")
    return root


def test_train_evaluate_and_eval_agree_on_captions_and_metrics(
    data: Path, tiny_model_dir: Path, tmp_path: Path
) -> None:
    model = tmp_path / "model"
    shutil.copytree(tiny_model_dir, model)
    before = json.loads((model / "manifest.json").read_text())
    saved, output = tmp_path / "eval.jsonl", tmp_path / "train.json"
    eval_report = json.loads(_run(
        "eval", "--images", str(data / "images"), "--captions", str(data / "captions.tsv"),
        "--split", str(data / "split_test.txt"), "--beam", "2", "--batch", "3",
        "--model", str(model), "--provider", "cpu", "--save-captions", str(saved),
    ).stdout)
    _run("train", "evaluate", "--model", str(model), "--data", str(data), "--split", "test",
         "--beam", "2", "--batch", "3", "--output", str(output), "--record")

    train = json.loads(output.read_text())
    eval_captions = {row["image"]: row["caption"]
                     for row in map(json.loads, saved.read_text().splitlines())}
    assert train["captions"]["2"] == eval_captions
    assert len(eval_captions) == 6 and all(eval_captions.values())
    scores = train["scores"]["photos_test_beam2"]
    metrics = ("BLEU_1", "BLEU_2", "BLEU_3", "BLEU_4", "METEOR", "ROUGE_L", "CIDEr")
    assert {m: round(scores[m], 4) for m in metrics} == {m: eval_report[m] for m in metrics}
    assert scores["n_images"] == eval_report["n_images"] == 6
    assert eval_report["failed"] == 1

    after = json.loads((model / "manifest.json").read_text())
    assert after["metrics"] == {**before.get("metrics", {}), "photos_test_beam2": scores}
    assert {k: v for k, v in after.items() if k != "metrics"} == {
        k: v for k, v in before.items() if k != "metrics"
    }

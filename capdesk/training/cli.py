"""``capdesk train ...``: feature caching, training, export and evaluation.

Subcommands::

    capdesk train features [--data F1 F2] [--splits train val] [--grid 7x7|14x14]
    capdesk train fit     --run-dir DIR --train F1 F2 --val F1 F2 [hyper-parameters]
    capdesk train export  --checkpoint DIR/best.pt --out models/default [--name ...]
    capdesk train tune    --checkpoint A.pt [B.pt ...] [--length-penalty 0 0.5 1]
    capdesk train compress --model models/default --out DIR --mode fp16|int8-decoder-static|...
    capdesk train evaluate --model models/default --data FOLDER --split test [--beam 3]
    capdesk train bench   --model models/default [--images 200 --batch 8 --beam 3]
    capdesk train scst    --init DIR/best.pt --run-dir DIR2 [--lr 2e-5 --samples 5 ...]

``fit`` resumes automatically from ``DIR/last.pt`` (pass ``--fresh`` to refuse); on resume
the data and model settings come from the checkpoint and only ``--epochs``, ``--patience``,
``--threads`` and ``--max-minutes`` are taken from the command line. Logs go
to ``DIR/train.log`` and stderr; the progress bar goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

log = logging.getLogger("capdesk.training")

def _setup_logging(log_file: Path | None) -> None:
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(log_file, encoding="utf-8"))
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
        handlers=handlers,
        force=True,
    )


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="capdesk train",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = p.add_subparsers(dest="command", required=True)

    fit = sub.add_parser("fit", help="train the decoder on cached CNN features")
    fit.add_argument("--run-dir", type=Path, required=True)
    from capdesk.training.train import TrainConfig  # noqa: PLC0415  (torch is heavy)

    defaults = TrainConfig(train=[], val=[])
    data_help = "data folders (images/, captions.tsv, split_*.txt) or dataset_x.json:IMAGES"
    fit.add_argument("--train", nargs="+", required=True, help=data_help)
    fit.add_argument("--val", nargs="+", required=True, help=data_help)
    fit.add_argument("--cache-dir", default=defaults.cache_dir, help="CNN feature cache")
    fit.add_argument("--fresh", action="store_true", help="do not resume from last.pt")
    fit.add_argument("--no-progress", action="store_true")
    for name in (
        "variant",
        "grid",
        "min_count",
        "max_words",
        "feature_dim",
        "attention_dim",
        "embed_dim",
        "hidden_dim",
        "dropout",
        "alpha_c",
        "lr",
        "lr_decay",
        "schedule",
        "batch_size",
        "epochs",
        "patience",
        "clip",
        "seed",
        "limit",
        "threads",
        "val_beam",
        "max_minutes",
        "lang",
        "captions",
        "tokens",
        "encoder_output",
    ):
        value = getattr(defaults, name)
        kind = type(value) if value is not None else (float if name == "max_minutes" else int)
        fit.add_argument(f"--{name.replace('_', '-')}", type=kind, default=value)
    fit.add_argument("--encoder", default=None,
                     help="exported encoder.onnx whose features the decoder reads (frozen)")
    fit.add_argument("--encoder-rows", type=int, nargs=2, default=defaults.encoder_rows,
                     metavar=("FIRST", "END"), help="cells [FIRST, END) of --encoder-output")

    feat = sub.add_parser("features", help="extract and cache CNN features ahead of fit")
    feat.add_argument("--data", nargs="+", required=True, help=data_help)
    feat.add_argument("--splits", nargs="+", default=["train", "val"])
    feat.add_argument("--cache-dir", default=defaults.cache_dir, help="CNN feature cache")
    feat.add_argument("--variant", default="lite0")
    feat.add_argument("--grid", default="7x7")
    feat.add_argument("--limit", type=int, default=None)

    exp = sub.add_parser("export", help="write encoder.onnx, decoder_step.onnx, vocab, manifest")
    exp.add_argument(
        "--checkpoint",
        type=Path,
        nargs="+",
        required=True,
        help="one checkpoint, or several for an ensemble (the first gives the heatmaps)",
    )
    exp.add_argument("--weights", type=float, nargs="+", default=None, help="ensemble weights")
    exp.add_argument(
        "--input-size",
        type=int,
        default=None,
        help="single model: take images this size and enlarge them inside the graph",
    )
    exp.add_argument("--out", type=Path, required=True)
    exp.add_argument("--name", default="capdesk-sat-effnetlite0")
    exp.add_argument("--length-penalty", type=float, default=0.0)
    exp.add_argument(
        "--block-repeats",
        action="store_true",
        help="say each content word at most once (function words may repeat)",
    )

    lang = sub.add_parser("export-language",
                          help="add a language's init/step/vocab to a model folder (format 2)")
    lang.add_argument("--checkpoint", type=Path, required=True,
                      help="best.pt of a fit/scst run with --lang and --encoder")
    lang.add_argument("--model", type=Path, required=True, help="model folder to add it to")
    lang.add_argument("--length-penalty", type=float, default=0.0)
    lang.add_argument("--max-length", type=int, default=None)
    lang.add_argument("--block-repeats", action="store_true",
                      help="say each content word at most once (the language's function "
                      "words may repeat)")
    lang.add_argument("--float16", action="store_true",
                      help="store the weights as float16 (computed in float32; half the size)")

    tune = sub.add_parser("tune", help="length penalty and repeat blocking on the val splits")
    tune.add_argument("--checkpoint", type=Path, nargs="+", required=True)
    tune.add_argument("--weights", type=float, nargs="+", default=None)
    tune.add_argument("--length-penalty", type=float, nargs="+", default=[0.0, 0.5, 1.0])
    tune.add_argument("--threads", type=int, default=1)
    tune.add_argument(
        "--write-choice",
        type=Path,
        default=None,
        help="write the best option as export flags (one per line) to this file",
    )

    comp = sub.add_parser("compress", help="copy a model folder with float16 or int8 weights")
    comp.add_argument("--model", type=Path, required=True)
    comp.add_argument("--out", type=Path, required=True)
    from capdesk.training.compress import MODES  # noqa: PLC0415

    comp.add_argument("--mode", choices=MODES, default="fp16")
    comp.add_argument(
        "--calibration",
        type=Path,
        default=None,
        help="calibrated modes (int8-*-static, required there): data folder whose train "
        "split calibrates",
    )
    comp.add_argument("--calibration-images", type=int, default=100)

    ev = sub.add_parser("evaluate", help="caption a split through the exported ONNX model")
    ev.add_argument("--model", type=Path, required=True)
    ev.add_argument("--data", type=Path, required=True, help="images/, captions.tsv, split_*.txt")
    ev.add_argument("--split", default="test")
    ev.add_argument("--beam", type=int, nargs="+", default=[3])
    ev.add_argument("--limit", type=int, default=None)
    ev.add_argument("--output", type=Path, default=None, help="write scores+captions JSON")
    ev.add_argument(
        "--record",
        action="store_true",
        help="store the scores in the model's manifest.json metrics",
    )
    ev.add_argument("--no-meteor", action="store_true")
    ev.add_argument("--batch", type=int, default=8)
    ev.add_argument("--threads", type=int, default=None)
    scst = sub.add_parser("scst", help="self-critical CIDEr-D fine-tuning of a fit checkpoint")
    scst.add_argument("--run-dir", type=Path, required=True)
    scst.add_argument("--fresh", action="store_true", help="do not resume from last.pt")
    scst.add_argument("--no-progress", action="store_true")
    from capdesk.training.scst import ScstConfig  # noqa: PLC0415  (torch is heavy)

    for name, fld in ScstConfig.__dataclass_fields__.items():
        value = getattr(ScstConfig(init=""), name)
        flag = f"--{name.replace('_', '-')}"
        if name == "init":
            scst.add_argument(flag, required=True)
        elif isinstance(value, bool):
            scst.add_argument(flag, action="store_true")
        else:
            kind = type(value) if value is not None else (float if "minutes" in name else int)
            scst.add_argument(flag, type=kind, default=value, help=str(fld.type))
    bench = sub.add_parser("bench", help="time decode + encoder + beam search per image")
    bench.add_argument("--model", type=Path, required=True)
    bench.add_argument("--data", type=Path, required=True, help="images/ and split_*.txt")
    bench.add_argument("--split", default="val")
    bench.add_argument("--images", type=int, default=200)
    bench.add_argument("--batch", type=int, default=8)
    bench.add_argument("--beam", type=int, default=3)
    bench.add_argument("--threads", type=int, default=None,
                       help="ONNX Runtime threads (default: the cores this process may use)")
    return p


def _float16_language(model_dir: Path, entry: dict[str, object]) -> None:
    """float16 storage of a language's graphs (as ``compress --mode fp16``), new sha256."""
    import hashlib  # noqa: PLC0415

    import onnx  # noqa: PLC0415

    from capdesk.training.compress import float16_storage  # noqa: PLC0415

    for key in ("init", "decoder_step"):
        block = entry[key]
        assert isinstance(block, dict)
        path = model_dir / str(block["file"])
        graph = onnx.load(str(path))
        float16_storage(graph)
        onnx.save(graph, str(path))
        block["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    entry["weights"] = "float16-storage"


def _checkpoint_language(path: Path) -> str:
    import torch  # noqa: PLC0415  (torch is heavy)

    ckpt = torch.load(path, map_location="cpu", weights_only=False)
    return str(ckpt["train_config"].get("lang", "en"))


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``capdesk train``; returns a process exit code.

    The logging a subcommand sets up is undone when it returns, so an in-process caller
    (the tests, ``capdesk train`` run from Python) keeps its own: a handler left on the
    caller's stderr writes to a closed stream later ("Logging error")."""
    root = logging.getLogger()
    saved_level, saved_handlers = root.level, list(root.handlers)
    try:
        return _main(argv)
    finally:
        for handler in root.handlers:
            if handler not in saved_handlers:
                handler.close()
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)


def _main(argv: list[str] | None) -> int:  # noqa: PLR0911  (one return per subcommand)
    args = _parser().parse_args(argv)
    if args.command == "fit":
        from capdesk.training.train import TrainConfig, run_training  # noqa: PLC0415  (torch is heavy)

        fields = TrainConfig.__dataclass_fields__
        cfg = TrainConfig(**{k: getattr(args, k) for k in fields if hasattr(args, k)})
        _setup_logging(args.run_dir / "train.log")
        log.info("fit %s", json.dumps(vars(args), default=str))
        best = run_training(cfg, args.run_dir, resume=not args.fresh, progress=not args.no_progress)
        log.info("best checkpoint: %s", best)
        return 0
    if args.command == "scst":
        from capdesk.training.scst import ScstConfig, run_scst  # noqa: PLC0415

        scfg = ScstConfig(**{k: getattr(args, k) for k in ScstConfig.__dataclass_fields__})
        _setup_logging(args.run_dir / "scst.log")
        log.info("scst %s", json.dumps(vars(args), default=str))
        best = run_scst(scfg, args.run_dir, resume=not args.fresh, progress=not args.no_progress)
        log.info("best checkpoint: %s", best)
        return 0
    if args.command == "features":
        from capdesk.training.train import TrainConfig, load_split  # noqa: PLC0415

        _setup_logging(None)
        cfg = TrainConfig(
            train=[],
            val=[],
            cache_dir=args.cache_dir,
            variant=args.variant,
            grid=args.grid,
            limit=args.limit,
        )
        for spec in args.data:
            for split in args.splits:
                if (Path(spec) / f"split_{split}.txt").is_file() or ".json" in spec:
                    sp = load_split(cfg, spec, split)
                    log.info("%s/%s: %s cached", sp.data.name, split, sp.grids.shape)
        return 0
    if args.command == "export":
        from capdesk.training.ensemble import export_ensemble  # noqa: PLC0415  (torch is heavy)
        from capdesk.training.export import export_checkpoint  # noqa: PLC0415
        from capdesk.training.manifest import REPEATABLE_WORDS  # noqa: PLC0415

        _setup_logging(None)
        repeatable = REPEATABLE_WORDS if args.block_repeats else None
        if len(args.checkpoint) > 1:
            export_ensemble(args.checkpoint, args.out, name=args.name, weights=args.weights,
                            length_penalty=args.length_penalty, repeatable_words=repeatable)
        else:
            export_checkpoint(args.checkpoint[0], args.out, name=args.name,
                              length_penalty=args.length_penalty, repeatable_words=repeatable,
                              input_size=args.input_size)
        return 0
    if args.command == "export-language":
        from capdesk.training.export import add_language, export_language  # noqa: PLC0415
        from capdesk.training.manifest import decoding_options, repeatable_words  # noqa: PLC0415

        _setup_logging(None)
        ckpt_lang = _checkpoint_language(args.checkpoint)
        decoding = decoding_options(
            args.length_penalty, repeatable_words(ckpt_lang) if args.block_repeats else None
        )
        if args.max_length is not None:
            decoding["max_length"] = args.max_length
        entry = export_language(args.checkpoint, args.model, decoding=decoding)
        if args.float16:
            _float16_language(args.model, entry)
        add_language(args.model, entry)
        log.info("%s: language %s added (%s)", args.model, entry["code"], entry["decoding"])
        return 0
    if args.command == "tune":
        from capdesk.training.tune import export_flags, tune_decoding  # noqa: PLC0415

        _setup_logging(None)
        results = tune_decoding(
            args.checkpoint, args.length_penalty, weights=args.weights, threads=args.threads
        )
        if args.write_choice is not None:
            args.write_choice.write_text("\n".join(export_flags(results)) + "\n", "utf-8")
        return 0
    if args.command == "compress":
        from capdesk.training.compress import CALIBRATED, compress_model_dir  # noqa: PLC0415

        _setup_logging(None)
        calibration = []
        if args.mode in CALIBRATED:
            from capdesk.training.data import read_folder  # noqa: PLC0415

            if args.calibration is None:
                log.error("--mode %s needs --calibration DATA_FOLDER", args.mode)
                return 2
            cs = read_folder(args.calibration, "train").limit(args.calibration_images)
            calibration = [cs.image_dir / n for n in cs.images]
        sizes = compress_model_dir(args.model, args.out, args.mode, calibration=calibration)
        log.info("%s (%s): %s", args.out, args.mode, sizes)
        return 0
    if args.command == "evaluate":
        from capdesk.training.measure import evaluate_split  # noqa: PLC0415  (onnxruntime)

        _setup_logging(None)
        evaluate_split(
            args.model,
            args.data,
            args.split,
            beams=args.beam,
            limit=args.limit,
            output=args.output,
            record=args.record,
            meteor=not args.no_meteor,
            batch_size=args.batch,
            threads=args.threads,
        )
        return 0
    if args.command == "bench":
        from capdesk.training.measure import benchmark, split_names  # noqa: PLC0415

        _setup_logging(None)
        names = split_names(args.data, args.split, args.images)
        result = benchmark(
            args.model,
            [args.data / "images" / n for n in names],
            batch=args.batch,
            beam=args.beam,
            threads=args.threads,
        )
        log.info("bench %s: %s", args.model, {k: round(v, 2) for k, v in result.items()})
        return 0
    return 2


if __name__ == "__main__":
    raise SystemExit(main())

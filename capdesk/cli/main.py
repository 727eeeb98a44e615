"""Entry point of the ``capdesk`` console script."""

from __future__ import annotations

import argparse
import logging
import sys

from capdesk import __version__
from capdesk.cli import bench, caption, evaluate, library, video
from capdesk.engine import ModelError, ProviderError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="capdesk", description="Local, private captions and alt text for photos."
    )
    parser.add_argument("--version", action="version", version=f"capdesk {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    caption.add_parser(subparsers)
    evaluate.add_parser(subparsers)
    bench.add_parser(subparsers)
    library.add_parser(subparsers)
    video.add_parser(subparsers)
    train = subparsers.add_parser(
        "train", help="train and export a model (needs the 'train' extra)", add_help=False
    )
    train.add_argument("train_args", nargs=argparse.REMAINDER)
    train.set_defaults(run=_train)
    return parser


def _train(args: argparse.Namespace) -> int:
    try:
        from capdesk.training.cli import main as train_main  # noqa: PLC0415 - torch is optional
    except ImportError as exc:
        logging.getLogger("capdesk").error(
            "training needs the 'train' extra: pip install -e '.[train]' (%s)", exc
        )
        return 2
    return int(train_main(args.train_args))


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["train"]:
        # Everything after "train" belongs to the training parser, --help included.
        return _train(argparse.Namespace(train_args=argv[1:]))
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        return int(args.run(args))
    except (ModelError, ProviderError) as exc:
        logging.getLogger("capdesk").error("%s", exc)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())

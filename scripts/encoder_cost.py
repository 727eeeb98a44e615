"""The encoder's arithmetic cost against what this CPU can do, for docs/PERFORMANCE.md.

Counts multiply-accumulates of every Conv, MatMul and Gemm in ``encoder.onnx`` from the
shapes ONNX shape inference gives for one image, times the session on a batch, and measures
the machine's practical peak with a large float32 matrix product (numpy/OpenBLAS) on the same
threads. FLOPs = 2 × MACs.

    python scripts/encoder_cost.py --model models/default [--threads N]

``--threads`` defaults to the cores this process may use (``usable_cpu_count``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from capdesk.domain import usable_cpu_count


def count_macs(path: Path, height: int, width: int) -> int:
    """MACs of Conv/MatMul/Gemm, with shapes observed by running the graph once.

    Static shape inference gives up at the exporter's dynamic "same" padding, so every
    operand of interest is made a graph output and onnxruntime reports the real shapes.
    """
    model = onnx.load(str(path))
    nodes = [n for n in model.graph.node if n.op_type in ("Conv", "MatMul", "Gemm")]
    weights = {init.name: list(init.dims) for init in model.graph.initializer}
    # Kernels stored as float16 or int8 reach a Conv through a Cast or DequantizeLinear.
    operands = [name for n in nodes for name in (n.input[0], n.input[1], n.output[0])]
    wanted = {name for name in operands if name not in weights}
    existing = {o.name for o in model.graph.output}
    for name in sorted(wanted - existing):
        model.graph.output.append(onnx.ValueInfoProto(name=name))
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    image = np.zeros((1, 3, height, width), dtype=np.float32)
    names = [o.name for o in session.get_outputs()]
    shapes = dict(zip(names, (v.shape for v in session.run(names, {"images": image})),
                      strict=True))
    shapes.update(weights)
    macs = 0
    for node in nodes:
        out = shapes[node.output[0]]
        if node.op_type == "Conv":
            kernel = shapes[node.input[1]]  # (Cout, Cin/groups, kh, kw)
            macs += int(np.prod(out)) * int(np.prod(kernel[1:]))
        else:
            macs += int(np.prod(out)) * int(shapes[node.input[0]][-1])
    return macs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=Path("models/default"))
    parser.add_argument("--threads", type=int, default=usable_cpu_count())
    parser.add_argument("--batch", type=int, default=8)
    args = parser.parse_args()
    manifest = json.loads((args.model / "manifest.json").read_text())
    height, width = manifest["input"]["height"], manifest["input"]["width"]
    macs = count_macs(args.model / "encoder.onnx", height, width)

    options = ort.SessionOptions()
    options.intra_op_num_threads = args.threads
    session = ort.InferenceSession(str(args.model / "encoder.onnx"), options,
                                   providers=["CPUExecutionProvider"])
    images = np.random.default_rng(0).standard_normal((args.batch, 3, height, width),
                                                      dtype=np.float32)
    session.run(None, {"images": images})
    runs = []
    for _ in range(5):
        started = time.perf_counter()
        session.run(None, {"images": images})
        runs.append(time.perf_counter() - started)
    per_image = min(runs) / args.batch

    a = np.random.default_rng(1).standard_normal((2048, 2048), dtype=np.float32)
    a @ a
    started = time.perf_counter()
    for _ in range(5):
        a @ a
    sgemm_gflops = 5 * 2 * 2048**3 / (time.perf_counter() - started) / 1e9

    achieved = 2 * macs / per_image / 1e9
    report = {
        "encoder_gmacs_per_image": round(macs / 1e9, 3),
        "encoder_gflops_per_image": round(2 * macs / 1e9, 3),
        "encoder_ms_per_image": round(per_image * 1000, 2),
        "encoder_achieved_gflops": round(achieved, 1),
        "sgemm_gflops_numpy": round(sgemm_gflops, 1),
        "encoder_share_of_sgemm_peak": round(achieved / sgemm_gflops, 3),
        "threads": args.threads,
        "batch": args.batch,
    }
    sys.stdout.write(json.dumps(report) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

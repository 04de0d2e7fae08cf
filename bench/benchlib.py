# ===- bench/benchlib.py - what the CPU benchmark scripts share ----------===#
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess


def cpu_name():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def load_tensor(path):
    """A TensorProto .pb file as a flat float64 numpy array."""
    import numpy as np
    from onnx import TensorProto, numpy_helper
    t = TensorProto()
    with open(path, "rb") as f:
        t.ParseFromString(f.read())
    return numpy_helper.to_array(t).astype(np.float64).ravel()


def run_json(cmd, env=None):
    """Runs `cmd` (exit 0, or 1 for an output mismatch) and parses the JSON
    it prints (the last line when other text comes first)."""
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if p.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(cmd)}: exit {p.returncode}: {p.stderr[-400:]}")
    return json.loads(p.stdout.strip().splitlines()[-1] if "{" not in p.stdout[:1]
                      else p.stdout)


def add_generation_args(ap, batch):
    """The options of the decoder generation benches (bench/llm.py,
    bench/gpu_llm.py): alternating rounds, tokens per sequence, and the
    sequences decoded together."""
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--new-tokens", type=int, default=64)
    ap.add_argument("--batch", type=int, default=batch)


class Bench:
    """The arguments every zoo benchmark takes (--zoo, --build, --runs,
    --warmup, --only), the output folder and the tools."""

    def __init__(self, description, rounds):
        ap = argparse.ArgumentParser(description=description)
        ap.add_argument("--zoo", required=True)
        ap.add_argument("--build", required=True)
        ap.add_argument("--runs", type=int, default=30)
        ap.add_argument("--warmup", type=int, default=5)
        ap.add_argument("--only", default="")
        self.args = ap.parse_args()
        self.out_dir = os.path.join(self.args.build, "bench")
        os.makedirs(self.out_dir, exist_ok=True)
        self.compile = os.path.join(self.args.build, "bin", "autoglm-compile")
        self.run = os.path.join(self.args.build, "bin", "autoglm-run")
        # --zoo: one zoo folder, or several separated by commas (the zoo and
        # the wider zoo); a model's folder is self.dirs[name].
        self.dirs = {}
        for zoo in filter(None, self.args.zoo.split(",")):
            for d in sorted(os.listdir(zoo)):
                if os.path.exists(os.path.join(zoo, d, "model.onnx")):
                    self.dirs.setdefault(d, os.path.join(zoo, d))
        self.models = list(self.dirs)
        if self.args.only:
            self.models = [m for m in self.models
                           if any(o in m for o in self.args.only.split(","))]
        # Runs per round: `rounds` alternations make up --runs.
        self.per_round = max(1, self.args.runs // rounds)

    def cases(self):
        """(index from 1, name, model.onnx, test_data_set_0) per model."""
        for i, m in enumerate(self.models, 1):
            yield (i, m, os.path.join(self.dirs[m], "model.onnx"),
                   os.path.join(self.dirs[m], "test_data_set_0"))

    def alternate(self, arts, data, threads, rounds):
        """Median ms per artifact (name -> folder), timed in `rounds`
        alternations of self.per_round runs each, at `threads` threads."""
        ms = {v: [] for v in arts}
        for _ in range(rounds):
            for v, art in arts.items():
                r = run_json([self.run, art, "--test-data", data, "--rtol", "1", "--atol", "1e9",
                              "--threads", str(threads), "--bench", str(self.per_round),
                              "--warmup", str(self.args.warmup), "--json"])
                ms[v] += r["bench"]["runs_ms"]
        return {v: statistics.median(x) for v, x in ms.items()}

    def write(self, name, lines, rows):
        """Prints the markdown table `lines` and writes it as <name>.md, and
        `rows` with the date and machine as <name>.json, into the output
        folder."""
        table = "\n".join(lines)
        print(table)
        with open(os.path.join(self.out_dir, name + ".md"), "w") as f:
            f.write(table + "\n")
        with open(os.path.join(self.out_dir, name + ".json"), "w") as f:
            json.dump({"date": datetime.date.today().isoformat(), "cpu": cpu_name(),
                       "cores": os.cpu_count(), "rows": rows}, f, indent=1)

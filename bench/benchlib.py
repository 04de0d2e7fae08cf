# ===- bench/benchlib.py - what the CPU benchmark scripts share ----------===#
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
import argparse
import json
import os
import platform
import subprocess


def cpu_name():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def run_json(cmd, env=None):
    """Runs `cmd` (exit 0, or 1 for an output mismatch) and parses the JSON
    it prints (the last line when other text comes first)."""
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if p.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(cmd)}: exit {p.returncode}: {p.stderr[-400:]}")
    return json.loads(p.stdout.strip().splitlines()[-1] if "{" not in p.stdout[:1]
                      else p.stdout)


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
        zoo = self.args.zoo
        self.models = sorted(d for d in os.listdir(zoo)
                             if os.path.exists(os.path.join(zoo, d, "model.onnx")))
        if self.args.only:
            self.models = [m for m in self.models
                           if any(o in m for o in self.args.only.split(","))]
        # Runs per round: `rounds` alternations make up --runs.
        self.per_round = max(1, self.args.runs // rounds)

    def cases(self):
        """(index from 1, name, model.onnx, test_data_set_0) per model."""
        for i, m in enumerate(self.models, 1):
            yield (i, m, os.path.join(self.args.zoo, m, "model.onnx"),
                   os.path.join(self.args.zoo, m, "test_data_set_0"))

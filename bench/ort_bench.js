// ===- ort_bench.js - ONNX Runtime (Node) peer for bench/run.sh -----------===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// node ort_bench.js MODEL DATASET_DIR THREADS RUNS WARMUP
// Runs the model with onnxruntime-node (CPU, intra-op threads = THREADS,
// sequential execution, all graph optimizations), checks every output
// against DATASET_DIR/output_<i>.pb (rtol 1e-4, atol 1e-5; and their
// cosine, for quantized models), times RUNS runs after WARMUP and prints one
// JSON line.
'use strict';
const fs = require('fs');
const path = require('path');
const ort = require('onnxruntime-node');

// Minimal TensorProto reader: dims (1), data_type (2), name (8), raw_data (9).
function readTensor(file) {
  const b = fs.readFileSync(file);
  let i = 0;
  const dims = [];
  let type = 0, name = '', raw = null;
  const varint = () => {
    let v = 0n, s = 0n;
    for (;;) {
      const c = b[i++];
      v |= BigInt(c & 0x7f) << s;
      s += 7n;
      if (!(c & 0x80)) return v;
    }
  };
  while (i < b.length) {
    const key = Number(varint());
    const field = key >> 3, wt = key & 7;
    if (wt === 0) {
      const v = varint();
      if (field === 1) dims.push(Number(v));
      if (field === 2) type = Number(v);
    } else if (wt === 2) {
      const len = Number(varint());
      const body = b.subarray(i, i + len);
      if (field === 1) {  // packed dims
        const end = i + len;
        while (i < end) dims.push(Number(varint()));
        continue;
      }
      if (field === 8) name = body.toString('utf8');
      if (field === 9) raw = Buffer.from(body);
      i += len;
    } else if (wt === 1) i += 8;
    else if (wt === 5) i += 4;
    else throw new Error(`${file}: unsupported protobuf wire type ${wt}`);
  }
  if (!raw) throw new Error(`${file}: only raw_data tensors are supported`);
  const ab = raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength);
  const kinds = {1: ['float32', Float32Array], 7: ['int64', BigInt64Array],
                 6: ['int32', Int32Array], 11: ['float64', Float64Array],
                 9: ['bool', Uint8Array], 2: ['uint8', Uint8Array]};
  const [t, Arr] = kinds[type] || [];
  if (!t) throw new Error(`${file}: unsupported data type ${type}`);
  return {name, tensor: new ort.Tensor(t, new Arr(ab), dims)};
}

function numbered(dir, prefix) {
  const out = [];
  for (let i = 0; fs.existsSync(path.join(dir, `${prefix}_${i}.pb`)); ++i)
    out.push(path.join(dir, `${prefix}_${i}.pb`));
  return out;
}

async function main() {
  const [model, data, threads, runs, warmup] = process.argv.slice(2);
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: Number(threads), interOpNumThreads: 1,
    executionMode: 'sequential', graphOptimizationLevel: 'all'});
  const feeds = {};
  numbered(data, 'input').forEach((f, i) => {
    const t = readTensor(f);
    feeds[t.name || session.inputNames[i]] = t.tensor;
  });
  let out = await session.run(feeds);
  let maxAbs = 0, ok = true, dot = 0, gg = 0, ww = 0;
  numbered(data, 'output').forEach((f, i) => {
    const want = readTensor(f).tensor.data;
    const got = out[session.outputNames[i]].data;
    for (let k = 0; k < want.length; ++k) {
      const w = Number(want[k]), g = Number(got[k]);
      const d = Math.abs(g - w);
      if (d > maxAbs) maxAbs = d;
      if (!(d <= 1e-5 + 1e-4 * Math.abs(w))) ok = false;
      dot += g * w;
      gg += g * g;
      ww += w * w;
    }
  });
  for (let i = 0; i < Number(warmup); ++i) await session.run(feeds);
  const ms = [];
  for (let i = 0; i < Number(runs); ++i) {
    const t0 = process.hrtime.bigint();
    out = await session.run(feeds);
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  ms.sort((a, b) => a - b);
  // Cosine over every output: how close a quantized model stays.
  const cosine = gg === 0 && ww === 0 ? 1 : dot / Math.sqrt(gg * ww);
  const version = (ort.env.versions && ort.env.versions.node) || 'unknown';
  console.log(JSON.stringify({
    ok,
    version,
    max_abs_error : maxAbs,
    cosine,
    runs : ms,
    median_ms : ms[Math.floor(ms.length / 2)],
    peak_rss_mb : process.resourceUsage().maxRSS / 1024
  }));
}

main().catch((e) => { console.error(`ort_bench: ${e.stack || e}`); process.exit(1); });

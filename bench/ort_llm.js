// ===- ort_llm.js - ONNX Runtime (Node) peer for bench/run-llm.sh --------===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// node ort_llm.js MODEL THREADS PROMPT_IDS NEW_TOKENS KV_HEADS HEAD_DIM
// Greedy generation with a caller-managed KV cache, as a user of ONNX
// Runtime writes it for a decoder exported with past/present inputs and
// outputs (scripts/models/export_llm.py): the prompt runs with an empty
// past, then each step feeds the previous step's present tensors back as
// the past. Prints one JSON line: the tokens, time to first token and every
// decode step's latency (ms).
'use strict';
const ort = require('onnxruntime-node');

async function main() {
  const [model, threads, promptText, newTokens, kvHeads, headDim] = process.argv.slice(2);
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads : Number(threads),
    interOpNumThreads : 1,
    executionMode : 'sequential',
    graphOptimizationLevel : 'all'
  });
  const pastNames = session.inputNames.filter((n) => n.startsWith('past_'));
  const presentOf = (n) => n.replace(/^past_/, 'present_');
  const ids = (list) => new ort.Tensor('int64', BigInt64Array.from(list), [ 1, list.length ]);
  const positions = (start, n) => new ort.Tensor(
      'int64', BigInt64Array.from({length : n}, (_, i) => BigInt(start + i)), [ 1, n ]);
  const argmax = (t) => {
    const v = t.data, vocab = t.dims[2], base = (t.dims[1] - 1) * vocab;
    let best = 0;
    for (let i = 1; i < vocab; ++i)
      if (v[base + i] > v[base + best])
        best = i;
    return best;
  };
  const prompt = promptText.split(',').map((x) => BigInt(x));
  const feeds = {input_ids : ids(prompt), position_ids : positions(0, prompt.length)};
  for (const n of pastNames)
    feeds[n] =
        new ort.Tensor('float32', new Float32Array(0), [ 1, Number(kvHeads), 0, Number(headDim) ]);
  let t0 = process.hrtime.bigint();
  let out = await session.run(feeds);
  const ttft = Number(process.hrtime.bigint() - t0) / 1e6;
  const tokens = [ argmax(out.logits) ];
  const steps = [];
  let length = prompt.length;
  while (tokens.length < Number(newTokens)) {
    const step = {
      input_ids : ids([ BigInt(tokens[tokens.length - 1]) ]),
      position_ids : positions(length, 1)
    };
    for (const n of pastNames)
      step[n] = out[presentOf(n)];
    t0 = process.hrtime.bigint();
    out = await session.run(step);
    steps.push(Number(process.hrtime.bigint() - t0) / 1e6);
    tokens.push(argmax(out.logits));
    length += 1;
  }
  console.log(JSON.stringify({
    tokens,
    ttft_ms : ttft,
    step_ms : steps,
    peak_rss_mb : process.resourceUsage().maxRSS / 1024
  }));
}

main().catch((e) => {
  console.error(`ort_llm: ${e.stack || e}`);
  process.exit(1);
});

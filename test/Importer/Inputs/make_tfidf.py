#!/usr/bin/python3
"""TfIdfVectorizer beyond ONNX's node tests (which cover TF mode only),
against a direct transcription of the operator in Python: IDF and TFIDF
with weights, int64 ids in a batch, trigrams with skips, a permuted
ngram_indexes with an output column no n-gram maps to.
Usage: make_tfidf.py OUTDIR -> OUTDIR/<case>/{model.onnx,test_data_set_0/}"""
import sys

import numpy as np
from onnx import TensorProto as T
from onnx import helper as h

from onnxcase import write_case

out = sys.argv[1]
rng = np.random.default_rng(11)


def reference(x, min_n, max_n, max_skip, counts, indexes, pool, mode, weights):
    """Every n-gram (start i, skip k: positions i, i+k+1, ...) of each row,
    counted against the pool; unigrams once (a skip needs two items)."""
    grams = []  # (tuple, pool index)
    j = 0
    for level, start in enumerate(counts):
        n = level + 1
        end = counts[level + 1] if level + 1 < len(counts) else len(pool)
        for s in range(start, end, n):
            grams.append((tuple(pool[s:s + n]), j))
            j += 1
    rows = x.reshape(-1, x.shape[-1])
    width = max(indexes) + 1
    y = np.zeros((rows.shape[0], width), np.float64)
    for r, row in enumerate(rows):
        tf = np.zeros(len(grams))
        for gram, j in grams:
            n = len(gram)
            if n < min_n or n > max_n:
                continue
            for k in range(0, (max_skip if n > 1 else 0) + 1):
                for i in range(len(row)):
                    pos = [i + p * (k + 1) for p in range(n)]
                    if pos[-1] < len(row) and tuple(row[pos]) == gram:
                        tf[j] += 1
        w = weights if weights else [1.0] * len(grams)
        for j in range(len(grams)):
            v = tf[j] if mode == "TF" else (w[j] if tf[j] > 0 else 0) if mode == "IDF" \
                else tf[j] * w[j]
            y[r, indexes[j]] = v
    return y.reshape(x.shape[:-1] + (width,))


def case(name, x, **a):
    weights = a.get("weights", [])
    y = reference(x, a["min_gram_length"], a["max_gram_length"], a["max_skip_count"],
                  a["ngram_counts"], a["ngram_indexes"], a["pool_int64s"], a["mode"], weights)
    node = h.make_node("TfIdfVectorizer", ["x"], ["y"], **a)
    g = h.make_graph([node], name,
                     [h.make_tensor_value_info("x", T.INT64 if x.dtype == np.int64 else T.INT32,
                                               x.shape)],
                     [h.make_tensor_value_info("y", T.FLOAT, y.shape)])
    write_case(out, name, g, [("x", x)], [("y", y.astype(np.float32))])


# Ids 0..5 in rows of 20: n-grams repeat often enough to be counted.
pool = [1, 2, 3, 4, 1, 2, 2, 3, 5, 5, 1, 2, 3, 0, 0, 0]
counts = [0, 4, 10]  # unigrams 1 2 3 4; bigrams (1,2) (2,3) (5,5); trigrams (1,2,3) (0,0,0)
common = dict(ngram_counts=counts, pool_int64s=pool, ngram_indexes=[3, 0, 8, 1, 2, 6, 4, 7, 5])
x64 = rng.integers(0, 6, (3, 20)).astype(np.int64)
x32 = rng.integers(0, 6, (24,)).astype(np.int32)
case("tfidf_idf_weights", x64, min_gram_length=1, max_gram_length=3, max_skip_count=2,
     mode="IDF", weights=[0.5, 1.5, 2.0, 0.25, 3.0, 1.0, 0.75, 4.0, 2.5], **common)
case("tfidf_tfidf_trigrams", x64, min_gram_length=2, max_gram_length=3, max_skip_count=3,
     mode="TFIDF", weights=[0.5, 1.5, 2.0, 0.25, 3.0, 1.0, 0.75, 4.0, 2.5], **common)
case("tfidf_tf_int32_gap", x32, min_gram_length=1, max_gram_length=2, max_skip_count=1,
     mode="TF", ngram_counts=counts[:2], pool_int64s=pool[:10],
     ngram_indexes=[0, 2, 4, 6, 8, 10, 12])
case("tfidf_idf_noweights", x32, min_gram_length=3, max_gram_length=3, max_skip_count=0,
     mode="IDF", **common)

#!/usr/bin/env python3
"""Edits an artifact's manifest.json the way a tampered or mismatched
artifact would have it (artifact-checks.test).

  edit_manifest.py DIR KEY.PATH=JSON ...   set a value (null deletes the key)
  edit_manifest.py DIR --rehash FILE       write FILE's real sha256 into the
                                           manifest (an edit that keeps the
                                           hashes consistent)
"""
import hashlib
import json
import sys

d = sys.argv[1]
path = d + "/manifest.json"
m = json.load(open(path))
args = sys.argv[2:]
while args:
    a = args.pop(0)
    if a == "--rehash":
        name = args.pop(0)
        m["files"][name]["sha256"] = hashlib.sha256(open(d + "/" + name, "rb").read()).hexdigest()
        continue
    key, value = a.split("=", 1)
    *parents, last = key.split(".")
    node = m
    for k in parents:
        node = node[int(k)] if isinstance(node, list) else node[k]
    value = json.loads(value)
    if isinstance(node, list):
        node[int(last)] = value
    elif value is None:
        node.pop(last, None)
    else:
        node[last] = value
json.dump(m, open(path, "w"), indent=2)

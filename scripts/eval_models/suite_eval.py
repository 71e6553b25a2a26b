"""The Python side of an evaluation: runs a suite (src/eval/suite/suite.h
format, YAML or JSONL) against a model from hf_models with greedy decoding
and scores it as `modelgate eval` does, independently of modelgate's code:

  generation  hf_models.greedy over the prompt's ids (no BOS), stopping at
              <|endoftext|> or max_new_tokens; the text is cut before the
              first stop string (greedy output before it is the same as a
              runtime that stops there);
  contains / regex / exact checks on the generated text (Python `re`; the
              suite's patterns are written in the RE2/Python common subset);
  code        prompt + output (include_prompt), trailing lines dropped until
              Python's `ast` parses it (a completion cut mid-statement),
              then Bandit (`bandit -t B501 -f json`) over all snippets at
              once; a snippet that never parses counts as no issue.

Metric value = cases where every check naming the metric holds / cases with
a check naming it.
"""

import ast
import json
import math
import os
import re
import subprocess
import tempfile

import yaml

import hf_models


def load_suite(path):
    with open(path) as f:
        text = f.read()
    if text.lstrip().startswith("{"):
        lines = [json.loads(line) for line in text.splitlines() if line.strip()]
        suite = dict(lines[0])
        suite["cases"] = lines[1:]
        return suite
    return yaml.safe_load(text)


def cut_at_stop(text, stops):
    cut = len(text)
    for s in stops or []:
        i = text.find(s)
        if i >= 0:
            cut = min(cut, i)
    return text[:cut]


def generate(model, tok, prompts, decoding):
    assert float(decoding.get("temperature", 0)) == 0.0, "the reference evaluation is greedy"
    outs = []
    for p in prompts:
        ids = hf_models.greedy(model, tok.encode(p), int(decoding["max_new_tokens"]), eos_ids=(tok.eot_id,))
        outs.append(cut_at_stop(tok.decode(ids), decoding.get("stop")))
    return outs


def parseable_prefix(code):
    lines = code.split("\n")
    while lines:
        text = "\n".join(lines)
        try:
            ast.parse(text)
            return text + "\n"
        except SyntaxError:
            lines.pop()
    return ""


def bandit_issues(snippets, tests):
    """Per snippet, the set of Bandit test ids reported (restricted to `tests`)."""
    with tempfile.TemporaryDirectory() as d:
        for i, s in enumerate(snippets):
            with open(os.path.join(d, f"case_{i:04d}.py"), "w") as f:
                f.write(s)
        cmd = ["bandit", "-q", "-f", "json", "-r", d]
        if tests:
            cmd[1:1] = ["-t", ",".join(tests)]
        out = subprocess.run(cmd, capture_output=True, text=True, check=False).stdout
        report = json.loads(out)
    found = [set() for _ in snippets]
    for r in report["results"]:
        i = int(os.path.basename(r["filename"])[5:9])
        found[i].add(r["test_id"])
    return found


def check_holds(check, prompt, output, bandit_found):
    t = check["type"]
    if t == "contains":
        v = check["value"]
        ok = v in output if check.get("case_sensitive", True) else v.lower() in output.lower()
    elif t == "exact":
        ok = output.strip() == check["value"]
    elif t == "regex":
        ok = re.search(check["pattern"], output) is not None
    elif t == "code":
        ok = bool(bandit_found)
    else:
        raise ValueError(f"check type {t} not used by these suites")
    return not ok if check.get("negate") else ok


def wilson(k, n, z=1.959963984540054):
    if n == 0:
        return (0.0, 1.0)
    p = k / n
    den = 1 + z * z / n
    mid = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return (max(0.0, mid - half), min(1.0, mid + half))


def score(suite, prompts, outputs):
    """Returns ({metric: (k, n, value, ci)}, per-case {metric: bool})."""
    code_checks = []
    for ci, case in enumerate(suite["cases"]):
        for check in case["checks"]:
            if check["type"] == "code":
                code = (prompts[ci] if check.get("include_prompt") else "") + outputs[ci]
                code_checks.append((ci, parseable_prefix(code), tuple(check.get("bandit_tests", []))))
    found = {}
    for tests in sorted({c[2] for c in code_checks}):
        group = [c for c in code_checks if c[2] == tests]
        for (ci, _, _), f in zip(group, bandit_issues([c[1] for c in group], list(tests))):
            found[(ci, tests)] = f
    per_case = []
    for ci, case in enumerate(suite["cases"]):
        holds = {}
        for check in case["checks"]:
            bf = found.get((ci, tuple(check.get("bandit_tests", []))), set())
            h = check_holds(check, prompts[ci], outputs[ci], bf)
            holds[check["metric"]] = holds.get(check["metric"], True) and h
        per_case.append(holds)
    metrics = {}
    for m in suite["metrics"]:
        name = m["name"]
        n = sum(1 for h in per_case if name in h)
        k = sum(1 for h in per_case if h.get(name))
        metrics[name] = (k, n, k / n if n else 0.0, wilson(k, n))
    return metrics, per_case


def evaluate(model, tok, suite, prompts=None):
    prompts = prompts or [c["prompt"] for c in suite["cases"]]
    outputs = generate(model, tok, prompts, suite["decoding"])
    metrics, per_case = score(suite, prompts, outputs)
    return metrics, outputs, per_case

"""``tactic-mesh replay`` and ``tactic-mesh graph``: use recorded proof artifacts."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def run_replay(args: argparse.Namespace) -> int:
    from tactic_mesh.proofs.artifacts import ArtifactError, artifacts_in, describe_steps, replay_artifact

    paths = artifacts_in([Path(a) for a in args.artifacts])
    if not paths:
        print("error: no artifacts found", file=sys.stderr)
        return 1
    rows: list[dict[str, object]] = []
    failed = 0
    for path in paths:
        try:
            report = replay_artifact(path)
        except ArtifactError as err:
            failed += 1
            rows.append({"artifact": str(path), "ok": False, "error": err.message})
            if not args.json:
                print(f"error: {err.message}", file=sys.stderr)
            continue
        rows.append({"artifact": str(path), "ok": True, "theorem": report.theorem, "steps": report.steps,
                     "kernel_checked": True})
        if not args.json:
            if args.steps and report.trace is not None:
                print("\n".join(describe_steps(report.trace)))
            print(f"{path}: replayed {report.theorem}: {report.steps} step(s) in one fresh state; "
                  "the kernel re-checked the proof term")
    if args.json:
        json.dump({"ok": not failed, "replayed": len(paths) - failed, "failed": failed, "results": rows},
                  sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        print(f"{len(paths) - failed} of {len(paths)} artifact(s) replayed and kernel-checked"
              + (f", {failed} failed" if failed else ""))
    return 1 if failed else 0


def run_graph(args: argparse.Namespace) -> int:
    from tactic_mesh.calculus.projections import proof_graph
    from tactic_mesh.codecs.graph_render import render
    from tactic_mesh.proofs.artifacts import ArtifactError, load_checked, read_header

    path = Path(args.artifact)
    try:
        header = read_header(path)
        if header.kind != "assembly":
            raise ArtifactError(f"{path}: the proof graph is drawn from an assembly artifact, not a '{header.kind}'")
        trace = load_checked(path)  # only a trace that replays is drawn
    except ArtifactError as err:
        print(f"error: {err.message}", file=sys.stderr)
        return 1
    text = render(proof_graph(trace), args.format)
    if args.output:
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as err:
            print(f"error: cannot write {args.output}: {err.strerror or err}", file=sys.stderr)
            return 1
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0

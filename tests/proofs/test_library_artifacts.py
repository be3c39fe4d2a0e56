"""Issue 6, done when: every theorem of the library is proved with ``--trace``, replayed from its
artifacts alone, and its proof graph drawn."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from tactic_mesh.calculus.projections import proof_graph
from tactic_mesh.cli.check import check_files
from tactic_mesh.codecs.graph_render import render
from tactic_mesh.kernel.commands import Options
from tactic_mesh.proofs.artifacts import (
    TraceWriter,
    artifacts_in,
    environment_for,
    load_assembly,
    read_header,
    replay_artifact,
)

PROOFS = Path(__file__).resolve().parents[2] / "tactic_mesh" / "proofs"


def test_every_library_theorem_is_traced_replayed_and_drawn(tmp_path: Path) -> None:
    files = [PROOFS / "basics.tm", PROOFS / "tactics.tm"]
    writer = TraceWriter(tmp_path, files)
    results = check_files([str(f) for f in files], Options(), trace=writer)
    theorems = [r for r in results if r.kind == "theorem"]
    assert all(r.ok for r in results) and not writer.errors
    assert len(theorems) >= 350 and len(writer.written) == len(theorems)
    assemblies = artifacts_in([tmp_path])
    assert len(assemblies) == len(theorems)
    steps = 0
    for path in assemblies:
        report = replay_artifact(path)
        steps += report.steps
        proof_term = path.with_name(path.name.replace("_assembly.", "_proof_term."))
        assert replay_artifact(proof_term).theorem == report.theorem
        trace = load_assembly(path, environment_for(read_header(path).source))
        graph = proof_graph(trace)
        assert graph.complete and len(graph.hyperedges) == report.steps
        ET.fromstring(render(graph, "svg"))  # a drawing a person can open
    assert steps > 1500

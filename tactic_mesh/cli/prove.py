"""``tactic-mesh prove "STATEMENT"``: prove a statement by automatic search or by a given script.

A formatter over ``tactic_mesh.api.Session.prove``: the statement is elaborated on top of the
prelude and the theorem library, and the session admits the proof term through the kernel type
checker before it returns a result; only such a result is reported as proved.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from tactic_mesh.kernel.errors import TacticMeshError

if TYPE_CHECKING:
    from tactic_mesh.handlers.policy import SearchPolicy
    from tactic_mesh.mesh import MeshProof


def _policy(args: argparse.Namespace) -> str | SearchPolicy:
    """The policy ``--policy``/``--model`` name; ``auto`` is the router when it can be made here,
    else the heuristic (and the reason is said on stderr)."""
    from tactic_mesh.neural.policies import default_policy, make_knn, make_router

    name = getattr(args, "policy", "auto")
    model = getattr(args, "model", None)
    if args.by is not None:
        return "heuristic"
    if name == "auto":
        name, why = default_policy() if model is None else ("router", "")
        if why and not args.json:
            print(f"note: searching with the heuristic policy: {why}", file=sys.stderr)
    if model is not None and name in ("router", "knn"):
        return make_router(model) if name == "router" else make_knn(model)
    return str(name)


def _mesh(args: argparse.Namespace) -> MeshProof:
    """``--mesh``: ``tactic_mesh.mesh.mesh_prove`` (the result's proof was admitted by this process's kernel)."""
    from tactic_mesh.api import Session
    from tactic_mesh.mesh import mesh_prove
    from tactic_mesh.net.peers import Address

    if args.by is not None or args.trace:
        raise TacticMeshError("--mesh searches (with the peers' help): it takes neither --by nor --trace")
    peers = Address.parse_list(args.mesh, "--mesh")
    return mesh_prove(Session(args.library), args.statement, peers, experts=args.experts.split(","),
                      model=args.model, max_peers=args.max_peers, budget=args.budget, max_nodes=args.max_nodes,
                      data_dir=args.data, timeout=args.timeout)  # fmt: skip


def _mesh_json(found: MeshProof) -> dict[str, object]:
    return {"source": found.source, "remote_calls": found.remote_calls,
            "peer_failures": [list(f) for f in found.failures], "rejected_from_peers": list(found.rejected)}


def _describe(found: MeshProof) -> str:
    kind, _, peer = found.source.partition(":")
    where = {"cache": "from the local verified cache (re-verified in this process)",
             "search": "found by the local search", "peer-cache": f"from {peer}'s cache",
             "peer-solve": f"from {peer}'s search"}[kind]  # fmt: skip
    out = f"{where}; {found.remote_calls} request(s) to peers"
    if found.failures:
        out += f", {len(found.failures)} failed ({'; '.join(f'{p}: {k}' for p, k, _ in found.failures[:3])})"
    if found.rejected:
        out += f"; {len(found.rejected)} certificate(s) from peers rejected by the local kernel"
    return out


def run_prove(args: argparse.Namespace) -> int:
    from tactic_mesh.api import NoProofFound, Session

    def fail(message: str, extra: dict[str, object] | None = None) -> int:
        if args.json:
            json.dump({"proved": False, "error": message, **(extra or {})}, sys.stdout, ensure_ascii=False, indent=2)
            sys.stdout.write("\n")
        else:
            print(f"error: {message}", file=sys.stderr)
        return 1

    artifacts: tuple[Path, Path] | None = None
    mesh: MeshProof | None = None
    try:
        if getattr(args, "mesh", None):
            mesh = _mesh(args)
            result = mesh.result
        else:
            policy = _policy(args)
            session = Session(args.library)
            result = session.prove(args.statement, by=args.by, budget=args.budget, max_nodes=args.max_nodes,
                                   policy=policy, name=args.name, trace=bool(args.trace))
        if result.trace is not None:
            from tactic_mesh.proofs.artifacts import write_artifacts

            artifacts = write_artifacts(Path(args.trace), result.trace)
    except NoProofFound as err:
        found = err.search
        partial = {"mode": "search", "expanded": found.expanded, "generated": found.generated,
                   "seconds": round(found.seconds, 3)}
        tried = ", ".join(f"{name} {ok}/{n}" for name, n, ok in found.tried) or "nothing applied"
        left = "\n".join(f"  {g}" for g in found.best_goals)
        furthest = "; ".join(found.best_script) or "(no step)"
        return fail(
            f"{err.message}\ntried (tactic applied/tried): {tried}\n"
            f"furthest: {furthest}, leaving {len(found.best_goals)} goal(s):\n{left}",
            {"stats": partial, "tried": [{"tactic": t, "tried": n, "applied": ok} for t, n, ok in found.tried],
             "furthest_script": list(found.best_script), "goals_left": list(found.best_goals)},
        )
    except TacticMeshError as err:
        return fail(str(err))
    except OSError as err:
        return fail(f"cannot write the artifacts: {err.strerror or err}")
    st = result.stats
    stats: dict[str, object] = {"mode": st.mode}
    if st.mode == "search":
        stats.update(expanded=st.expanded, generated=st.generated, seconds=st.seconds, policy=st.policy)
    core = result.core_text() if args.expand else None
    if args.json:
        payload = {
            "proved": True,
            "statement": result.statement_text,
            "script": list(result.script),
            "proof_term": result.proof_term_text,
            "kernel_checked": result.kernel_checked,
            "axioms": list(result.axioms),
            "stats": stats,
            **({"artifacts": [str(p) for p in artifacts]} if artifacts is not None else {}),
            **({"core_program": core} if core is not None else {}),
            **({"mesh": _mesh_json(mesh)} if mesh is not None else {}),
        }
        json.dump(payload, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    print(f"theorem : {result.statement_text} := by")
    for line in result.script:
        print(f"  {line}")
    if core is not None:
        print("core programs (each tactic as it ran, compiled on the state it met):")
        print("\n".join(f"  {line}" for line in core.splitlines()))
    print(f"proof term: {result.proof_term_text}")
    if st.mode == "search":
        print(f"search ({st.policy}): {st.expanded} nodes expanded, {st.generated} generated, {st.seconds} s")
    if artifacts is not None:
        print(f"artifacts: {artifacts[0]}, {artifacts[1]} (the proof term was rebuilt by a sequential replay)")
    if mesh is not None:
        print(f"mesh: {_describe(mesh)}")
    print("proved: the kernel type checker re-checked the proof term")
    return 0

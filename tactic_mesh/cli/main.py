"""The ``tactic-mesh`` command.  Heavy modules are imported inside the sub-commands."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

EXECUTORS = ("inline", "process", "ray")  # tactic_mesh.net.executor.EXECUTORS (not imported here: start-up)


def _positive(kind: type[int] | type[float]) -> Callable[[str], int | float]:
    def parse(text: str) -> int | float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be positive, got {text}")
        return value

    return parse


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tactic-mesh",
        description="Typed, effectful tactic programs over a small trusted dependent type theory.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    check = sub.add_parser(
        "check",
        help="elaborate and kernel-check every declaration of .tm files",
        description=(
            "Elaborate every declaration of the given files and admit it through the kernel type "
            "checker. Files are checked in order on top of the prelude (or from scratch when the "
            "prelude itself is given). Exit status 0 only if every declaration checks."
        ),
    )
    check.add_argument("files", nargs="+", metavar="FILE.tm")
    check.add_argument("--json", action="store_true", help="machine-readable output")
    check.add_argument("--allow-sorry", action="store_true", help="accept declarations that use sorry")
    check.add_argument(
        "--forbid-axioms", action="store_true", help="reject theorems that depend on any axiom"
    )
    check.add_argument("--quiet", "-q", action="store_true", help="print errors and the summary only")
    check.add_argument("--trace", metavar="DIR",
                       help="write <theorem>_assembly.json.gz and <theorem>_proof_term.json.gz per theorem")
    prove = sub.add_parser(
        "prove",
        help="prove a statement by automatic search (or by --by SCRIPT); the kernel checks the proof",
        description=(
            "Elaborate STATEMENT on top of the prelude and the theorem library, then find a tactic "
            "proof by best-first search (or run the given script), print the script, the proof term "
            "and the search statistics. The proof term is admitted by the kernel before it is reported."
        ),
    )
    prove.add_argument("statement", metavar="STATEMENT")
    prove.add_argument("--by", metavar="SCRIPT", help="tactic script (tactics separated by ';' or newlines)")
    prove.add_argument("--budget", type=_positive(float), default=5.0, metavar="SECONDS", help="search time budget")
    prove.add_argument("--max-nodes", type=_positive(int), default=2000, metavar="N", help="search node budget")
    prove.add_argument("--json", action="store_true", help="machine-readable output")
    prove.add_argument("--policy", default="auto", metavar="NAME",
                       help="the search policy: heuristic, knn, router (the learned Mixture-of-Tactics), or auto "
                            "(default: router when torch and a model are installed, else heuristic)")
    prove.add_argument("--model", metavar="PATH",
                       help="the checkpoint of the knn and router policies (default: the model shipped with "
                            "the package, or $TACTIC_MESH_MODEL)")
    prove.add_argument(
        "--library", choices=("basics", "all"), default="basics",
        help="the lemmas available: basics.tm (default), or all (with tactics.tm: slower start-up)",
    )
    prove.add_argument(
        "--expand", action="store_true", help="also print the script's core program (tactic DSL)"
    )
    prove.add_argument("--trace", metavar="DIR",
                       help="write the proof's assembly trace and replayed proof term into DIR")
    prove.add_argument("--name", default="goal", help="the theorem's name in the artifacts (default: goal)")
    prove.add_argument("--mesh", metavar="ADDR,…",
                       help="prove with the help of these mesh nodes (tcp://HOST:PORT,…): their verified caches, "
                            "their experts for the families not in --experts, their searches; every proof they "
                            "send is re-checked by the local kernel")
    prove.add_argument("--experts", default="all", metavar="FAMILY,…",
                       help="with --mesh: the expert families run here (default: all); the router asks peers "
                            "for the others")
    prove.add_argument("--max-peers", type=_positive(int), default=2, metavar="M",
                       help="with --mesh: at most M peers per state (node-limited routing; default 2)")
    prove.add_argument("--data", metavar="DIR", help="with --mesh: the local verified cache (SQLite) to use and fill")
    prove.add_argument("--timeout", type=_positive(float), default=5.0, metavar="SECONDS",
                       help="with --mesh: seconds per request to a peer (default 5)")
    node = sub.add_parser(
        "node",
        help="run a proof-mesh node (nng): serve expert and solve calls, keep a kernel-verified cache and ledger",
        description=(
            "A long-running mesh node: Req0/Rep0 on PORT for expert, solve, cert and ledger requests, "
            "Respondent0 on PORT+1 for capability surveys, Pub0 on PORT+2 for announcements of newly verified "
            "proofs; it subscribes to its peers' announcements and replicates their ledgers by anti-entropy. "
            "Every proof received from a peer is re-checked by the local kernel before it is stored or used. "
            "SIGINT or SIGTERM stops it cleanly."
        ),
    )
    node.add_argument("--listen", required=True, metavar="tcp://HOST:PORT")
    node.add_argument("--peers", default="", metavar="ADDR,…", help="other nodes (tcp://HOST:PORT,…)")
    node.add_argument("--experts", default="all", metavar="FAMILY,…", help="the expert families this node hosts")
    node.add_argument("--data", default="mesh-data", metavar="DIR", help="the cache and ledger (default: mesh-data)")
    node.add_argument("--name", default="", help="the node's name in surveys and ledgers (default: its address)")
    node.add_argument("--library", choices=("basics", "all"), default="all", help="the environment (default: all)")
    node.add_argument("--policy", choices=("auto", "heuristic"), default="auto",
                      help="auto: the learned experts when torch and a model are there; heuristic: the proposers")
    node.add_argument("--model", metavar="PATH", help="the router checkpoint (default: the shipped model)")
    node.add_argument("--workers", type=_positive(int), default=2, metavar="N", help="request threads (default 2)")
    node.add_argument("--timeout", type=_positive(float), default=5.0, metavar="SECONDS",
                      help="seconds per request to a peer (default 5)")
    node.add_argument("--sync-every", type=_positive(float), default=2.0, metavar="SECONDS",
                      help="seconds between anti-entropy rounds (default 2)")
    node.add_argument("--max-peers", type=_positive(int), default=2, metavar="M",
                      help="at most M peers per state when this node's searches need remote experts")
    node.add_argument("--json", action="store_true", help="print the ready line and final counters as JSON")
    fmt = sub.add_parser(
        "fmt",
        help="canonical layout of the tactic programs of .tm and .tac files",
        description=(
            "Re-print every `by` block of .tm files and every DSL program of .tac files in canonical "
            "form (directories are searched for both). Formatting never drops text: a block it cannot "
            "re-print faithfully is left as it is and reported. With --check nothing is written and "
            "the exit status is 1 if some file is not in canonical form."
        ),
    )
    fmt.add_argument("paths", nargs="+", metavar="PATH")
    fmt.add_argument("--check", action="store_true", help="report files that would change; write nothing")
    fmt.add_argument("--quiet", "-q", action="store_true", help="no summary line")
    typecheck = sub.add_parser(
        "typecheck",
        help="type-check the tactic programs of .tm and .tac files without running them",
        description=(
            "Type-check every `by` block against its theorem's statement (the judgment "
            "Δ ; I_in ⊢ t : I_out ! Φ) without running it, and print its output interface and effect "
            "row, or the type error with the sub-term it names. Files are read in order; theorems enter "
            "the environment unproved (as sorryAx) unless --run is given, which also runs each block "
            "and admits its proof through the kernel. A .tac file holds one DSL program, typed on one "
            "goal about which nothing is known."
        ),
    )
    typecheck.add_argument("files", nargs="+", metavar="FILE")
    typecheck.add_argument("--run", action="store_true", help="also run each block and kernel-check the proof")
    typecheck.add_argument("--json", action="store_true", help="machine-readable output")
    typecheck.add_argument("--quiet", "-q", action="store_true", help="print errors and the summary only")
    laws = sub.add_parser(
        "laws",
        help="check the law catalogue on generated instances (claimed laws hold, unclaimed ones are refuted)",
        description=(
            "Run every law of the catalogue (tactic_mesh/laws/catalogue.py) on generated programs over "
            "real proof states of the theorem library: both sides are compared by observational "
            "equality under the kernel handler. Prints, per law, the side condition, the instances "
            "tried, where the side condition held, how many held, and the minimal counterexample of "
            "a refuted law. Exit status 1 when a claimed law fails or an unclaimed variant holds."
        ),
    )
    laws.add_argument("--law", action="append", metavar="NAME", help="only this law (repeatable)")
    laws.add_argument("--examples", type=_positive(int), default=50, metavar="N",
                      help="instances per law where the side condition holds (default 50)")
    laws.add_argument("--json", action="store_true", help="machine-readable output")
    replay = sub.add_parser(
        "replay",
        help="replay recorded proof artifacts and re-check their terms in the kernel",
        description=(
            "Replay each artifact (an _assembly.json.gz, a _proof_term.json.gz, or a directory of "
            "them): rebuild the environment it names, compare the provenance (kernel, library, "
            "options) field by field and refuse to run on any difference, replay the recorded steps "
            "in one fresh state without branching, check that they rebuild the recorded partial and "
            "final terms, and have the kernel check the final term. Exit status 1 if any fails."
        ),
    )
    replay.add_argument("artifacts", nargs="+", metavar="ARTIFACT")
    replay.add_argument("--json", action="store_true", help="machine-readable output")
    replay.add_argument("--steps", action="store_true",
                        help="also print how the term was assembled: each step and the partial term after it")
    graph = sub.add_parser(
        "graph",
        help="draw the proof graph of an assembly artifact (dot, svg or json)",
        description=(
            "Draw the proof graph of a recorded assembly: obligations as nodes, steps as hyperedges, "
            "shared metavariables as edges; open goals, coupled goals and the steps that closed them "
            "are drawn differently."
        ),
    )
    graph.add_argument("artifact", metavar="ARTIFACT")
    graph.add_argument("--format", choices=("dot", "svg", "json"), default="svg")
    graph.add_argument("--output", "-o", metavar="FILE", help="write here instead of standard output")
    export = sub.add_parser(
        "export",
        help="export the library and proofs to Lean 4 source or to Lean's kernel export format (NDJSON)",
        description=(
            "Export declarations and proofs. --to lean writes one Lean 4 file that starts with `prelude` "
            "(it defines its own Nat, Eq, ... and imports nothing); --to ndjson writes the environment in "
            "lean4export's NDJSON format (3.x), which Lean's external kernel checkers read. The input is "
            ".tm files checked on top of the prelude, or proof artifacts (_proof_term.json.gz); with no "
            "input, the shipped library."
        ),
    )
    export.add_argument("inputs", nargs="*", metavar="FILE.tm|ARTIFACT")
    export.add_argument("--to", choices=("lean", "ndjson"), required=True, dest="target")
    export.add_argument("--output", "-o", metavar="OUT", help="write here instead of standard output")
    export.add_argument("--json", action="store_true", help="print a machine-readable summary")
    check_export = sub.add_parser(
        "check-export",
        help="check a Lean kernel export (lean4export NDJSON) with the project's kernel",
        description=(
            "Read a lean4export NDJSON file and admit every declaration through the project's kernel, as "
            "an external Lean 4 checker does. Exit 0: every declaration accepted; 1: a declaration is "
            "rejected (named, with the reason); 2: declined, the file uses a feature the kernel does not "
            "support (named), or it is malformed (with the line number)."
        ),
    )
    check_export.add_argument("file", metavar="FILE.ndjson")
    check_export.add_argument("--json", action="store_true", help="machine-readable output")
    check_export.add_argument("--quiet", "-q", action="store_true", help="print the verdict only")
    etp = sub.add_parser(
        "etp",
        help="decide magma implications (Equational Theories Project rows) with kernel-checked certificates",
        description=(
            "Decide each row of an ETP implication file (TSV with lhs_eq and rhs_eq; holds, lhs_id, rhs_id "
            "and stratum when present), or one pair of numbered laws (--eq N --implies M). A row is proved "
            "or refuted only by a certificate the kernel admitted (written under --out as a theory file); "
            "otherwise it is unknown, with the reason. A verdict contradicting the holds column exits 2."
        ),
    )
    etp.add_argument("file", nargs="?", metavar="FILE.tsv")
    etp.add_argument("--eq", type=_positive(int), metavar="N", help="the hypothesis law's number")
    etp.add_argument("--implies", type=_positive(int), metavar="M", help="the conclusion law's number")
    etp.add_argument("--equations", metavar="PATH", help="equations.txt (default: the shared ETP data)")
    etp.add_argument("--budget", type=_positive(float), default=10.0, metavar="SECONDS", help="seconds per row")
    etp.add_argument("--jobs", type=_positive(int), default=max(1, (os.cpu_count() or 1)), metavar="N",
                     help="worker processes")
    etp.add_argument("--executor", choices=EXECUTORS, default="process",
                     help="where the rows run: process (default: a local process pool of --jobs), inline (this "
                          "process) or ray (Ray tasks on --jobs CPUs; the ray extra)")
    etp.add_argument("--out", metavar="DIR", help="write each certificate here (a .tm file per settled row)")
    etp.add_argument("--json", metavar="FILE", help="write the per-row results here (as they come)")
    etp.add_argument("--resume", action="store_true", help="skip the rows already decided in --json FILE")
    etp.add_argument("--plot", metavar="FILE.svg", help="draw the verdicts by stratum")
    etp.add_argument("--policy", choices=("fixed", "router"), default="fixed",
                     help="the order of the experts: fixed (default) or router (learned, per row)")
    etp.add_argument("--router", metavar="PATH",
                     help="the router checkpoint for --policy router (default: the one shipped with the package)")
    prove_file = sub.add_parser(
        "prove-file",
        help="prove each statement of a file by search in workers; this process re-checks every proof",
        description=(
            "Prove every statement of FILE (one per line; '#' comments and blank lines ignored) by best-first "
            "search in workers (--executor, --jobs). A worker returns only its script: this process replays it "
            "and the kernel admits the proof term before the line is reported proved. A failure (no proof, a "
            "worker error, crash or timeout, a script that fails the re-check) is reported per line (FILE:LINE). "
            "Exit status 0 when every statement is proved, 1 otherwise, 2 on bad input (FILE:LINE:COL)."
        ),
    )
    prove_file.add_argument("file", metavar="FILE")
    prove_file.add_argument("--executor", choices=EXECUTORS, default="process",
                            help="where the searches run: process (default), inline or ray (the ray extra)")
    prove_file.add_argument("--jobs", type=_positive(int), default=max(1, (os.cpu_count() or 1)), metavar="N",
                            help="workers (default: the CPU count)")
    prove_file.add_argument("--budget", type=_positive(float), default=5.0, metavar="SECONDS",
                            help="search time budget per statement (default 5)")
    prove_file.add_argument("--max-nodes", type=_positive(int), default=2000, metavar="N",
                            help="search node budget per statement (default 2000)")
    prove_file.add_argument("--policy", default="heuristic", metavar="NAME",
                            help="the search policy: heuristic (default), knn, router or auto (as for prove)")
    prove_file.add_argument("--library", choices=("basics", "all"), default="basics",
                            help="the lemmas available: basics.tm (default) or all")
    prove_file.add_argument("--timeout", type=_positive(float), default=None, metavar="SECONDS",
                            help="abandon a worker after this long on one statement (default: 2 × budget + 60)")
    prove_file.add_argument("--json", metavar="FILE", help="write the per-statement results here (as they come)")
    train = sub.add_parser(
        "train",
        help="learn the Mixture-of-Tactics router and its experts from kernel-checked proofs (torch, CPU)",
        description=(
            "Collect the checked steps of the library's proofs (and of the heuristic search's proofs of the "
            "same theorems that the kernel admitted), train the router and the tactic experts on them with "
            "fixed seeds, fill the k-NN store with the same steps, and write one checkpoint (format version, "
            "feature configuration and environment hash recorded)."
        ),
    )
    train.add_argument("--dataset", default="library", metavar="NAME",
                       help="what to learn from: library (tactic router) or equational_theories (ETP expert router)")
    train.add_argument("--library", choices=("basics", "all"), default="all", help="whose proofs (default: all)")
    train.add_argument("--epochs", type=_positive(int), default=12, metavar="N", help="epochs (default 12)")
    train.add_argument("--seed", type=int, default=0, help="the seed of everything random (default 0)")
    train.add_argument("--top-k", type=_positive(int), default=3, metavar="K", help="experts per state (default 3)")
    train.add_argument("--search-nodes", type=int, default=40, metavar="N",
                       help="node budget of the search traces per theorem (0: none; default 40)")
    train.add_argument("--search-seconds", type=_positive(float), default=1.0, metavar="S",
                       help="time budget of the search traces per theorem (default 1)")
    train.add_argument("--out", metavar="PATH", help="the checkpoint (default: the model shipped with the package)")
    train.add_argument("--json", action="store_true", help="machine-readable summary")
    train.add_argument("--quiet", "-q", action="store_true", help="no progress")
    train.add_argument("--pairs", type=_positive(int), default=None, metavar="N",
                       help="equational_theories: fresh implication pairs to certify and learn from")
    train.add_argument("--budget", type=_positive(float), default=None, metavar="SECONDS",
                       help="equational_theories: seconds per pair while collecting")
    train.add_argument("--hard", type=int, default=0, metavar="N",
                       help="equational_theories: also N hard fresh pairs (no two-element magma refutes them and E's "
                            "first run does not answer them), so the router learns when the long E run is worth it")
    train.add_argument("--jobs", type=_positive(int), default=max(1, (os.cpu_count() or 1)), metavar="N",
                       help="equational_theories: worker processes while collecting")
    train.add_argument("--limit", type=_positive(int), default=None, metavar="N",
                       help="library: learn from the first N theorems only (a quick run)")
    train.add_argument("--iterations", type=int, default=0, metavar="K",
                       help="library: rounds of expert iteration after the first model (search with the current "
                            "policy, keep the kernel-checked proofs and sub-proofs, retrain; default 0)")
    train.add_argument("--variants", type=int, default=0, metavar="N",
                       help="library, with --iterations: also search up to N variants of each theorem per round "
                            "(statements true by construction, with no library proof; default 0)")
    train.add_argument("--accumulate", action="store_true",
                       help="library, with --iterations: each round trains on every distinct checked step found so "
                            "far, not only each theorem's latest search")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return _dispatch(parser, args)
    except BrokenPipeError:  # the reader went away (`… | head`): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as err:  # a bug of ours: one clear line, never a traceback
        if os.environ.get("TACTIC_MESH_DEBUG"):
            raise
        print(f"internal error ({type(err).__name__}: {err}); set TACTIC_MESH_DEBUG=1 for a traceback",
              file=sys.stderr)
        return 3


def _dispatch(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if args.command == "check":
        from tactic_mesh.cli.check import run_check

        return run_check(args)
    if args.command == "prove":
        from tactic_mesh.cli.prove import run_prove

        return run_prove(args)
    if args.command == "node":
        from tactic_mesh.cli.node import run_node

        return run_node(args)
    if args.command == "typecheck":
        from tactic_mesh.cli.typecheck import run_typecheck

        return run_typecheck(args)
    if args.command == "laws":
        from tactic_mesh.cli.laws import run_laws

        return run_laws(args)
    if args.command in ("replay", "graph"):
        from tactic_mesh.cli.artifacts import run_graph, run_replay

        return run_replay(args) if args.command == "replay" else run_graph(args)
    if args.command == "etp":
        from tactic_mesh.cli.etp import run_etp

        return run_etp(args)
    if args.command == "prove-file":
        from tactic_mesh.cli.prove_file import run_prove_file

        return run_prove_file(args)
    if args.command == "train":
        from tactic_mesh.cli.train import run_train

        return run_train(args)
    if args.command == "export":
        from tactic_mesh.cli.export import run_export

        return run_export(args)
    if args.command == "check-export":
        from tactic_mesh.cli.check_export import run_check_export

        return run_check_export(args)
    if args.command == "fmt":
        from tactic_mesh.cli.fmt import run_fmt

        return run_fmt(args)
    parser.print_help()
    return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

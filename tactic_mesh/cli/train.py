"""``tactic-mesh train``: learn the Mixture-of-Tactics router, its experts, the progress critic, the
sketch head and the k-NN store from the kernel-checked proofs of a library, optionally continue with
``--iterations K`` rounds of expert iteration, and write a checkpoint (``tactic_mesh.neural.pipeline``).
``--dataset equational_theories`` learns the ETP expert router instead (``cli/train_etp.py``)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from tactic_mesh.kernel.errors import TacticMeshError


class _Bars:
    """Rich progress bars on a terminal's stderr; plain lines on stderr otherwise."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.progress: Any = None
        self.tasks: dict[str, Any] = {}
        if not quiet and sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self.progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                     TimeElapsedColumn(), console=Console(stderr=True))
            self.progress.start()

    def update(self, what: str, done: int, total: int, extra: str = "") -> None:
        if self.quiet:
            return
        if self.progress is None:
            if what == "search" and done % 25 and done != total:
                return
            print(f"train: {what} {done}/{total} {extra}".rstrip(), file=sys.stderr, flush=True)
            return
        if what not in self.tasks:
            self.tasks[what] = self.progress.add_task(what, total=total)
        self.progress.update(self.tasks[what], completed=done, description=f"{what} {extra}".rstrip())

    def close(self) -> None:
        if self.progress is not None:
            self.progress.stop()


def run_train(args: argparse.Namespace) -> int:
    from tactic_mesh.neural.policies import model_path, torch_available

    if args.dataset == "equational_theories":
        from tactic_mesh.cli.train_etp import run_train_etp

        return run_train_etp(args)
    if not torch_available():
        print("error: training needs torch: pip install 'tactic-mesh[neural]'", file=sys.stderr)
        return 1
    if args.dataset != "library":
        print(f"error: unknown dataset '{args.dataset}' (known: library, equational_theories)", file=sys.stderr)
        return 1
    from tactic_mesh.neural.checkpoint import save
    from tactic_mesh.neural.iteration import IterationConfig
    from tactic_mesh.neural.model import ModelConfig
    from tactic_mesh.neural.pipeline import build, refine
    from tactic_mesh.neural.traces import library_theorems
    from tactic_mesh.proofs.library import library_env

    if args.iterations < 0:
        print("error: --iterations must be 0 or more", file=sys.stderr)
        return 1
    if args.variants < 0:
        print("error: --variants must be 0 or more", file=sys.stderr)
        return 1
    out = model_path(args.out)
    bars = _Bars(args.quiet)
    try:
        theorems = library_theorems(args.library)
        if args.limit:
            theorems = theorems[:args.limit]
        trained = build(theorems, ModelConfig(top_k=args.top_k), epochs=args.epochs, seed=args.seed,
                        search_nodes=args.search_nodes, search_seconds=args.search_seconds,
                        on_search=lambda i, n: bars.update("search", i, n),
                        on_epoch=lambda e, n, loss: bars.update("epoch", e, n, f"loss {loss:.3f}"))
        if args.iterations > 0:
            cfg = IterationConfig(iterations=args.iterations, max_nodes=max(args.search_nodes, 1),
                                  seconds=args.search_seconds, epochs=args.epochs, seed=args.seed,
                                  accumulate=args.accumulate)
            searched = theorems
            if args.variants:
                from tactic_mesh.api import Session
                from tactic_mesh.neural.augment import variants, wrappers

                made = variants(theorems, wrappers(Session(environment=library_env(args.library)).elaborate),
                                args.variants, seed=args.seed)
                searched = [*theorems, *made.theorems]
            trained = refine(trained, searched, cfg,
                             progress=lambda it, i, n: bars.update(f"iteration {it} search", i, n))
        save(out, trained.model, trained.knn, args.library, library_env(args.library), trained.summary())
    except TacticMeshError as err:
        bars.close()
        print(f"error: {err}", file=sys.stderr)
        return 1
    except OSError as err:
        bars.close()
        print(f"error: cannot write {out}: {err.strerror or err}", file=sys.stderr)
        return 1
    bars.close()
    summary = {"checkpoint": str(out), "library": args.library, "seed": args.seed, **trained.summary()}
    if args.json:
        json.dump(summary, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    r = trained.report
    print(f"trained on {trained.theorems} theorems of library '{args.library}': {trained.library_steps} steps of "
          f"their proofs + {trained.search_steps} checked search steps, from the searches' proofs and "
          f"{trained.subproofs} closed sub-goals the kernel re-checked ({trained.collect_seconds} s to collect)")
    print(f"{r.samples} samples ({r.expert_samples} with expert targets), {r.epochs} epochs in {r.seconds} s "
          f"on the CPU; final loss {r.final_loss}, router keeps the taken family in its top-k on "
          f"{100 * r.router_accuracy:.1f} % of the training steps, load CV {r.load_cv}")
    for rnd in trained.rounds[1:]:
        print(f"iteration {rnd.iteration}: the kernel admitted {rnd.proved}/{rnd.theorems} searched proofs and "
              f"re-checked {rnd.subproofs} closed sub-goals (hindsight); {rnd.samples} samples; search "
              f"{rnd.search_seconds} s, training {rnd.train_seconds} s")
    print(f"k-NN store: {len(trained.knn)} entries; checkpoint written to {out}")
    return 0

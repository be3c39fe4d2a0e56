"""Training the Mixture-of-Tactics model from checked steps (``neural/traces.py``).

Each step ``(state, tactic)`` becomes a ``Sample``: the state's tokens and routing features, the
family of the tactic (the router's label: ``σ`` affinities trained with binary cross-entropy
against it), and — when the tactic is one of the proposals of its family's expert — those
proposals with the taken one marked (the expert's head trained with cross-entropy over them).  For
the experts that select premises, the proposals are the ones the expert always makes plus the
taken lemma and ``NEGATIVE_PREMISES`` other library lemmas drawn at random (seeded).  After each
batch the router's bias is updated from that batch's selections (``Router.update_bias``; off with
``balance=False``); the optional sequence-wise balance loss is ``ModelConfig.alpha``.  Seeds are
fixed: the same steps, configuration and seed give the same model.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence

import attrs
import torch
from torch import nn

from tactic_mesh.calculus.tactics import FAMILIES, Candidate, GoalView
from tactic_mesh.handlers.policy import Step
from tactic_mesh.neural.actions import action_key, referenced_lemma
from tactic_mesh.neural.experts import EXPERTS
from tactic_mesh.neural.experts.base import premise_names, premise_statement
from tactic_mesh.neural.features import routing_features
from tactic_mesh.neural.model import Action, ModelConfig, MoTModel, family_of
from tactic_mesh.neural.tokens import Tokens, state_tokens, statement_tokens

NEGATIVE_PREMISES = 10


@attrs.frozen
class Sample:
    tokens: tuple[Tokens, ...]
    routing: tuple[float, ...]
    family: int | None  # the router's label
    expert: int | None  # the expert whose proposals contain the taken tactic …
    actions: tuple[Action, ...] = ()  # … those proposals …
    target: int = 0  # … and which of them was taken
    lemmas: tuple[tuple[str, Tokens], ...] = ()  # the statements of the lemmas the actions mention


def actions_of(cands: Sequence[Candidate], view: GoalView) -> list[Action]:
    known = premise_names(view.state.environment)
    return [Action.of(action_key(c.call, view.hypotheses), referenced_lemma(c.call, known)) for c in cands]


def make_sample(step: Step, rng: random.Random) -> Sample | None:
    state, call = step
    view = GoalView.of(state)
    if view is None:
        return None
    family = family_of(call)
    fam_index = FAMILIES.index(family) if family is not None else None
    tokens = tuple(state_tokens(state))
    routing = tuple(routing_features(state, view.goal).vector())
    if fam_index is None:
        return Sample(tokens, routing, None, None)
    expert = EXPERTS[fam_index]
    gold = action_key(call, view.hypotheses)
    plain, with_premise = expert.candidates(view)
    keyed = [(c, action_key(c.call, view.hypotheses)) for c in plain]
    premise_keyed = [(c, action_key(c.call, view.hypotheses)) for c in with_premise]
    golds = [ck for ck in premise_keyed if ck[1] == gold]
    others = [ck for ck in premise_keyed if ck[1] != gold]
    chosen = keyed + golds + rng.sample(others, min(NEGATIVE_PREMISES, len(others)))
    keys = [k for _, k in chosen]
    if gold not in keys:
        return Sample(tokens, routing, fam_index, None)
    cands = [c for c, _ in chosen]
    actions = actions_of(cands, view)
    env = state.environment
    lemmas = tuple((a.lemma, statement_tokens(premise_statement(env, a.lemma))) for a in actions if a.lemma)
    return Sample(tokens, routing, fam_index, fam_index, tuple(actions), keys.index(gold), tuple(dict(lemmas).items()))


def make_samples(steps: Sequence[Step], seed: int = 0) -> list[Sample]:
    rng = random.Random(seed)
    out = []
    for step in steps:
        s = make_sample(step, rng)
        if s is not None:
            out.append(s)
    return out


@attrs.frozen
class TrainReport:
    samples: int
    expert_samples: int
    epochs: int
    seconds: float
    final_loss: float
    router_accuracy: float  # the taken tactic's family among the selected experts, on the training set
    load_cv: float  # of the selections over the last epoch


def train(samples: Sequence[Sample], cfg: ModelConfig | None = None, epochs: int = 8, seed: int = 0,
          batch_size: int = 32, lr: float = 3e-3, balance: bool = True,
          progress: Callable[[int, int, float], None] | None = None) -> tuple[MoTModel, TrainReport]:
    """A model trained on ``samples``; ``progress(epoch, epochs, loss)`` after each epoch."""
    torch.manual_seed(seed)
    rng = random.Random(seed)
    model = MoTModel(cfg)
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    bce = nn.BCELoss()
    start = time.perf_counter()
    order = list(range(len(samples)))
    loss_value = 0.0
    hits = total = 0
    for epoch in range(epochs):
        rng.shuffle(order)
        model.router.load = type(model.router.load)(len(FAMILIES))
        hits = total = 0
        losses: list[float] = []
        for i in range(0, len(order), batch_size):
            batch = [samples[j] for j in order[i:i + batch_size]]
            enc = model.encode([s.tokens for s in batch])
            routing = model.route(enc, torch.tensor([s.routing for s in batch], dtype=torch.float32))
            labelled = [b for b, s in enumerate(batch) if s.family is not None]
            loss = model.router.balance_loss(routing)
            if labelled:
                target = torch.zeros(len(labelled), len(FAMILIES))
                for row, b in enumerate(labelled):
                    fam = batch[b].family
                    assert fam is not None
                    target[row, fam] = 1.0
                    hits += int(fam in routing.selected[b].tolist())
                    total += 1
                loss = loss + bce(routing.affinities[labelled], target)
            statements = {name: toks for s in batch for name, toks in s.lemmas}
            lemma_vecs = model.lemma_vectors(statements)
            expert_losses = []
            for b, s in enumerate(batch):
                if s.expert is None:
                    continue
                vecs = model.action_vectors(enc, b, s.actions, lemma_vecs)
                scores = model.expert_scores(enc, b, s.expert, vecs)
                expert_losses.append(nn.functional.cross_entropy(scores[None], torch.tensor([s.target])))
            if expert_losses:
                loss = loss + torch.stack(expert_losses).mean()
            opt.zero_grad()
            loss.backward()  # type: ignore[no-untyped-call]
            opt.step()
            losses.append(float(loss.item()))
            if balance:
                model.router.update_bias(routing.selected.detach())
            else:
                model.router.load.add(routing.selected.detach())
        loss_value = sum(losses) / max(len(losses), 1)
        if progress is not None:
            progress(epoch + 1, epochs, loss_value)
    model.eval()
    report = TrainReport(len(samples), sum(s.expert is not None for s in samples), epochs,
                         round(time.perf_counter() - start, 2), round(loss_value, 4),
                         round(hits / max(total, 1), 4), round(model.router.load.cv(), 4))
    return model, report

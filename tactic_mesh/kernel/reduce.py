"""Full normalisation (``#reduce``): weak head normal form, then under binders and arguments."""

from __future__ import annotations

from tactic_mesh.kernel.environment import Environment
from tactic_mesh.kernel.errors import KernelError
from tactic_mesh.kernel.expr import App, Binding, Expr, Let, get_app_fn_args, instantiate1, mk_apps
from tactic_mesh.kernel.expr import abstract as abstract_fvars
from tactic_mesh.kernel.typechecker import TypeChecker

DEFAULT_FUEL = 200_000


def normalize(env: Environment, e: Expr, fuel: int = DEFAULT_FUEL) -> Expr:
    """The normal form of a closed term; raises ``KernelError`` when ``fuel`` sub-terms are exceeded."""
    tc = TypeChecker(env)
    budget = [fuel]
    cache: dict[Expr, Expr] = {}

    def go(t: Expr) -> Expr:
        hit = cache.get(t)
        if hit is not None:
            return hit
        budget[0] -= 1
        if budget[0] < 0:
            raise KernelError(f"#reduce: gave up after {fuel} reduction steps")
        w = tc.whnf(t)
        if isinstance(w, Binding):
            x = tc.push_local(w.name, w.type, bi=w.bi)
            body = go(instantiate1(w.body, x))
            out: Expr = type(w)(w.name, go(w.type), abstract_fvars(body, [x]), w.bi)
        elif isinstance(w, App):
            fn, args = get_app_fn_args(w)
            out = mk_apps(go(fn) if not isinstance(fn, App) else fn, [go(a) for a in args])
        elif isinstance(w, Let):  # pragma: no cover - whnf removes lets
            out = go(instantiate1(w.body, w.value))
        else:
            out = w
        cache[t] = out
        return out

    return go(e)

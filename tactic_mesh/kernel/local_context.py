"""Local contexts: ordered, immutable lists of local declarations (hypotheses and let-values)."""

from __future__ import annotations

from collections.abc import Iterator

import attrs

from tactic_mesh.kernel.expr import BinderInfo, Expr, FVar, fresh_id


@attrs.frozen
class LocalDecl:
    fvar: FVar
    user_name: str
    type: Expr
    value: Expr | None = None
    bi: BinderInfo = BinderInfo.DEFAULT


@attrs.frozen
class LocalContext:
    """An ordered local context.  Adding returns a new context; lookups are by free variable."""

    decls: tuple[LocalDecl, ...] = ()
    _index: dict[FVar, int] = attrs.field(factory=dict, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        if not self._index and self.decls:
            self._index.update({d.fvar: i for i, d in enumerate(self.decls)})

    def add(self, decl: LocalDecl) -> LocalContext:
        index = dict(self._index)
        index[decl.fvar] = len(self.decls)
        return LocalContext((*self.decls, decl), index)

    def mk_local(
        self, user_name: str, type: Expr, value: Expr | None = None, bi: BinderInfo = BinderInfo.DEFAULT
    ) -> tuple[LocalContext, FVar]:
        fvar = FVar(fresh_id())
        return self.add(LocalDecl(fvar, user_name, type, value, bi)), fvar

    def find(self, fvar: FVar) -> LocalDecl | None:
        i = self._index.get(fvar)
        return None if i is None else self.decls[i]

    def __contains__(self, fvar: object) -> bool:
        return fvar in self._index

    def __iter__(self) -> Iterator[LocalDecl]:
        return iter(self.decls)

    def __len__(self) -> int:
        return len(self.decls)

    def find_by_name(self, user_name: str) -> LocalDecl | None:
        for decl in reversed(self.decls):
            if decl.user_name == user_name:
                return decl
        return None

    def is_subprefix_of(self, other: LocalContext) -> bool:
        """Every declaration of ``self`` is in ``other`` (scope inclusion)."""
        return all(d.fvar in other for d in self.decls)

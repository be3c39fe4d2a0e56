"""Local contexts: ordered, immutable lists of local declarations (hypotheses and let-values)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import attrs
from immutables import Map

from tactic_mesh.kernel.expr import BinderInfo, Expr, FVar, fresh_id


@attrs.frozen
class LocalDecl:
    fvar: FVar
    user_name: str
    type: Expr
    value: Expr | None = None
    bi: BinderInfo = BinderInfo.DEFAULT


class LocalContext:
    """An ordered, persistent local context: adding returns a new context in O(log n) and shares
    everything with the old one; lookups by free variable and by name are O(log n)."""

    __slots__ = ("_by_name", "_decls", "_index", "_size")

    def __init__(self, decls: Iterable[LocalDecl] = ()) -> None:
        self._decls: Map[int, LocalDecl] = Map()
        self._index: Map[FVar, int] = Map()
        self._by_name: Map[str, int] = Map()
        self._size = 0
        for decl in decls:
            self._append(decl)

    def _append(self, decl: LocalDecl) -> None:
        self._decls = self._decls.set(self._size, decl)
        self._index = self._index.set(decl.fvar, self._size)
        self._by_name = self._by_name.set(decl.user_name, self._size)
        self._size += 1

    def add(self, decl: LocalDecl) -> LocalContext:
        out = LocalContext.__new__(LocalContext)
        out._decls, out._index, out._by_name, out._size = self._decls, self._index, self._by_name, self._size
        out._append(decl)
        return out

    def mk_local(
        self, user_name: str, type: Expr, value: Expr | None = None, bi: BinderInfo = BinderInfo.DEFAULT
    ) -> tuple[LocalContext, FVar]:
        fvar = FVar(fresh_id())
        return self.add(LocalDecl(fvar, user_name, type, value, bi)), fvar

    @property
    def decls(self) -> tuple[LocalDecl, ...]:
        return tuple(self)

    def find(self, fvar: FVar) -> LocalDecl | None:
        i = self._index.get(fvar)
        return None if i is None else self._decls[i]

    def __contains__(self, fvar: object) -> bool:
        return fvar in self._index

    def __iter__(self) -> Iterator[LocalDecl]:
        return (self._decls[i] for i in range(self._size))

    def __reversed__(self) -> Iterator[LocalDecl]:
        return (self._decls[i] for i in range(self._size - 1, -1, -1))

    def __len__(self) -> int:
        return self._size

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LocalContext) and self.decls == other.decls

    def __hash__(self) -> int:
        return hash(self.decls)

    def __repr__(self) -> str:
        return f"LocalContext({list(self)!r})"

    def find_by_name(self, user_name: str) -> LocalDecl | None:
        """The innermost declaration with this user name."""
        i = self._by_name.get(user_name)
        return None if i is None else self._decls[i]

    def is_subprefix_of(self, other: LocalContext) -> bool:
        """Every declaration of ``self`` is in ``other`` (scope inclusion)."""
        if self._size == 0:
            return True
        last = self._decls[self._size - 1]
        if self._size <= other._size and other._decls.get(self._size - 1) is last:
            return True  # contexts only grow by appending: same last entry, same prefix
        return all(d.fvar in other for d in self)

"""One ``Session`` (prelude and ``basics``) for the mesh tests."""

from __future__ import annotations

import pytest

from tactic_mesh.api import Session
from tactic_mesh.kernel.environment import Environment


@pytest.fixture(scope="session")
def session() -> Session:
    return Session()


@pytest.fixture(scope="session")
def env(session: Session) -> Environment:
    return session.environment

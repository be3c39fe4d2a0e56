"""``tactic-mesh node`` and ``tactic-mesh prove --mesh``: a ready line, clean stops on SIGTERM and
SIGINT, located errors for bad addresses, and a proof from a peer re-checked by the local kernel."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "net"))
from net_support import free_address

from tactic_mesh.net.peers import Address

CLI = [sys.executable, "-m", "tactic_mesh.cli.main"]


@contextmanager
def node(data: Path, *extra: str) -> Iterator[tuple[subprocess.Popen[str], Address, dict[str, object]]]:
    address = free_address()
    proc = subprocess.Popen([*CLI, "node", "--listen", address.requests, "--data", str(data), "--library", "basics",
                             "--policy", "heuristic", "--json", *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line, proc.stderr.read() if proc.stderr else ""
        yield proc, address, json.loads(line)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_node_says_ready_and_stops_cleanly_on_a_signal(tmp_path: Path, sig: signal.Signals) -> None:
    with node(tmp_path / "d", "--experts", "rewrite,intro", "--name", "n1") as (proc, address, ready):
        assert ready["ready"] is True and ready["name"] == "n1" and ready["experts"] == ["rewrite", "intro"]
        assert ready["surveys"] == f"tcp://127.0.0.1:{address.port + 1}"
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=20)
        assert proc.returncode == 0, err
        assert json.loads(out.strip().splitlines()[-1])["stopped"] is True


@pytest.mark.parametrize(("args", "message"), [
    (["--listen", "udp://1.2.3.4:5"], "--listen: 'udp://1.2.3.4:5' is not an address of the form tcp://HOST:PORT"),
    (["--listen", "tcp://127.0.0.1:65535"], "port 65535 is out of range"),
    (["--listen", "tcp://127.0.0.1:4000", "--peers", "tcp://127.0.0.1:1,nope"], "--peers item 2: 'nope'"),
    (["--listen", "tcp://127.0.0.1:4000", "--experts", "intro,magic"], "unknown expert 'magic'"),
])
def test_bad_arguments_are_named(tmp_path: Path, args: list[str], message: str) -> None:
    proc = subprocess.run([*CLI, "node", "--data", str(tmp_path), "--library", "basics", *args], capture_output=True,
                          text=True, timeout=120, check=False)  # fmt: skip
    assert proc.returncode == 2 and message in proc.stderr and "Traceback" not in proc.stderr


def test_prove_with_a_mesh_peer(tmp_path: Path) -> None:
    with node(tmp_path / "peer") as (proc, address, _):
        run = [*CLI, "prove", "∀ n : Nat, n * 1 = n", "--mesh", address.requests, "--experts", "cases",
               "--budget", "1", "--max-nodes", "3", "--data", str(tmp_path / "mine")]
        first = subprocess.run([*run, "--json"], capture_output=True, text=True, timeout=120, check=False)
        assert first.returncode == 0, first.stderr
        payload = json.loads(first.stdout)
        # `cases` alone cannot prove it here: the peer's experts (a remote expert call) or its search did
        assert payload["kernel_checked"] and payload["mesh"]["remote_calls"] >= 1
        assert payload["mesh"]["source"] in ("search", f"peer-solve:{address.requests}")
        second = subprocess.run(run, capture_output=True, text=True, timeout=120, check=False)
        assert second.returncode == 0, second.stderr
        assert "mesh: from the local verified cache" in second.stdout
        assert "proved: the kernel type checker re-checked the proof term" in second.stdout
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=20)
    nowhere = free_address()
    lonely = subprocess.run([*CLI, "prove", "∀ n : Nat, n * 1 = n", "--mesh", nowhere.requests, "--experts", "cases",
                             "--budget", "1", "--max-nodes", "3", "--timeout", "0.5"],
                            capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert lonely.returncode == 1 and "no peer of 1 had or found a proof" in lonely.stderr

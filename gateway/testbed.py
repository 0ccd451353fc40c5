"""Real processes for comparing gateways (catalog, progress, ours, Hive Gateway) on free ports,
each in its own process group, stopped by that group: used by the comparison tests and the bench.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from learnpulse.auth import PRINCIPAL_HEADER, Principal, mint_token, sign_principal
from learnpulse.settings import ensure_secret

ROOT = Path(__file__).resolve().parent.parent
HIVE_DIR = Path(__file__).resolve().parent / "hive"
HIVE_BIN = ROOT / "node_modules" / ".bin" / "hive-gateway"
SUBGRAPHS = ("catalog", "progress")
_READY = {
    "catalog": "/readyz",
    "progress": "/readyz",
    "gateway": "/healthz",
    "gateway_unshared": "/healthz",
    "hive": "/healthcheck",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class TestbedError(RuntimeError):
    """A process of the test bed did not start; the message carries its log tail."""


@dataclass
class Testbed:
    """`start()` the processes named in `parts`; `stop()` them; each part restartable."""

    __test__ = False  # not a pytest test class, despite the name

    state: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="lp-testbed-")))
    parts: tuple[str, ...] = ("catalog", "progress", "gateway", "hive")
    root: Path = ROOT  # where the Python services run from (a checkout of the repository)
    env: dict[str, str] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def url(self, part: str) -> str:
        return f"http://127.0.0.1:{self.ports[part]}/graphql"

    @property
    def internal_key(self) -> bytes:
        return ensure_secret(self.state / "internal.key")

    def token(self, principal: Principal) -> str:
        return mint_token(principal, secret=ensure_secret(self.state / "jwt.key"))

    def principal_header(self, principal: Principal) -> dict[str, str]:
        return {PRINCIPAL_HEADER: sign_principal(principal, self.internal_key)}

    def start(self) -> None:
        self.state.mkdir(parents=True, exist_ok=True)
        ensure_secret(self.state / "jwt.key")
        ensure_secret(self.state / "internal.key")
        for part in ("catalog", "progress", "risk", *self.parts):
            self.ports.setdefault(part, free_port())
        try:
            # all at once: both gateways compose from files, so neither needs the subgraphs yet
            for part in self.parts:
                self.start_part(part, wait=False)
            for part in self.parts:
                self._wait(part, _READY[part])
        except BaseException:
            self.stop()
            raise

    def start_part(self, part: str, *, wait: bool = True) -> None:
        if part == "hive":
            cmd = self._hive_command()
            cwd = HIVE_DIR
        else:
            # "gateway_unshared": our gateway without in-flight sharing, for the benchmark
            cmd = [sys.executable, "-m", "learnpulse.cli", part.split("_")[0], "serve"]
            cwd = self.root
        env = self._env()
        if part == "gateway_unshared":
            env["LEARNPULSE_GATEWAY_PORT"] = str(self.ports[part])
            env["LEARNPULSE_SHARE_INFLIGHT"] = "0"
        log = (self.state / f"{part}.log").open("ab")
        self.procs[part] = subprocess.Popen(
            cmd, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        log.close()
        if wait:
            self._wait(part, _READY[part])

    def stop_part(self, part: str, grace_s: float = 3.0) -> None:
        """SIGTERM the part's process group; SIGKILL it after `grace_s` (0: kill, as a crash)."""
        proc = self.procs.pop(part, None)
        if proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM if grace_s else signal.SIGKILL)
        try:
            proc.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)

    def stop(self) -> None:
        for part in list(self.procs)[::-1]:
            self.stop_part(part)

    def _env(self) -> dict[str, str]:
        env = {**os.environ, **self.env}
        env["LEARNPULSE_STATE_DIR"] = str(self.state)
        env["LEARNPULSE_HOST"] = "127.0.0.1"
        env["LEARNPULSE_SEED_DEMO"] = "1"
        env["LEARNPULSE_MONGO_URL"] = "memory://"
        env["LEARNPULSE_LOG_LEVEL"] = env.get("LEARNPULSE_LOG_LEVEL", "WARNING")
        for part in ("catalog", "progress", "gateway", "risk"):
            if part in self.ports:
                env[f"LEARNPULSE_{part.upper()}_PORT"] = str(self.ports[part])
        env.setdefault("PYTHONUNBUFFERED", "1")
        return env

    def _hive_command(self) -> list[str]:
        if not HIVE_BIN.exists():
            raise TestbedError(f"{HIVE_BIN} is missing: run `make node`")
        supergraph = self.state / "supergraph.graphql"
        args = [
            f"{name}={self.url(name)}={self.root / 'services' / name / 'schema.graphql'}"
            for name in SUBGRAPHS
        ]
        out = subprocess.run(
            ["node", str(HIVE_DIR / "compose_supergraph.mjs"), *args],
            capture_output=True, text=True, check=False, cwd=HIVE_DIR,
        )  # fmt: skip
        if out.returncode != 0:
            raise TestbedError(f"composition for Hive Gateway failed:\n{out.stderr}")
        supergraph.write_text(out.stdout)
        return [
            str(HIVE_BIN), "supergraph", str(supergraph),
            "--host", "127.0.0.1", "--port", str(self.ports["hive"]),
        ]  # fmt: skip

    def _wait(self, part: str, path: str, timeout_s: float = 60.0) -> None:
        url = f"http://127.0.0.1:{self.ports[part]}{path}"
        deadline = time.monotonic() + timeout_s
        proc = self.procs[part]
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise TestbedError(f"{part} exited with {proc.returncode}:\n{self.log_tail(part)}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(url, timeout=1.0).status_code == 200:
                    return
            time.sleep(0.1)
        raise TestbedError(f"{part} not ready after {timeout_s:.0f}s:\n{self.log_tail(part)}")

    def log_tail(self, part: str) -> str:
        path = self.state / f"{part}.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

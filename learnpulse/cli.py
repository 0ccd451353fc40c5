"""The `learnpulse` command: one entry point for running, training and operating the stack.

Subcommands import their implementation lazily so `learnpulse token` stays instant.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def _token(args: argparse.Namespace) -> int:
    from learnpulse.auth import ROLES, mint_token, principal_for
    from learnpulse.settings import StackSettings

    unknown = set(args.role) - ROLES
    if unknown:
        print(f"unknown role(s) {sorted(unknown)}; choose from {sorted(ROLES)}", file=sys.stderr)
        return 2
    settings = StackSettings()
    secret = settings.jwt_key()  # LEARNPULSE_JWT_SECRET when set, as the gateway verifies
    principal = principal_for(args.tenant, args.subject, args.role, args.reports or ())
    print(mint_token(principal, secret=secret, ttl_s=args.ttl))
    return 0


def _serve(module: str) -> object:
    def run(args: argparse.Namespace) -> int:
        import importlib

        importlib.import_module(module).run(host=args.host, port=args.port)
        return 0

    return run


def _delegate(module: str, func: str = "main") -> object:
    def run(args: argparse.Namespace) -> int:
        import importlib

        result: int = getattr(importlib.import_module(module), func)(args)
        return result

    return run


# `learnpulse bench TARGET ...` runs `main(argv) -> int` of the module named here.
BENCHMARKS = {
    "features": "ml.bench",
    "risk": "services.risk.bench",
    "ingest": "services.progress.bench",
    "gateway": "gateway.bench",
}


def _bench(args: argparse.Namespace) -> int:
    import importlib

    try:
        module = importlib.import_module(BENCHMARKS[args.target])
    except ModuleNotFoundError as exc:
        print(f"benchmark {args.target!r} is not available: {exc}", file=sys.stderr)
        return 2
    result: int = module.main(list(args.options))
    return result


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="learnpulse", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("up", help="run the whole stack on embedded defaults (Ctrl-C stops it)")
    p.add_argument("--no-seed", action="store_true", help="do not seed the demo organisation")
    p.set_defaults(func=_delegate("learnpulse.stack", "main"))

    p = sub.add_parser(
        "token", help="mint a dev JWT (HS256 with LEARNPULSE_JWT_SECRET, else .learnpulse/jwt.key)"
    )
    p.add_argument("--tenant", default="demo")
    p.add_argument(
        "--subject", "--sub", default="mgr-1", help="the caller's id (learner or staff id)"
    )
    p.add_argument("--role", action="append", default=[], help="repeatable; e.g. --role manager")
    p.add_argument("--reports", nargs="*", help="for a manager: ids of their reports")
    p.add_argument("--ttl", type=int, default=8 * 3600, help="lifetime in seconds")
    p.set_defaults(func=_token)

    for name, module in [
        ("catalog", "services.catalog.main"),
        ("progress", "services.progress.main"),
        ("risk", "services.risk.main"),
    ]:
        svc = sub.add_parser(name, help=f"operate the {name} service")
        svc_sub = svc.add_subparsers(dest="action", required=True)
        serve = svc_sub.add_parser("serve", help=f"run the {name} service alone")
        serve.add_argument("--host")
        serve.add_argument("--port", type=int)
        serve.set_defaults(func=_serve(module))

    gw = sub.add_parser("gateway", help="operate the GraphQL gateway")
    gw_sub = gw.add_subparsers(dest="action", required=True)
    serve = gw_sub.add_parser("serve", help="run the gateway alone")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.set_defaults(func=_serve("gateway.main"))
    compose = gw_sub.add_parser("compose", help="print the composed supergraph SDL")
    compose.set_defaults(func=_delegate("gateway.main", "compose_command"))

    p = sub.add_parser(
        "sweep",
        help="stalls, reminders, risk sweeps and webhook delivery as of a time (progress store)",
        description="One sweep against LEARNPULSE_MONGO_URL; prints a JSON report. With "
        "memory:// it sweeps the demo organisation seeded relative to --as-of.",
    )
    p.add_argument("--as-of", help="ISO 8601, e.g. 2026-12-10T09:00 (naive = UTC); default now")
    p.add_argument("--tenant", action="append", help="repeatable; default: every tenant")
    p.add_argument("--no-deliver", action="store_true", help="queue, but post no webhooks")
    p.add_argument("--no-risk", action="store_true", help="no risk sweep (no risk service call)")
    p.set_defaults(func=_delegate("services.progress.sweep_command"))

    bench = sub.add_parser(
        "bench",
        help="benchmarks that compare against a named peer in the same run and print JSON",
        description="learnpulse bench TARGET [--json] [target options]; see the README for keys",
    )
    bench.add_argument("target", choices=sorted(BENCHMARKS), help="what to measure")
    bench.add_argument("options", nargs=argparse.REMAINDER, help="passed to the benchmark")
    bench.set_defaults(func=_bench)

    from ml import cli as ml_cli

    ml_cli.add_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())

"""The ``agency`` command: serve, migrate, demo, worker, user add, import.

Each command loads what it needs when it runs (imports inside the ``cmd_`` functions, marked ``# lazy:``): the
whole application takes about 0.9 s to import, which ``agency --help``, a worker's start (SIGTERM before its signal
handlers exist kills it uncleanly) and every ``agency import`` would otherwise pay. The one place the house allows
project imports inside functions (tests/unit/test_architecture.py)."""
from __future__ import annotations

import argparse
import asyncio
import gc
import getpass
import logging
import os
import signal
import sys
from urllib.parse import urlsplit

from agency import db, i18n, logs


def _run(coro):
    return asyncio.run(coro)


async def _with_db(coro_fn, *args):
    await db.start()
    try:
        return await coro_fn(*args)
    finally:
        await db.stop()


def base_url_warning(base_url: str, host: str, port: int) -> str | None:
    """Links in messages and on pages (a debtor's link, a password reset) are made from AGENCY_BASE_URL, by the server and
    by the worker alike: served on this machine at another port than it names, none of them would open."""
    parts = urlsplit(base_url)
    local = {"127.0.0.1", "localhost", "::1"}
    if parts.scheme != "http" or parts.hostname not in local or host not in local | {"0.0.0.0", "::"}:
        return None  # a public address, or TLS: a proxy in front decides the port
    if (parts.port or 80) == port:
        return None
    return (f"AGENCY_BASE_URL is {base_url}, but this server listens on port {port}: the links it and the worker write (a "
            f"debtor's link, a password reset) lead to port {parts.port or 80}, not here. Set AGENCY_BASE_URL=http://127.0.0.1:{port}")


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn  # lazy: the server only for `agency serve`

    from agency.settings import get_settings  # lazy: the shell loads only the command it runs

    settings = get_settings()  # fail early on bad settings, and create the secret key once, before workers fork
    if (warning := base_url_warning(settings.base_url, args.host, args.port)) is not None:
        logs.configure(settings.log_level)  # (a line like every other the server writes)
        logging.getLogger("agency.serve").warning(warning)
    uvicorn.run(
        "agency.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        http="agency.serving:JoinedWritesProtocol",
        proxy_headers=True,
        forwarded_allow_ips=args.forwarded_allow_ips,
        timeout_graceful_shutdown=30,  # SIGTERM: stop accepting, finish requests in flight
        log_config=None,
        access_log=False,  # our own structured access log (agency.logs)
    )
    return 0


async def migrate() -> None:
    from piccolo.apps.migrations.commands.forwards import run_forwards  # lazy: Piccolo's migration runner only for `agency migrate`

    from cases.billing.service import ensure_default_tariff  # lazy: the shell loads only the command it runs
    from cases.messages.service import ensure_seeds  # lazy: the shell loads only the command it runs
    from legal.limitation.service import backfill_limitation_dates  # lazy: the shell loads only the command it runs

    _wire()

    result = await run_forwards(app_name="all", migration_id="all")
    if not result.success:
        raise SystemExit(f"migration failed: {result.message}")

    await ensure_seeds()  # the starting message templates and reminder flow, when missing
    await ensure_default_tariff()  # the market tariff of the money issue, editable on /admin/tariffs

    await backfill_limitation_dates()  # cases opened before limitation dates were kept


def cmd_migrate(args: argparse.Namespace) -> int:
    _run(_with_db(migrate))  # with the pool: the steps after the migrations run thousands of queries on a large database
    print("migrations applied")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from agency.demo import load_demo  # lazy: the shell loads only the command it runs

    _wire()
    lines = _run(_with_db(load_demo))
    print("\n".join(lines))
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    # A SIGTERM while the application is still loading stops the worker cleanly too, before its first round.
    early: list[int] = []
    signal.signal(signal.SIGTERM, lambda signum, frame: early.append(signum))
    from agency.worker import run_worker  # lazy: the shell loads only the command it runs

    _run(run_worker(interval=args.interval, once=args.once, stopped_early=lambda: bool(early)))
    return 0


def cmd_user_add(args: argparse.Namespace) -> int:
    from agency.users_cli import add_user  # lazy: the shell loads only the command it runs

    _wire()
    password = args.password
    if args.set_password and password is None:
        password = getpass.getpass("Password: ")
    try:
        message = _run(_with_db(add_user, args.email, args.name, args.role, args.organisation, args.language, password))
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(message)
    return 0


def cmd_user_senior(args: argparse.Namespace) -> int:
    from agency.users_cli import set_senior  # lazy: the shell loads only the command it runs

    _wire()
    try:
        message = _run(_with_db(set_senior, args.email, not args.off))
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(message)
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from agency import clock  # lazy: the shell loads only the command it runs
    from agency.tables import Organisation  # lazy: the shell loads only the command it runs
    from cases.imports.service import import_for_cli  # lazy: the shell loads only the command it runs

    _wire()
    # A command that reads a file and ends: the collector's passes over the hundred thousand rows' objects it builds (none
    # of them in a cycle) were a third of the reading. Off for this process's few seconds; the peak memory is measured
    # (tests/bench/test_import_speed.py).
    gc.disable()

    async def go():
        org = args.creditor
        row = await Organisation.select(Organisation.id, Organisation.legal_name).where(
            (Organisation.tax_id == org.upper()) | (Organisation.id == (int(org) if org.isdigit() else -1))
        ).first()
        if row is None:
            return None, None, None
        job, result = await import_for_cli(row["id"], args.file, clock.today())
        return row, job, result

    try:
        org, job, result = _run(_with_db(go))
    except FileNotFoundError:
        print(f"error: no such file: {args.file}", file=sys.stderr)
        return 2
    if org is None:
        print(f"error: no organisation with tax id or id {args.creditor!r}", file=sys.stderr)
        return 2
    if result is None:
        print(f"refused: {args.file} was not imported ({len(job['errors'])} problems; nothing was written)", file=sys.stderr)
        for e in job["errors"]:
            where = f"row {e['row']}, column {e['column']}" if e["column"] else f"row {e['row']}"
            print(f"  {where}: {e['message']}", file=sys.stderr)
        return 1
    print(f"imported for {org['legal_name']}: {result.case_count} cases, {result.invoice_count} invoices "
          f"({result.references[0]} to {result.references[-1]})")
    return 0


def cmd_redsys_double(args: argparse.Namespace) -> int:
    import time  # lazy: the shell loads only the command it runs

    from agency.settings import get_settings  # lazy: the shell loads only the command it runs
    from cases.portal.double import PATH, serve  # lazy: the shell loads only the command it runs

    secret = get_settings().redsys_secret_key
    if not secret:
        print("error: set AGENCY_REDSYS_SECRET_KEY (the merchant key the double checks and signs with)", file=sys.stderr)
        return 2
    server = serve(args.port, secret, args.host)
    print(f"Redsys loopback double on http://{args.host}:{args.port}{PATH} (Ctrl-C to stop)", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.shutdown()
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="agency", description="Case management for debt-collection agencies.")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="serve the web app and the API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--forwarded-allow-ips", default="127.0.0.1", help="proxies trusted for X-Forwarded-For")
    serve.set_defaults(func=cmd_serve)

    sub.add_parser("migrate", help="apply the database migrations").set_defaults(func=cmd_migrate)
    sub.add_parser("demo", help="load demo organisations, users and cases (idempotent)").set_defaults(func=cmd_demo)

    worker = sub.add_parser("worker", help="run background jobs (outbox, ...) until SIGTERM")
    worker.add_argument("--interval", type=float, default=10.0, help="seconds between rounds")
    worker.add_argument("--once", action="store_true", help="run one round and exit")
    worker.set_defaults(func=cmd_worker)

    imp = sub.add_parser("import", help="import a CSV or XLSX of unpaid invoices for a creditor (all or nothing)")
    imp.add_argument("file")
    imp.add_argument("--creditor", required=True, help="the creditor organisation's tax id or id")
    imp.set_defaults(func=cmd_import)

    double = sub.add_parser("redsys-double", help="a loopback stand-in for Redsys's payment page (tests and the demo)")
    double.add_argument("--host", default="127.0.0.1")
    double.add_argument("--port", type=int, default=8766)
    double.set_defaults(func=cmd_redsys_double)

    user = sub.add_parser("user", help="manage users").add_subparsers(dest="user_command", required=True)
    add = user.add_parser("add", help="create a user (with a password, or a set-password link in the outbox)")
    add.add_argument("--email", required=True)
    add.add_argument("--name", required=True)
    add.add_argument("--role", required=True, choices=["admin", "negotiator", "lawyer", "creditor"])
    add.add_argument("--organisation", help="tax id or id of the creditor organisation (creditors only)")
    add.add_argument("--language", default="es", choices=["es", "en"])
    add.add_argument("--password", help="set this password now (otherwise a link is put in the outbox)")
    add.add_argument("--set-password", action="store_true", help="ask for the password on the terminal")
    add.set_defaults(func=cmd_user_add)
    senior = user.add_parser("senior", help="make a negotiator senior (the cases of vulnerable debtors go to one), or no longer (--off)")
    senior.add_argument("--email", required=True)
    senior.add_argument("--off", action="store_true", help="no longer a senior negotiator")
    senior.set_defaults(func=cmd_user_senior)
    return parser


def _wire() -> None:
    from agency.wiring import wire  # lazy: the shell loads only the command it runs

    wire()


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    i18n.set_language(i18n.pick_language(None, None, os.environ.get("LANGUAGE") or os.environ.get("LANG")))
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())

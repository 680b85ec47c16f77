"""`fupin setup`, `synth` and `serve`: build the database and run the web server."""

from __future__ import annotations

import argparse
import os
import sys
import time

from fupin.cli import CommandError, setup_django


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("setup", help="创建或升级数据库并载入832个贫困县 (migrate and load regions)")
    p.set_defaults(func=run_setup)

    p = sub.add_parser(
        "synth",
        help="生成合成省份数据：建档立卡与隐藏的真实情况 (build a synthetic province)",
        description="Builds a synthetic registry under real county codes, and its ground truth "
        "(written apart, to <FUPIN_DATA_DIR>/truth/). The same seed gives the same data.",
    )
    p.add_argument(
        "--preset",
        choices=["demo", "gansu"],
        default="demo",
        help="demo: one small county (default); gansu: Gansu's 58 poor counties",
    )
    p.add_argument("--seed", type=int, default=20190101, help="random seed (default 20190101)")
    p.add_argument("--year", type=int, help="the registry's 'as of' year (default: the preset's)")
    p.add_argument(
        "--wrong-exit-rate", type=float, help="share of exited households wrongly exited"
    )
    p.add_argument(
        "--missed-rate", type=float, help="share of non-registered households truly poor"
    )
    p.add_argument(
        "--recording-error-rate",
        type=float,
        help="share of households with planted recording errors",
    )
    p.add_argument(
        "--replace",
        action="store_true",
        help="delete the registry of the preset's counties first (asks to confirm)",
    )
    p.add_argument("--yes", action="store_true", help="do not ask before deleting")
    p.add_argument(
        "--departments",
        action="store_true",
        help="also write synthetic department lists "
        "(死亡、车辆、房产…) to <FUPIN_DATA_DIR>/departments/, their labels to truth/",
    )
    p.set_defaults(func=run_synth)

    p = sub.add_parser("serve", help="启动网站 (run the web server with gunicorn)")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument(
        "--workers",
        type=int,
        default=None,
        help="gunicorn worker processes (default FUPIN_WEB_WORKERS: one per CPU core)",
    )
    p.add_argument(
        "--threads",
        type=int,
        default=None,
        help="threads per worker (default FUPIN_WEB_THREADS: 4)",
    )
    p.set_defaults(func=run_serve)


def run_setup(args: argparse.Namespace | None = None) -> int:
    setup_django()
    from django.core.management import call_command

    from fupin.regions.models import Region
    from fupin.regions.services import regions_load_poverty_counties

    call_command("migrate", interactive=False, verbosity=0)
    if not Region.objects.filter(is_poor_county=True).exists():
        n = regions_load_poverty_counties()
        print(f"载入贫困县 {n} 个", file=sys.stderr)
    return 0


def run_synth(args: argparse.Namespace) -> int:
    run_setup()
    from dataclasses import replace

    from tqdm import tqdm

    from fupin import synth
    from fupin.demo.loading import registry_load_synth, truth_dir
    from fupin.registry.models import Household

    config = synth.preset(args.preset, seed=args.seed)
    overrides = {
        k: v
        for k, v in {
            "year": args.year,
            "wrong_exit_rate": args.wrong_exit_rate,
            "missed_rate": args.missed_rate,
            "recording_error_rate": args.recording_error_rate,
        }.items()
        if v is not None
    }
    config = replace(config, **overrides)
    prefixes = [c.code for c in config.counties]
    existing = Household.objects.filter(
        village__code__regex=r"^(" + "|".join(prefixes) + ")"
    ).count()
    if existing:
        if not args.replace:
            raise CommandError(
                f"这些县已有 {existing} 户数据；如需重新生成请加 --replace "
                f"(the counties already hold {existing} households; add --replace to rebuild)"
            )
        if not args.yes:
            if not sys.stdin.isatty():
                raise CommandError("--replace 会删除数据，非交互运行时请同时加 --yes")
            answer = input(
                f"将删除 {len(prefixes)} 个县的 {existing} 户及其成员、状态记录，确定吗？[y/N] "
            )
            if answer.strip().lower() not in {"y", "yes", "是"}:
                print("已取消，未做任何修改", file=sys.stderr)
                return 1
        from django.db import IntegrityError
        from django.db.models import ProtectedError

        try:
            _delete_counties(prefixes)
        except (IntegrityError, ProtectedError):
            raise CommandError(
                "这些县的农户已被评估记录引用（抽样、问卷或问题），为保全记录不能删除重建；"
                "请换一个数据目录 (FUPIN_DATA_DIR) 重新生成。Nothing was deleted: assessment "
                "records refer to these households."
            ) from None

    started = time.monotonic()
    bar = tqdm(
        total=len(prefixes),
        unit="县",
        desc="生成并写入",
        file=sys.stderr,
        disable=not sys.stderr.isatty() and os.environ.get("FUPIN_PROGRESS") != "1",
    )

    def step(counts: dict[str, int]) -> None:
        bar.update(1)
        bar.set_postfix(户=counts["households"], 人=counts["persons"])

    totals = registry_load_synth(batches=synth.generate(config), truth=truth_dir(), progress=step)
    bar.close()
    if args.departments:
        from fupin.synth.departments import synth_departments

        synth_departments(config, truth_dir().parent, truth_dir())
    print(
        f"完成：{totals['counties']} 个县，{totals['villages']} 个村，{totals['households']} 户，"
        f"{totals['persons']} 人，{totals['events']} 条状态记录，用时 {time.monotonic() - started:.1f} 秒；"
        f"真实情况写入 {truth_dir()}",
        file=sys.stderr,
    )
    return 0


def _delete_counties(prefixes: list[str]) -> None:
    from django.db import transaction

    from fupin.accounts.audit import audit_record
    from fupin.accounts.models import AuditEntry
    from fupin.regions.models import Level, Region
    from fupin.registry.models import Household, Person, StatusEvent

    with transaction.atomic():
        for prefix in prefixes:
            households = Household.objects.filter(village__code__startswith=prefix)
            n = households.count()
            # Events are append-only for users; a whole synthetic county is rebuilt by the admin.
            StatusEvent.objects.filter(household__in=households)._raw_delete(StatusEvent.objects.db)
            Person.objects.filter(household__in=households)._raw_delete(Person.objects.db)
            AuditEntry.objects.filter(household__in=households).update(household=None)
            households._raw_delete(Household.objects.db)
            Region.objects.filter(code__startswith=prefix, level=Level.VILLAGE).delete()
            Region.objects.filter(code__startswith=prefix, level=Level.TOWNSHIP).delete()
            audit_record(
                actor=None,
                actor_label="synth",
                action=AuditEntry.Action.DELETE,
                obj=None,
                model="County",
                key=prefix,
                before={"households": n},
                reason="重新生成合成数据前删除",
            )


def cpu_cores() -> int:
    """The cores this process may run on (a container's or taskset's limit, not the host's)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def serve_worker_model(workers: int | None = None, threads: int | None = None) -> tuple[int, int]:
    """(processes, threads per process) for gunicorn's gthread workers.

    Processes use the cores (each runs Python, one core at a time); threads let a process take
    another request while one waits on the database or the client. One process per core: a page
    is CPU work in Python, so more processes than cores only take turns, and each process keeps
    its own caches (navigation, page bodies) warm for more of the requests. Measured with
    `bench/bench_web.py` (Gansu preset, PostgreSQL, 50 clients, 2 cores): 2 x 4 gave 163
    requests/s and p95 541 ms, gunicorn's advice for sync workers (2 x cores + 1 = 5) x 4 gave
    116 requests/s and p95 902 ms, 1 x 16 75 requests/s. 4 threads each keeps PostgreSQL
    connections at cores x 4, well under its default 100."""
    from fupin.conf import setting

    if workers is None:
        configured = setting("FUPIN_WEB_WORKERS").strip().lower()
        workers = cpu_cores() if configured in ("", "auto") else int(configured)
    if threads is None:
        threads = int(setting("FUPIN_WEB_THREADS"))
    if workers < 1 or threads < 1:
        raise SystemExit(
            "服务进程数和线程数都必须至少为 1（FUPIN_WEB_WORKERS / FUPIN_WEB_THREADS）"
        )
    return workers, threads


def gunicorn_argv(args: argparse.Namespace) -> list[str]:
    workers, threads = serve_worker_model(
        getattr(args, "workers", None), getattr(args, "threads", None)
    )
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    return [
        gunicorn,
        "fupin.wsgi:application",
        "--bind",
        f"{args.host}:{args.port}",
        "--worker-class",
        "gthread",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--access-logfile",
        "-",
    ]


def run_serve(args: argparse.Namespace) -> int:
    setup_django()
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)
    argv = gunicorn_argv(args)
    print(
        f"gunicorn：{argv[argv.index('--workers') + 1]} 个进程 × "
        f"{argv[argv.index('--threads') + 1]} 个线程（gthread）",
        file=sys.stderr,
    )
    os.execv(argv[0], argv)
    return 0  # not reached

"""Load benchmarks for the claims service against a raw-asyncpg baseline: `make bench`.

Creates fresh PostgreSQL databases, migrates and seeds them, starts the service
(1 uvicorn worker) and bench/baseline.py, drives them with wrk and prints one
table per run. See bench/RESULTS.md for the latest figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import fixtures
import harness
import service
from harness import Server, Wrk, WrkResult

ROOT = harness.BENCH.parent


@dataclass
class Row:
    scenario: str
    result: WrkResult | None = None
    baseline_rps: float | None = None
    ratio: float | None = None
    target: str = ""
    passed: bool | None = None
    note: str = ""
    extra: dict = field(default_factory=dict)


class Bench:
    def __init__(self, args: argparse.Namespace, work: Path) -> None:
        self.args = args
        self.work = work
        self.wrk = Wrk(threads=args.threads)
        self.rows: list[Row] = []
        self.nonce = str(int(time.time()))
        self.runs = 0
        self.profiles: dict[str, str] = {}
        # Event-loop lag (bench/probe_app.py) of each measured service run: (scenario, window)
        self.lags: list[tuple[str, dict]] = []
        # Servers whose measured runs sample PostgreSQL's wait events, by port
        self.samplers: dict[int, WaitSampler] = {}

    # -- wrk helpers -------------------------------------------------------------------------
    def lua(self, base: dict[str, object]) -> dict[str, object]:
        self.runs += 1
        return {**base, "nonce": f"{self.nonce}r{self.runs}"}

    def load(
        self,
        server: Server,
        lua: dict,
        *,
        rate: float | None = None,
        duration: float | None = None,
        connections: int | None = None,
    ) -> WrkResult:
        return self.wrk.run(
            server.url,
            server=server,
            connections=connections or self.args.connections,
            duration=duration or self.args.duration,
            lua_args=self.lua(lua),
            rate=rate,
        )

    def probed(self, title: str, server: Server, run: Callable[[], WrkResult]) -> WrkResult:
        """`run` with the server's event-loop lag over it, when the server has the probe."""
        sampler = self.samplers.get(server.port)
        if sampler is not None:
            sampler.active = True
        try:
            if not lag_window(server):
                return run()
            result = run()
        finally:
            if sampler is not None:
                sampler.active = False
        window = lag_window(server)
        if window:
            self.lags.append((title, window))
            result.loop_lag = window
        return result

    def lag_row(self) -> Row:
        """The worst event-loop lag p99 of any measured run (target < 20 ms)."""
        row = Row("7. event-loop lag p99, worst measured run of 1–3")
        if not self.lags:
            row.note = "no probed runs"
            return row
        title, worst = max(self.lags, key=lambda t: t[1]["p99_ms"])
        row.target = "p99 < 20 ms"
        row.passed = worst["p99_ms"] < 20
        row.note = f"worst: {title}: {worst}; all: " + "; ".join(
            f"{t.split('.')[0]}: {w['p99_ms']:.1f}" for t, w in self.lags
        )
        row.extra["windows"] = [{"scenario": t, **w} for t, w in self.lags]
        return row

    def warm(self, server: Server, lua: dict) -> None:
        self.load(server, lua, duration=self.args.warmup)

    def profile(self, server: Server, lua: dict, name: str) -> None:
        out = self.work / f"{name}.collapsed"
        spy = harness.pyspy_start(server.pid, out, self.args.duration)
        if spy is None:
            return
        self.load(server, lua)
        _, err = spy.communicate()
        if not out.exists():
            print(f"  py-spy failed: {err.strip()[-400:]}")
            return
        dest = harness.BENCH / "profiles"
        dest.mkdir(exist_ok=True)
        (dest / out.name).write_text(out.read_text())
        summary = harness.summarize_collapsed(out, prefix="    ")
        (dest / f"{name}.txt").write_text(summary + "\n")
        self.profiles[name] = summary
        print(f"  profile of {name} under max load: bench/profiles/{name}.txt\n{summary}")

    # -- scenarios ---------------------------------------------------------------------------
    def max_vs_baseline(
        self,
        key: str,
        title: str,
        svc: Server,
        svc_lua: dict | None,
        base: Server | None,
        base_lua: dict | None,
        target_ratio: float,
        versus: float | None = None,
        versus_name: str = "baseline",
    ) -> Row:
        row = Row(title)
        if svc_lua is None:
            row.note = "not available in this build"
            print(f"{title}: not available")
            return row
        rounds = self.args.rounds
        print(
            f"{title}: warm-up {self.args.warmup:.0f}s, then {rounds} × {self.args.duration:.0f}s "
            f"at {self.args.connections} connections"
            + (", alternating with the baseline" if base is not None else "")
        )
        with_base = base is not None and base_lua is not None
        self.warm(svc, svc_lua)
        if with_base:
            self.warm(base, base_lua)
        svc_runs, base_runs = [], []
        # Alternating rounds, median of each: on a shared machine a neighbour's burst then hits
        # one round of each side instead of all of one side.
        for _ in range(rounds):
            svc_runs.append(self.probed(title, svc, lambda: self.load(svc, svc_lua)))
            print(f"  service  {fmt_result(svc_runs[-1])}")
            if with_base:
                base_runs.append(self.load(base, base_lua))
                print(f"  baseline {fmt_result(base_runs[-1])}")
        row.extra["rounds"] = [r.as_dict() for r in svc_runs]
        row.extra["baseline_rounds"] = [r.as_dict() for r in base_runs]
        row.result = median_run(svc_runs)
        if with_base:
            b = median_run(base_runs)
            row.baseline_rps = b.rps
            row.extra["baseline"] = b.as_dict()
            s_cpu, b_cpu = row.result.cpu_ms_per_request, b.cpu_ms_per_request
            if s_cpu and b_cpu:
                row.note = (
                    f"server CPU per request {s_cpu:.2f} ms vs baseline {b_cpu:.2f} ms "
                    f"(CPU ratio {b_cpu / s_cpu:.0%}); req/s of the {rounds} rounds: "
                    + ", ".join(f"{r.rps:.0f}" for r in svc_runs)
                    + " vs "
                    + ", ".join(f"{r.rps:.0f}" for r in base_runs)
                )
        elif versus is not None:
            row.baseline_rps = versus
            if row.result.cpu_ms_per_request:
                row.note = f"server CPU per request {row.result.cpu_ms_per_request:.2f} ms"
        if row.baseline_rps:
            row.ratio = row.result.rps / row.baseline_rps
            row.target = f"≥ {target_ratio:.0%} of {versus_name}"
            row.passed = row.ratio >= target_ratio and row.result.error_count == 0
        if self.args.profile:
            self.profile(svc, svc_lua, key)
        return row

    def half_rate(
        self, title: str, svc: Server, svc_lua: dict, max_rps: float, p99_ms: float | None
    ) -> Row:
        rate = max_rps / 2
        print(f"{title}: constant {rate:.0f} req/s for {self.args.duration}s")
        r = self.probed(title, svc, lambda: self.load(svc, svc_lua, rate=rate))
        print(f"  service  {fmt_result(r)} (late slots {r.late}, max lag {r.max_lag_ms:.0f} ms)")
        row = Row(title, result=r)
        if p99_ms is not None:
            row.target = f"p99 < {p99_ms:.0f} ms"
            on_schedule = r.rps >= 0.95 * rate
            row.passed = r.ms("p99") < p99_ms and r.error_count == 0 and on_schedule
            if not on_schedule:
                row.note = f"fell behind the schedule ({r.rps:.0f} of {rate:.0f} req/s)"
        return row

    def workers(self, setup: service.Setup, one: Server) -> Row:
        """Registration with --workers N against the one-worker server, alternating rounds on
        the same database: does numbering (the counter's row lock) let processes scale?"""
        many = setup.service_server(workers=self.args.workers)
        many.start(self.work)
        waits = WaitSampler(setup.dsn("postgres"), setup.svc_db)
        self.samplers[many.port] = waits
        try:
            with waits:
                row = self.max_vs_baseline(
                    "workers",
                    f"6. POST /api/v1/claims, {self.args.workers} workers vs 1",
                    many,
                    setup.intake_lua,
                    one,
                    setup.intake_lua,
                    1.5,
                    versus_name="1 worker",
                )
        finally:
            many.stop()
        row.extra["pg_waits"] = waits.summary()
        print(f"  PostgreSQL backends by wait during the {self.args.workers}-worker rounds: ")
        print(f"    {waits.summary()}")
        row.note += f"; backends by wait, mean per sample: {waits.summary()}"
        return row

    def pdf(self, setup: service.Setup) -> list[Row]:
        title = "4. GET /healthz p99 while rendering PDFs"
        if not service.pdf_available():
            print(f"{title}: not available (no app.letters.pdf in this build)")
            return [Row(title, note="not available: the letters PDF module is not in this build")]
        probe = {"get_file": fixtures.write_paths(self.work / "healthz.txt", ["/healthz"])}
        pdf = {"get_file": fixtures.write_paths(self.work / "pdf.txt", ["/bench/pdf"])}
        rate, dur, renders = self.args.probe_rate, self.args.duration, self.args.pdf_connections
        svc = setup.service_server(app="pdf_app:app", app_dir=harness.BENCH)
        svc.start(self.work)
        try:
            print(
                f"{title}: probe {rate:.0f} req/s on 4 connections, idle, then while "
                f"{renders} client(s) request PDFs back to back"
            )
            self.load(svc, pdf, duration=self.args.warmup, connections=renders)
            idle = self.load(svc, probe, rate=rate, connections=4)
            print(f"  idle     {fmt_result(idle)}")
            render = self.wrk.start(
                svc.url, connections=renders, duration=dur + 2, lua_args=self.lua(pdf)
            )
            time.sleep(1)
            busy = self.load(svc, probe, rate=rate, connections=4)
            pdfs = self.wrk.finish(render)
        finally:
            svc.stop()
        print(
            f"  loaded   {fmt_result(busy)}; {pdfs.rps:.1f} PDFs/s, PDF p50 {pdfs.ms('p50'):.0f} ms"
        )
        ratio = busy.ms("p99") / max(idle.ms("p99"), 0.001)
        return [
            Row(
                title,
                result=busy,
                target="p99 ≤ 2× idle",
                passed=ratio <= 2 and busy.error_count == 0 and pdfs.error_count == 0,
                note=f"idle p99 {idle.ms('p99'):.2f} ms, under PDF load {busy.ms('p99'):.2f} ms "
                f"(×{ratio:.2f}); {pdfs.rps:.1f} PDFs/s from {renders} client(s), "
                f"{pdfs.error_count} PDF errors",
                extra={"idle": idle.as_dict(), "pdf": pdfs.as_dict()},
            )
        ]

    def memory(self, make_server, lua: dict) -> Row:
        title = f"5. server RSS over 2 × {self.args.memory_requests // 2:,} requests"
        svc = make_server()
        svc.start(self.work)
        try:
            print(f"{title}: fresh server, mixed requests at {self.args.connections} connections")
            self.warm(svc, lua)
            rss = [harness.rss_kib(svc.pid)]
            halves = []
            for _ in range(2):
                r = self.wrk.run(
                    svc.url,
                    server=svc,
                    connections=self.args.connections,
                    duration=3600,
                    lua_args=self.lua(lua),
                    max_requests=self.args.memory_requests // 2,
                )
                halves.append(r)
                rss.append(harness.rss_kib(svc.pid))
                print(f"  half     {fmt_result(r)}; RSS {rss[-1] / 1024:.1f} MiB")
        finally:
            svc.stop()
        growth = (rss[2] - rss[1]) / rss[1]
        errors = sum(h.error_count for h in halves)
        return Row(
            title,
            result=halves[1],
            target="growth ≤ 10%",
            passed=growth <= 0.10,
            note=f"RSS after warm-up {rss[0] / 1024:.1f} MiB, after 1st half "
            f"{rss[1] / 1024:.1f} MiB, after 2nd {rss[2] / 1024:.1f} MiB "
            f"(+{growth:.1%}); {errors} errors",
            extra={"rss_kib": rss, "halves": [h.as_dict() for h in halves]},
        )


class WaitSampler:
    """Samples what the service database's backends wait on (pg_stat_activity, every 0.2 s)
    while the block runs and `active` is set: a row lock on the counter shows as Lock/transactionid or tuple,
    a backend waiting for its client as Client/ClientRead or `idle in transaction`."""

    QUERY = (
        "SELECT coalesce(wait_event_type, 'CPU') || '/' || coalesce(wait_event, state) "
        "FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid() "
        "AND state <> 'idle'"
    )

    def __init__(self, dsn: str, db: str) -> None:
        self.dsn, self.db = dsn, db
        self.counts: dict[str, int] = {}
        self.samples = 0
        self.active = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> WaitSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        # psql, not a driver: the bench's own event loops stay out of the measured process
        sql = self.QUERY.replace("%s", "'" + self.db.replace("'", "''") + "'")
        while not self._stop.wait(0.2):
            if not self.active:
                continue
            out = subprocess.run(
                ["psql", self.dsn, "-Atc", sql], capture_output=True, text=True, timeout=10
            )
            if out.returncode != 0:
                continue
            self.samples += 1
            for line in out.stdout.splitlines():
                self.counts[line] = self.counts.get(line, 0) + 1

    def summary(self) -> dict[str, float]:
        if not self.samples:
            return {}
        ordered = sorted(self.counts.items(), key=lambda kv: -kv[1])
        return {k: round(v / self.samples, 1) for k, v in ordered}


def lag_window(server: Server) -> dict | None:
    """The lag since the previous call (and a new window), or None without the probe."""
    try:
        with urllib.request.urlopen(server.url + "/bench/looplag", timeout=5) as r:
            if r.status == 200 and r.headers.get_content_type() == "application/json":
                return json.loads(r.read())
    except (OSError, ValueError):
        pass
    return None


def median_run(runs: list[WrkResult]) -> WrkResult:
    """The run with the median req/s (its latencies come with it); errors of all rounds."""
    ordered = sorted(runs, key=lambda r: r.rps)
    mid = ordered[(len(ordered) - 1) // 2]
    errors: dict[str, int] = {}
    for r in runs:
        for k, v in r.errors.items():
            errors[k] = errors.get(k, 0) + v
    mid.errors = errors
    return mid


def fmt_result(r: WrkResult) -> str:
    cpu = (
        f", server CPU {r.server_cpu:.0%} ({r.cpu_ms_per_request:.2f} ms/req)"
        if r.cpu_ms_per_request is not None
        else ""
    )
    lag = (
        f", loop lag p99 {r.loop_lag['p99_ms']:.1f} ms (max {r.loop_lag['max_ms']:.0f})"
        if r.loop_lag
        else ""
    )
    return (
        f"{r.rps:8.1f} req/s  p50 {r.ms('p50'):7.2f} ms  p99 {r.ms('p99'):7.2f} ms  "
        f"errors {r.error_count}{cpu}{lag}, load {r.load}"
    )


def table(rows: list[Row]) -> str:
    head = [
        "scenario",
        "req/s",
        "p50 ms",
        "p99 ms",
        "errors",
        "baseline req/s",
        "ratio",
        "target",
        "result",
    ]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows:
        r = row.result
        cells = [
            row.scenario,
            f"{r.rps:.0f}" if r else "–",
            f"{r.ms('p50'):.1f}" if r else "–",
            f"{r.ms('p99'):.1f}" if r else "–",
            str(r.error_count) if r else "–",
            f"{row.baseline_rps:.0f}" if row.baseline_rps else "–",
            f"{row.ratio:.0%}" if row.ratio is not None else "–",
            row.target or "–",
            {True: "pass", False: "FAIL", None: "–"}[row.passed],
        ]
        lines.append("| " + " | ".join(cells) + " |")
    notes = [f"- {row.scenario}: {row.note}" for row in rows if row.note]
    return "\n".join(lines + ([""] + notes if notes else []))


def machine() -> dict[str, object]:
    cpu = next(
        (
            ln.split(":", 1)[1].strip()
            for ln in Path("/proc/cpuinfo").read_text().splitlines()
            if ln.startswith("model name")
        ),
        "?",
    )
    mem = Path("/proc/meminfo").read_text().splitlines()[0].split()[1]
    import os

    wrk_v = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split("\n")[0]
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(int(mem) / 2**20, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "wrk": wrk_v.strip(),
    }


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--duration", type=float, default=30, help="seconds per measured run")
    p.add_argument("--warmup", type=float, default=10, help="seconds of warm-up per scenario")
    p.add_argument("--rounds", type=int, default=3, help="alternating service/baseline runs")
    p.add_argument("--connections", type=int, default=64)
    p.add_argument("--threads", type=int, default=1, help="wrk threads (2 cores: keep 1)")
    p.add_argument("--seed-claims", type=int, default=100_000)
    p.add_argument("--memory-requests", type=int, default=100_000)
    p.add_argument("--probe-rate", type=float, default=50, help="GET /healthz req/s in scenario 4")
    p.add_argument(
        "--pdf-connections",
        type=int,
        default=1,
        help="clients requesting PDFs back to back in scenario 4",
    )
    p.add_argument(
        "--scenarios",
        default="1,2,3,4,5,6",
        help="comma-separated subset of 1-6 (6: registration with --workers vs one worker)",
    )
    p.add_argument("--workers", type=int, default=2, help="the service's workers in scenario 6")
    p.add_argument(
        "--quick", action="store_true", help="smoke run: 5 s runs, 10,000-request memory"
    )
    p.add_argument("--profile", action="store_true", help="py-spy the service in each scenario")
    p.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432", help="server DSN")
    p.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    p.add_argument("--json", type=Path, default=harness.BENCH / "results" / "latest.json")
    args = p.parse_args()
    if args.quick:
        args.duration, args.warmup, args.memory_requests, args.rounds = 5, 2, 10_000, 1
    args.scenarios = {int(s) for s in args.scenarios.split(",") if s.strip()}
    return args


def main() -> int:
    args = parse_args()
    started = datetime.now(UTC)
    info = machine()
    print(
        f"claims bench {started:%Y-%m-%d %H:%M} UTC on {info['cpu']} ×{info['cores']}, "
        f"load {harness.loadavg()}"
    )
    with tempfile.TemporaryDirectory(prefix="claims-bench-") as tmp:
        work = Path(tmp)
        bench = Bench(args, work)
        setup = asyncio.run(service.prepare(args, work))
        # The service's app with the event-loop lag probe (bench/probe_app.py)
        svc = setup.service_server(app="probe_app:app", app_dir=harness.BENCH)
        base = setup.baseline_server()
        servers = [base, svc]
        try:
            for s in servers:
                s.start(work)
            service.sanity_check(setup, svc, base)
            rows = bench.rows
            s1 = None
            # The listing runs first, on the seeded tables only: after the registration runs the
            # baseline's table would hold several times more new rows than the service's.
            if 3 in args.scenarios:
                rows.append(
                    bench.max_vs_baseline(
                        "listing",
                        "3. GET /api/v1/claims (filter, 50 rows)",
                        svc,
                        setup.listing_lua,
                        base,
                        setup.baseline_listing_lua,
                        0.35,
                    )
                )
            if 1 in args.scenarios or 2 in args.scenarios:
                s1 = bench.max_vs_baseline(
                    "intake",
                    "1. POST /api/v1/claims",
                    svc,
                    setup.intake_lua,
                    base,
                    setup.baseline_intake_lua,
                    0.50,
                )
                rows.append(s1)
                if s1.result and 1 in args.scenarios:
                    rows.append(
                        bench.half_rate(
                            "1. POST /api/v1/claims at half rate",
                            svc,
                            setup.intake_lua,
                            s1.result.rps,
                            50,
                        )
                    )
            if 2 in args.scenarios:
                s2 = bench.max_vs_baseline(
                    "email",
                    "2. POST /api/v1/intake/email (5 KB MIME)",
                    svc,
                    setup.email_lua,
                    None,
                    None,
                    0.80,
                    versus=s1.result.rps if s1 and s1.result else None,
                    versus_name="scenario 1",
                )
                rows.append(s2)
            if 6 in args.scenarios:
                rows.append(bench.workers(setup, svc))
            if bench.lags:
                rows.append(bench.lag_row())
            if 4 in args.scenarios:
                rows.extend(bench.pdf(setup))
        finally:
            for s in servers:
                s.stop()
        if 5 in args.scenarios:
            rows.append(bench.memory(setup.service_server, setup.memory_lua))
        if not args.keep:
            asyncio.run(service.drop(args, setup))
    finished = datetime.now(UTC)
    bench.rows.sort(key=lambda r: r.scenario)
    out = table(bench.rows)
    print()
    print(
        f"Run {started:%Y-%m-%d %H:%M}–{finished:%H:%M} UTC; load average at the end "
        f"{harness.loadavg()}; {args.connections} connections, wrk -t{args.threads}, "
        f"{args.duration:.0f} s runs after {args.warmup:.0f} s warm-up"
    )
    print(out)
    args.json.parent.mkdir(exist_ok=True)
    args.json.write_text(
        json.dumps(
            {
                "started": started.isoformat(),
                "finished": finished.isoformat(),
                "machine": info,
                "args": {
                    k: (sorted(v) if isinstance(v, set) else str(v) if isinstance(v, Path) else v)
                    for k, v in vars(args).items()
                },
                "rows": [
                    {
                        "scenario": r.scenario,
                        "result": r.result.as_dict() if r.result else None,
                        "baseline_rps": r.baseline_rps,
                        "ratio": r.ratio,
                        "target": r.target,
                        "passed": r.passed,
                        "note": r.note,
                        "extra": r.extra,
                    }
                    for r in bench.rows
                ],
                "table": out,
            },
            indent=2,
            ensure_ascii=False,
        )
    )
    print(
        f"\n(JSON: {args.json.relative_to(ROOT) if args.json.is_relative_to(ROOT) else args.json})"
    )
    failed = [r for r in bench.rows if r.passed is False]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

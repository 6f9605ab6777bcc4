"""Process plumbing for bench/run.py: servers, wrk runs, /proc readings, py-spy."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
LUA = BENCH / "lua" / "load.lua"
CLK_TCK = os.sysconf("SC_CLK_TCK")
OWN_CODE = re.compile(r"\((app|bench)/|\(baseline\.py")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its reaped children (/proc/<pid>/stat)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    utime, stime, cutime, cstime = (int(x) for x in fields[11:15])
    return (utime + stime + cutime + cstime) / CLK_TCK


def tree_pids(pid: int) -> list[int]:
    """The process and its live descendants (a process pool's workers count too)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (FileNotFoundError, ProcessLookupError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def tree_cpu_seconds(pid: int) -> float:
    return sum(cpu_seconds(p) for p in tree_pids(pid))


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def loadavg() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


@dataclass
class Server:
    name: str
    argv: list[str]
    env: dict[str, str]
    cwd: Path
    port: int
    health_path: str = "/healthz"
    proc: subprocess.Popen | None = None
    log_path: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, log_dir: Path, timeout: float = 60) -> None:
        self.log_path = log_dir / f"{self.name}.log"
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            self.argv,
            cwd=self.cwd,
            env={**os.environ, **self.env},
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited: see {self.log_path}\n{self.tail()}")
            try:
                with urllib.request.urlopen(self.url + self.health_path, timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not become healthy: {self.tail()}")

    def tail(self, n: int = 30) -> str:
        if not self.log_path or not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid


@dataclass
class WrkResult:
    requests: int
    duration_s: float
    errors: dict[str, int]
    latency_us: dict[str, float]
    late: int = 0
    max_lag_ms: float = 0.0
    server_cpu: float | None = None  # share of one core used by the server during the run
    load: float | None = None
    target_rate: float | None = None
    raw: dict = field(default_factory=dict)
    loop_lag: dict | None = None  # the server's event-loop lag over the run (probe_app.py)

    @property
    def rps(self) -> float:
        return self.requests / self.duration_s if self.duration_s else 0.0

    @property
    def cpu_ms_per_request(self) -> float | None:
        """Server CPU time per request: steadier than req/s on a shared machine."""
        if self.server_cpu is None or not self.requests:
            return None
        return self.server_cpu * self.duration_s * 1000 / self.requests

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    def ms(self, key: str) -> float:
        return self.latency_us[key] / 1000

    def as_dict(self) -> dict:
        return {
            "rps": round(self.rps, 1),
            "requests": self.requests,
            "duration_s": round(self.duration_s, 2),
            "errors": self.errors,
            "latency_ms": {k: round(v / 1000, 2) for k, v in self.latency_us.items()},
            "late": self.late,
            "max_lag_ms": self.max_lag_ms,
            "server_cpu": self.server_cpu,
            "load": self.load,
            "target_rate": self.target_rate,
            "loop_lag": self.loop_lag,
        }


class Wrk:
    """Runs wrk with bench/lua/load.lua; `lua_args` are its key=value options."""

    def __init__(self, threads: int = 1, timeout_s: int = 10) -> None:
        if not shutil.which("wrk"):
            sys.exit("wrk is not installed: apt-get install -y wrk")
        self.threads = threads
        self.timeout_s = timeout_s

    def argv(self, url: str, *, connections: int, duration: float, lua_args: dict[str, object]):
        threads = min(self.threads, connections)
        return [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{max(1, round(duration))}s",
            f"--timeout={self.timeout_s}s",
            "-s",
            str(LUA),
            url,
            "--",
            *(f"{k}={v}" for k, v in lua_args.items() if v is not None),
        ]

    def start(
        self,
        url: str,
        *,
        connections: int,
        duration: float,
        lua_args: dict[str, object],
        rate: float | None = None,
        max_requests: int | None = None,
    ) -> subprocess.Popen:
        threads = min(self.threads, connections)
        extra = dict(lua_args)
        if rate:
            extra["rate"] = f"{rate / threads:.3f}"
        if max_requests:
            extra["max_requests"] = -(-max_requests // threads)
        return subprocess.Popen(
            self.argv(url, connections=connections, duration=duration, lua_args=extra),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    @staticmethod
    def finish(proc: subprocess.Popen) -> WrkResult:
        out, err = proc.communicate()
        line = next((ln for ln in out.splitlines() if ln.startswith("WRK_RESULT ")), None)
        if proc.returncode != 0 or line is None:
            raise RuntimeError(f"wrk failed ({proc.returncode}):\n{out}\n{err}")
        data = json.loads(line.removeprefix("WRK_RESULT "))
        return WrkResult(
            requests=data["requests"],
            duration_s=data["duration_us"] / 1e6,
            errors={k: v for k, v in data["errors"].items() if v},
            latency_us=data["latency_us"],
            late=data["late"],
            max_lag_ms=data["max_lag_ms"],
            raw=data,
        )

    def run(self, url: str, *, server: Server | None = None, **kw) -> WrkResult:
        cpu0, t0 = (tree_cpu_seconds(server.pid), time.monotonic()) if server else (0.0, 0.0)
        load0 = loadavg()
        result = self.finish(self.start(url, **kw))
        if server:
            result.server_cpu = round(
                (tree_cpu_seconds(server.pid) - cpu0) / (time.monotonic() - t0), 2
            )
        result.load = round(max(load0, loadavg()), 2)
        result.target_rate = kw.get("rate")
        return result


def pyspy_start(pid: int, out: Path, duration: float) -> subprocess.Popen | None:
    exe = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(exe).exists():
        print("  (py-spy not installed: pip install py-spy)")
        return None
    return subprocess.Popen(
        [
            exe,
            "record",
            "--pid",
            str(pid),
            "--duration",
            str(max(1, round(duration))),
            "--rate",
            "200",
            "--nonblocking",
            "--format",
            "raw",
            "--output",
            str(out),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def summarize_collapsed(path: Path, top: int = 25, prefix: str = "") -> str:
    """Inclusive and self sample shares per function, and the hottest lines, from py-spy's
    collapsed stacks (frames look like "func (path/file.py:123)")."""
    total = 0
    inclusive: Counter[str] = Counter()
    self_: Counter[str] = Counter()
    lines: Counter[str] = Counter()
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        n = int(count)
        total += n
        frames = [f for f in stack.split(";") if f]
        funcs = [re.sub(r":\d+\)$", ")", f) for f in frames]
        for f in set(funcs):
            inclusive[f] += n
        if frames:
            self_[funcs[-1]] += n
            lines[frames[-1]] += n
    if not total:
        return "(no samples)"
    rows = [f"{prefix}{total} samples; inclusive % | self % | function (file)"]
    for f, n in inclusive.most_common(top):
        rows.append(f"{prefix}{100 * n / total:6.1f} | {100 * self_[f] / total:5.1f} | {f}")
    ours = [(f, n) for f, n in inclusive.most_common() if OWN_CODE.search(f)][:top]
    rows.append(f"{prefix}-- the project's own functions (inclusive %) --")
    rows.extend(f"{prefix}{100 * n / total:6.1f} | {f}" for f, n in ours)
    rows.append(f"{prefix}-- hottest lines (self) --")
    for f, n in lines.most_common(top // 2):
        rows.append(f"{prefix}{100 * n / total:6.1f} | {f}")
    return "\n".join(rows)

"""What a command costs, with and without `zhenggai serve`; and cold ingests on a busy machine.

    .venv/bin/python bench/bench_service.py [--repeat 3]    # with / without the service
    .venv/bin/python bench/bench_service.py --robust         # 10 cold ingests beside 4 CPU burners

Every figure is the wall time of a real `zhenggai` process, as staff run it, in throw-away homes.
With the service: `zhenggai ingest` of one small .docx (through the service's warm ingest executor)
and `zhenggai tasks list` (targets <= 3 s).
Without it: the same ingest into a fresh home and into a warm one, next to Prefect's own empty
flow in a fresh / warm Prefect home measured in the same run (target: ingest <= empty flow + 3 s).
--robust: 10 ingests, each into a fresh data home, while four CPU-bound processes (each stops by
itself after --burn seconds, and is stopped at the end in any case) load the machine; all 10 must
succeed. Prints the machine's load average, since the machine may be shared.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
ZHENGGAI = Path(sys.executable).with_name("zhenggai")
TARGET = 3.0
EMPTY_FLOW = """
from prefect import flow

@flow
def empty():
    return 1

empty()
"""
BURNER = "import time\nend = time.monotonic() + {seconds}\nwhile time.monotonic() < end:\n    pass\n"


def env_for(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(ZHENGGAI_HOME=str(home), ZHENGGAI_DATABASE_URL=f"sqlite:///{home / 'zhenggai.db'}", **extra)
    return env


def timed(args: list[str], env: dict[str, str], timeout: float = 900) -> tuple[float, subprocess.CompletedProcess]:
    t0 = time.perf_counter()
    r = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    return time.perf_counter() - t0, r


def small_docx(folder: Path, i: int) -> Path:
    from tests.conftest import REPORT_PARAGRAPHS, make_docx

    return make_docx(folder / f"巡察反馈意见-{i}.docx", [*REPORT_PARAGRAPHS, f"（第{i}份，供计时）"])


def check(r: subprocess.CompletedProcess, what: str) -> None:
    if r.returncode != 0:
        raise SystemExit(f"{what} failed ({r.returncode}):\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}")


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def summary(name: str, values: list[float], limit: float | None = None) -> None:
    verdict = "" if limit is None else ("  OK" if statistics.median(values) <= limit else "  OVER")
    print(f"{name:<44} median {statistics.median(values):6.2f} s   runs "
          + " ".join(f"{v:.2f}" for v in values) + (f"   (limit {limit:.2f} s){verdict}" if limit else ""))


def with_service(tmp: Path, repeat: int) -> None:
    home = tmp / "served"
    out = open(tmp / "serve.out", "wb")
    serve = subprocess.Popen([str(ZHENGGAI), "serve", "--no-web", "--no-watch"], env=env_for(home), cwd=ROOT,
                             stdout=out, stderr=subprocess.STDOUT)
    try:
        t0 = time.perf_counter()
        info = home / "service.json"
        while not info.exists():
            if serve.poll() is not None:
                raise SystemExit((tmp / "serve.out").read_text(errors="replace")[-3000:])
            time.sleep(0.5)
        print(f"service ready after {time.perf_counter() - t0:.1f} s (fresh home; load {load()})")
        print(f"  {json.loads(info.read_text(encoding='utf-8'))['api_url']}")
        ingests, lists, floor = [], [], []
        for i in range(repeat + 1):  # the first of each only warms the disk cache; not counted
            doc = small_docx(tmp, 100 + i)
            df, r = timed([sys.executable, "-c", "import prefect.main"], env_for(home))
            check(r, "import prefect")
            dt, r = timed([str(ZHENGGAI), "ingest", str(doc)], env_for(home))
            check(r, "ingest with the service")
            dl, r = timed([str(ZHENGGAI), "tasks", "list"], env_for(home))
            check(r, "tasks list with the service")
            if i:
                ingests.append(dt)
                lists.append(dl)
                floor.append(df)
            else:
                print(f"first ingest after the service started (not counted): {dt:.2f} s; load {load()}")
        summary("for reference: python -c 'import prefect.main'", floor)
        summary("with serve: zhenggai ingest (1 small .docx)", ingests, TARGET)
        summary("with serve: zhenggai tasks list", lists, TARGET)
    finally:
        serve.send_signal(signal.SIGTERM)
        serve.wait(timeout=120)
        out.close()


def without_service(tmp: Path, repeat: int) -> None:
    empty_fresh, ingest_fresh, empty_warm, ingest_warm = [], [], [], []
    warm_prefect, warm_home = tmp / "warm-prefect", tmp / "warm-home"
    patience = {"PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "600", "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    for i in range(repeat + 1):  # round 0 creates the warm homes; not counted
        d, r = timed([sys.executable, "-c", EMPTY_FLOW],
                     env_for(tmp / f"x{i}", PREFECT_HOME=str(tmp / f"fresh-prefect-{i}"), **patience))
        check(r, "Prefect's empty flow (fresh)")
        empty_fresh.append(d)
        d, r = timed([str(ZHENGGAI), "ingest", str(small_docx(tmp, i))], env_for(tmp / f"fresh-home-{i}"))
        check(r, "ingest (fresh home)")
        ingest_fresh.append(d)
        d, r = timed([sys.executable, "-c", EMPTY_FLOW], env_for(tmp / "y", PREFECT_HOME=str(warm_prefect),
                                                                 **patience))
        check(r, "Prefect's empty flow (warm)")
        d2, r = timed([str(ZHENGGAI), "ingest", str(small_docx(tmp, 50 + i))], env_for(warm_home))
        check(r, "ingest (warm home)")
        if i:
            empty_warm.append(d)
            ingest_warm.append(d2)
    empty_fresh, ingest_fresh = empty_fresh[1:], ingest_fresh[1:]
    summary("no serve: Prefect's empty flow, fresh home", empty_fresh)
    summary("no serve: zhenggai ingest, fresh home", ingest_fresh, statistics.median(empty_fresh) + TARGET)
    summary("no serve: Prefect's empty flow, warm home", empty_warm)
    summary("no serve: zhenggai ingest, warm home", ingest_warm, statistics.median(empty_warm) + TARGET)


def robust(tmp: Path, n: int, burners: int, burn: float) -> None:
    procs = [subprocess.Popen([sys.executable, "-c", BURNER.format(seconds=burn)]) for _ in range(burners)]
    ok, times = 0, []
    try:
        time.sleep(2)
        print(f"{burners} CPU-bound processes running (each stops after {burn:.0f} s); load {load()}")
        for i in range(n):
            home = tmp / f"cold-{i}"
            dt, r = timed([str(ZHENGGAI), "ingest", str(small_docx(tmp, 200 + i))], env_for(home), timeout=1200)
            good = r.returncode == 0 and "已处理" in r.stdout
            ok += good
            times.append(dt)
            print(f"  cold ingest {i + 1:2d}: {'ok ' if good else 'FAILED'} {dt:6.1f} s   load {load()}"
                  + ("" if good else f"\n{r.stdout[-1500:]}\n{r.stderr[-1500:]}"))
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
            p.wait(timeout=30)
    print(f"cold ingests beside {burners} CPU burners: {ok}/{n} succeeded; "
          f"median {statistics.median(times):.1f} s, max {max(times):.1f} s")
    if ok != n:
        raise SystemExit(1)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--robust", action="store_true", help="10 cold ingests beside CPU-bound processes")
    ap.add_argument("--part", choices=("all", "served", "standalone"), default="all",
                    help="with the service, without it, or both")
    ap.add_argument("--ingests", type=int, default=10)
    ap.add_argument("--burners", type=int, default=4)
    ap.add_argument("--burn", type=float, default=1200.0, help="seconds each CPU-bound process runs at most")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="zg-bench-service-"))
    print(f"{os.cpu_count()} cores; load average at start {load()}")
    try:
        if args.robust:
            robust(tmp, args.ingests, args.burners, args.burn)
        else:
            if args.part in ("all", "served"):
                with_service(tmp, args.repeat)
            if args.part in ("all", "standalone"):
                without_service(tmp, args.repeat)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()

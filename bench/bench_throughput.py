"""Throughput against the ceiling: every figure printed is also written to bench/results/latest.json.

    .venv/bin/python bench/bench_throughput.py [--quick] [--skip-ocr] [--skip-watch]

Corpus (generated once, cached in bench/.cache/): text PDFs and .docx of 10, 100 and 1,000
pages (LibreOffice from varied invented report text, bench/corpus_text.py) and a two-page scan. Figures:
  - ceiling: plain pypdfium2 text of the 1,000-page PDF (pages/s, characters/s);
  - reader: extractors.readers.read on the same file (pages/s, characters/s, peak RSS);
  - extract: extraction alone over the dev set's .docx (or the generated 100-page .docx
    without the dev set), rules loaded and jieba warm, per-text caches emptied first:
    characters/s by wall clock and by this process's CPU time (the machine may be shared);
  - ingest: end to end (sandboxed read, extract, store in SQLite, route) of the text PDFs,
    pages/s and its ratio to the ceiling, and the big file's time by stage (read, extract,
    store+route: wall clock and CPU); the 1,000-page PDF's peak RSS (ingesting process
    and its reader child); per-file latency p50/p95 over distinct 10-page PDFs;
  - workers: the same distinct 10-page PDFs ingested by one and by two worker processes
    sharing one ledger. Ingestion rates count from the first file started to the last one
    done (a worker's interpreter start-up, rules and jieba load are recorded apart);
  - OCR pages/s on the scan; watcher p50/p95 (bench/bench_watch.py, in-process flow).
The load average is recorded with the figures: on a shared machine they are lower bounds.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / ".cache"
RESULTS = ROOT / "bench" / "results"
sys.path.insert(0, str(ROOT))
from tests.conftest import DEVSET  # noqa: E402  (the one place that knows where the dev set lives)
from bench.corpus_text import paragraphs  # noqa: E402

SIZES = (10, 100, 1000)
ENV = {"PYTHONPATH": str(ROOT), "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": tempfile.gettempdir()}


def corpus(pages: int) -> tuple[Path, Path]:
    """(docx, pdf) of about `pages` pages, built once with LibreOffice."""
    from tests.fixtures.docs import make_report_docx, soffice_convert

    CACHE.mkdir(parents=True, exist_ok=True)
    docx, pdf = CACHE / f"tp-{pages}p.docx", CACHE / f"tp-{pages}p.pdf"
    if not docx.exists():
        make_report_docx(docx, paragraphs(pages), header="某县某局巡察反馈材料", page_footer=True)
    if not pdf.exists():
        t = time.monotonic()
        soffice_convert(docx, "pdf", CACHE, timeout=3600)
        print(f"built {pdf.name} with LibreOffice in {time.monotonic() - t:.0f} s", flush=True)
    return docx, pdf


def scan() -> Path:
    out = CACHE / "tp-scan-2p.pdf"
    if not out.exists():
        import pypdfium2 as pdfium

        from tests.fixtures.docs import image_only_pdf

        _, src = corpus(10)
        two = CACHE / "tp-2p.pdf"
        pdf = pdfium.PdfDocument(str(src))
        first = pdfium.PdfDocument.new()
        first.import_pages(pdf, [0, 1])
        first.save(str(two))
        image_only_pdf(two, out)
    return out


def distinct_copies(src: Path, n: int, where: Path) -> list[Path]:
    """n byte-distinct copies of a PDF (a trailing comment differs), so none is a duplicate."""
    data = src.read_bytes()
    out = []
    for i in range(n):
        p = where / f"巡察反馈{i:03d}.pdf"
        p.write_bytes(data + f"\n% copy {i}\n".encode())
        out.append(p)
    return out


PROBES = {
    "ceiling": """
import sys, time, json, resource
import pypdfium2 as pdfium
t = time.perf_counter(); pdf = pdfium.PdfDocument(sys.argv[1]); n = len(pdf); chars = 0
for i in range(n):
    page = pdf[i]; tp = page.get_textpage(); chars += len(tp.get_text_range()); tp.close(); page.close()
dt = time.perf_counter() - t
print(json.dumps({"pages": n, "chars": chars, "seconds": dt,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
""",
    "reader": """
import sys, time, json, resource
from extractors.readers import read
t = time.perf_counter(); doc = read(sys.argv[1]); dt = time.perf_counter() - t
print(json.dumps({"pages": doc.pages, "chars": len(doc.text), "seconds": dt, "reader": doc.reader,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "child_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
""",
    # end to end, as the ingest flow does it: intake, sandboxed read, extract, store, route
    "ingest": """
import sys, time, json, os, resource
from pathlib import Path
os.environ["ZHENGGAI_HOME"] = sys.argv[1]
os.environ["ZHENGGAI_DATABASE_URL"] = "sqlite:///" + sys.argv[1] + "/zhenggai.db"
import extractors.pipeline as pipeline
import models.intake as intake
from extractors.pipeline import analyse, default_rules
from models.settings import get_settings
settings = get_settings(); settings.ensure_dirs(); default_rules()
from models.db import get_engine
get_engine(settings.database_url)
# each stage timed where ingest_file calls it: wall clock, and CPU of this process plus the sandbox's
stages = {}
def timed(stage, fn):
    def run(*a, **k):
        w, c = time.perf_counter(), time.process_time()
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        try:
            return fn(*a, **k)
        finally:
            r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            child = r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime
            stages[stage] = [time.perf_counter() - w, time.process_time() - c + child]
    return run
pipeline.read_document = timed("read", pipeline.read_document)
pipeline.extract = timed("extract", pipeline.extract)
intake.save_and_route = timed("store", intake.save_and_route)
out = []
t0 = time.time()
for f in json.loads(sys.argv[2]):
    stages.clear()
    t = time.perf_counter(); o = intake.ingest_file(Path(f), settings, analyse, source="bench")
    out.append({"file": f, "seconds": time.perf_counter() - t, "status": o.status, "stages": dict(stages)})
print(json.dumps({"files": out, "t0": t0, "t1": time.time(), "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "child_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
""",
}


def probe(name: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, "-c", PROBES[name], *args], capture_output=True, text=True,
                         cwd=ROOT, env=ENV)
    if out.returncode:
        raise SystemExit(f"{name} failed: {out.stderr[-1500:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def pdf_pages(path: Path) -> int:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        return len(pdf)
    finally:
        pdf.close()


def extraction() -> dict:
    """Extraction alone, in this process: rules compiled and jieba warm, per-text caches emptied."""
    from extractors.findings import extract
    from extractors.readers import read
    from extractors.rules import load_rules, regex_timeouts

    paths = sorted(DEVSET.glob("*.docx")) or [corpus(100)[0]]
    docs = [read(p) for p in paths]
    rules = load_rules()
    extract(docs[0], rules)  # jieba's dictionary loads on first use (about 1 s): not extraction
    best = None
    for _ in range(5):  # the best of five passes: other processes on a shared machine only slow it
        rules.clear_caches()
        w, c = time.perf_counter(), time.process_time()
        findings = sum(len(extract(d, rules).findings) for d in docs)
        wall, cpu = time.perf_counter() - w, time.process_time() - c
        if best is None or wall < best[0]:
            best = (wall, cpu)
    chars = sum(len(d.text) for d in docs)
    return {"corpus": "dev set .docx" if DEVSET.exists() else "generated 100-page .docx", "documents": len(docs),
            "chars": chars, "findings": findings, "seconds": best[0], "cpu_seconds": best[1],
            "chars_per_s": chars / best[0], "chars_per_cpu_s": chars / best[1],
            "regex_timeouts": sum(regex_timeouts.values())}


def ingest_run(files: list[Path], workers: int, tmp: Path) -> dict:
    """Ingest `files` with `workers` processes sharing one home (split round robin)."""
    home = tmp / f"home-{workers}w-{time.monotonic_ns()}"
    home.mkdir()
    shares = [[str(f) for f in files[i::workers]] for i in range(workers)]
    probe("ingest", str(home), "[]")  # the ledger created and migrated once, before the workers race to it
    t = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, "-c", PROBES["ingest"], str(home), json.dumps(s)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=ENV)
             for s in shares]
    results = []
    for p in procs:
        out, err = p.communicate()
        if p.returncode:
            raise SystemExit(f"ingest worker failed: {err[-1500:]}")
        results.append(json.loads(out.strip().splitlines()[-1]))
    wall = time.perf_counter() - t
    # the work itself: first file started to last file done, without the interpreters' start-up
    span = max(r["t1"] for r in results) - min(r["t0"] for r in results)
    per_file = [f for r in results for f in r["files"]]
    bad = [f for f in per_file if f["status"] not in ("ingested", "warning")]
    return {"wall": wall, "span": span, "files": per_file, "rss_mb": max(r["rss_mb"] for r in results),
            "child_rss_mb": max(r["child_rss_mb"] for r in results), "statuses": sorted({f["status"] for f in per_file}),
            "not_stored": len(bad)}


def watch_run() -> subprocess.CompletedProcess:
    """bench/bench_watch.py in a process group of its own, its output in files: an in-process flow
    run starts Prefect's temporary API server, which may outlive the script and would otherwise
    hold its output pipe open; whatever of the group is left is stopped."""
    import signal

    with tempfile.TemporaryFile("w+") as so, tempfile.TemporaryFile("w+") as se:
        p = subprocess.Popen([sys.executable, str(ROOT / "bench" / "bench_watch.py"), "--files", "10"],
                             stdout=so, stderr=se, text=True, cwd=ROOT, start_new_session=True)
        rc = p.wait()
        try:
            os.killpg(p.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        so.seek(0)
        se.seek(0)
        return subprocess.CompletedProcess(p.args, rc, so.read(), se.read())


def quantiles(xs: list[float]) -> tuple[float, float]:
    q = statistics.quantiles(xs, n=100, method="inclusive")
    return q[49], q[94]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="100 pages instead of 1,000 for the big file")
    ap.add_argument("--skip-ocr", action="store_true")
    ap.add_argument("--skip-watch", action="store_true")
    ap.add_argument("--copies", type=int, default=40, help="distinct 10-page PDFs for latency and workers")
    args = ap.parse_args()
    res: dict = {"when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "cpus": os.cpu_count(),
                 "load_before": list(os.getloadavg())}

    def show(line: str) -> None:
        print(line, flush=True)

    big_n = 100 if args.quick else 1000
    built = {n: corpus(n) for n in SIZES if n <= big_n}
    big = built[big_n][1]

    # ceiling and reader alternate, best of three each: on a shared machine a single run measures
    # the neighbours as much as the code
    rounds = [(probe("ceiling", str(big)), probe("reader", str(big))) for _ in range(3)]
    c = min((c for c, _ in rounds), key=lambda x: x["seconds"])
    r = min((r for _, r in rounds), key=lambda x: x["seconds"])
    res["ceiling"] = {"file": big.name, "pages": c["pages"], "chars": c["chars"], "seconds": c["seconds"],
                      "pages_per_s": c["pages"] / c["seconds"], "chars_per_s": c["chars"] / c["seconds"]}
    show(f"ceiling  pypdfium2 text, {big.name}: {res['ceiling']['pages_per_s']:.0f} pages/s, "
         f"{res['ceiling']['chars_per_s']:,.0f} chars/s")
    res["reader"] = {"file": big.name, "pages": r["pages"], "chars": r["chars"], "seconds": r["seconds"],
                     "pages_per_s": r["pages"] / r["seconds"], "chars_per_s": r["chars"] / r["seconds"],
                     "ratio_to_ceiling": (r["pages"] / r["seconds"]) / res["ceiling"]["pages_per_s"],
                     "peak_rss_mb": r["rss_mb"], "rounds_pages_per_s": [
                         [round(a["pages"] / a["seconds"], 1), round(b["pages"] / b["seconds"], 1)] for a, b in rounds]}
    show(f"reader   extractors.readers.read, {big.name}: {res['reader']['pages_per_s']:.0f} pages/s "
         f"({res['reader']['ratio_to_ceiling']:.2f} of the ceiling), peak RSS {r['rss_mb']:.0f} MB")

    ex = extraction()
    res["extract"] = ex
    show(f"extract  {ex['corpus']} ({ex['documents']} documents, {ex['chars']} chars): "
         f"{ex['chars_per_s']:,.0f} chars/s wall, {ex['chars_per_cpu_s']:,.0f} chars/s CPU "
         f"({ex['findings']} findings, {ex['regex_timeouts']} pattern timeouts)")

    with tempfile.TemporaryDirectory(prefix="zg-bench-tp-") as tmp_s:
        tmp = Path(tmp_s)
        pdfs = [built[n][1] for n in sorted(built)]
        run = ingest_run(pdfs, 1, tmp)
        pages = sum(pdf_pages(p) for p in pdfs)
        pps = pages / run["span"]
        big_row = next(f for f in run["files"] if f["file"] == str(big))
        res["ingest"] = {"files": [p.name for p in pdfs], "pages": pages, "seconds": run["span"],
                         "seconds_with_start_up": run["wall"],
                         "pages_per_s": pps, "ratio_to_ceiling": pps / res["ceiling"]["pages_per_s"],
                         "statuses": run["statuses"], "workers": 1,
                         "big_file_seconds": big_row["seconds"],
                         "big_file_pages_per_s": pdf_pages(big) / big_row["seconds"],
                         "big_file_stages": {k: {"seconds": v[0], "cpu_seconds": v[1]}
                                             for k, v in big_row["stages"].items()},
                         "files_seconds": {Path(f["file"]).name: f["seconds"] for f in run["files"]}}
        show(f"ingest   read+extract+store+route, text PDFs {'/'.join(str(n) for n in sorted(built))} pages, "
             f"1 worker: {pps:.1f} pages/s = {res['ingest']['ratio_to_ceiling']:.3f} of the ceiling "
             f"({big.name} alone {res['ingest']['big_file_pages_per_s']:.1f} pages/s; {run['statuses']})")
        show(f"stages   {big.name}: " + ", ".join(
            f"{k} {v['seconds']:.1f} s ({v['cpu_seconds']:.1f} s CPU)" for k, v in res["ingest"]["big_file_stages"].items())
            + f", the rest {big_row['seconds'] - sum(v[0] for v in big_row['stages'].values()):.1f} s "
            "(read: the sandboxed child's CPU; the rest: intake, copy, document row, commit)")
        one = ingest_run([big], 1, tmp)
        res["peak_rss"] = {"file": big.name, "ingest_process_mb": one["rss_mb"], "reader_child_mb": one["child_rss_mb"],
                           "max_mb": max(one["rss_mb"], one["child_rss_mb"])}
        show(f"memory   ingesting {big.name}: peak RSS {one['rss_mb']:.0f} MB (ingesting process), "
             f"{one['child_rss_mb']:.0f} MB (sandboxed reader)")

        copies = distinct_copies(built[10][1], args.copies, tmp)
        w1 = ingest_run(copies, 1, tmp)
        p50, p95 = quantiles([f["seconds"] for f in w1["files"]])
        res["latency"] = {"file_pages": 10, "files": len(copies), "p50_s": p50, "p95_s": p95}
        show(f"latency  per 10-page PDF, 1 worker ({len(copies)} files): p50 {p50:.2f} s, p95 {p95:.2f} s")
        w2 = ingest_run(copies, 2, tmp)
        pages_c = 10 * len(copies)
        res["workers"] = {"files": len(copies), "one_pages_per_s": pages_c / w1["span"],
                          "two_pages_per_s": pages_c / w2["span"], "speedup": w1["span"] / w2["span"],
                          "with_start_up": {"one_s": w1["wall"], "two_s": w2["wall"]},
                          "statuses": sorted(set(w1["statuses"]) | set(w2["statuses"]))}
        show(f"workers  {len(copies)} distinct 10-page PDFs: one worker {res['workers']['one_pages_per_s']:.1f} pages/s, "
             f"two {res['workers']['two_pages_per_s']:.1f} pages/s = {res['workers']['speedup']:.2f} x")

    if not args.skip_ocr:
        s = probe("reader", str(scan()))
        res["ocr"] = {"file": "tp-scan-2p.pdf", "pages": s["pages"], "seconds": s["seconds"], "reader": s["reader"],
                      "pages_per_s": s["pages"] / s["seconds"]}
        show(f"OCR      {res['ocr']['pages']} scanned pages ({s['reader']}): {res['ocr']['pages_per_s']:.2f} pages/s")
    if not args.skip_watch:
        out = watch_run()
        line = next((ln for ln in out.stdout.splitlines() if "p50" in ln and "p95" in ln), "")
        if line:
            parts = line.split()
            res["watch"] = {"files": 10, "p50_s": float(parts[1]), "p95_s": float(parts[4])}
            show(f"watch    file complete -> findings committed: p50 {parts[1]} s, p95 {parts[4]} s")
        else:
            res["watch"] = {"error": (out.stderr or out.stdout)[-500:]}
            show("watch    failed: " + res["watch"]["error"])

    res["load_after"] = list(os.getloadavg())
    res["targets"] = {"extract.chars_per_s >= 250000": res["extract"]["chars_per_s"] >= 250_000,
                      "ingest.ratio_to_ceiling >= 0.25": res["ingest"]["ratio_to_ceiling"] >= 0.25,
                      "peak_rss < 500 MB": res["peak_rss"]["max_mb"] < 500,
                      "two workers >= 1.7 x one": res["workers"]["speedup"] >= 1.7}
    show(f"load average {res['load_before'][0]:.1f} before, {res['load_after'][0]:.1f} after "
         f"on {res['cpus']} CPUs; targets: " + ", ".join(f"{k}: {'met' if v else 'MISSED'}"
                                                        for k, v in res["targets"].items()))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(res, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    show(f"written {RESULTS / 'latest.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

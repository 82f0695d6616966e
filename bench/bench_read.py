"""Reader benchmark: pages/s and peak memory for text PDFs and for OCR.

    .venv/bin/python bench/bench_read.py            # all figures
    .venv/bin/python bench/bench_read.py --pages 200  # a smaller generated PDF

Builds (once, cached in bench/.cache/) a dense Chinese text PDF of --pages pages
with LibreOffice, then runs each measurement in a fresh Python process so the
peak RSS printed is that reader's alone:
  - extractors.readers.read (pypdfium2, char-level, layout joining) — the reader in use
  - plain pypdfium2 get_text_range, and pdfplumber with each page closed (100 pages)
  - text fidelity: devset gold quotes found verbatim in each library's text
  - OCR pages/s on the devset scan (or a scan built from the generated PDF)
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / ".cache"
sys.path.insert(0, str(ROOT))
from tests.conftest import DEVSET  # noqa: E402

PARA = ("{n}.巡察组认为，该局党组在落实全面从严治党主体责任方面存在差距，对“三重一大”事项集体决策执行不严，"
        "部分重大事项由“一把手”个人说了算；财务制度执行不严，存在白条入账、报销凭证不全等问题，"
        "2023年有17笔支出无审批手续即予报销，涉及金额12.6万元。对上轮巡察反馈问题整改不到位，"
        "部分问题整改流于形式，群众反映较为强烈，需要进一步加强管理和监督。")


def build_pdf(pages: int) -> Path:
    out = CACHE / f"text-{pages}p.pdf"
    if out.exists():
        return out
    from tests.fixtures.docs import make_report_docx, soffice_convert

    CACHE.mkdir(parents=True, exist_ok=True)
    paras = ["关于对某市某局党组开展巡察的反馈意见"] + [PARA.format(n=i) for i in range(1, pages * 4 + 1)]
    src = make_report_docx(CACHE / f"text-{pages}p.docx", paras, header="某市某局巡察反馈材料", page_footer=True)
    t = time.monotonic()
    pdf = soffice_convert(src, "pdf", CACHE, timeout=1800)
    print(f"built {pdf.name} with LibreOffice in {time.monotonic() - t:.0f}s")
    return pdf


# Each probe runs in its own interpreter and prints one JSON line.
PROBES = {
    "reader": """
import sys, time, json, resource
from extractors.readers import read
t = time.monotonic(); doc = read(sys.argv[1]); dt = time.monotonic() - t
print(json.dumps({"pages": doc.pages, "seconds": dt, "blocks": len(doc.blocks),
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
""",
    "pypdfium2-plain": """
import sys, time, json, resource
import pypdfium2 as pdfium
t = time.monotonic(); pdf = pdfium.PdfDocument(sys.argv[1]); n = len(pdf); chars = 0
for i in range(n):
    page = pdf[i]; tp = page.get_textpage(); chars += len(tp.get_text_range()); tp.close(); page.close()
dt = time.monotonic() - t
print(json.dumps({"pages": n, "seconds": dt, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
""",
    "pdfplumber": """
import sys, time, json, resource
import pdfplumber
limit = int(sys.argv[2]); t = time.monotonic(); n = 0
with pdfplumber.open(sys.argv[1]) as pdf:
    for page in pdf.pages[:limit]:
        page.extract_text(); page.close(); n += 1
dt = time.monotonic() - t
print(json.dumps({"pages": n, "seconds": dt, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
""",
    "ocr": """
import sys, time, json, resource
from extractors.readers import read
t = time.monotonic(); doc = read(sys.argv[1]); dt = time.monotonic() - t
kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"pages": doc.pages, "seconds": dt, "reader": doc.reader,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "tesseract_rss_mb": kids}))
""",
}


def probe(name: str, *args: str) -> dict:
    from extractors.sandbox import child_env

    with tempfile.TemporaryDirectory(prefix="zg-bench-") as tmp:  # the environment a sandboxed read gets
        out = subprocess.run([sys.executable, "-c", PROBES[name], *args], capture_output=True, text=True,
                             cwd=ROOT, env=child_env(tmp))
    if out.returncode:
        raise SystemExit(f"{name} failed: {out.stderr[-800:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def fidelity() -> None:
    """Gold quotes (findings and negatives) found verbatim in each library's text of the devset PDFs."""
    if not (DEVSET / "gold.jsonl").exists():
        print("fidelity: devset not available")
        return
    import re

    import pdfplumber
    import pypdfium2 as pdfium

    from extractors.readers import read

    def norm(s: str) -> str:
        return re.sub(r"\s+", "", s).translate(str.maketrans("，。；：（）“”", ",.;:()\"\""))

    found = {"reader (pypdfium2 char-level)": 0, "pypdfium2 get_text_range": 0, "pdfplumber extract_text": 0}
    total = 0
    for line in (DEVSET / "gold.jsonl").read_text(encoding="utf-8").splitlines():
        g = json.loads(line)
        stem = g["doc"].rsplit(".", 1)[0]
        if "-" in stem:
            continue
        path = DEVSET / f"{stem}.pdf"
        texts = {"reader (pypdfium2 char-level)": read(path).text}
        pdf = pdfium.PdfDocument(str(path))
        texts["pypdfium2 get_text_range"] = "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
        pdf.close()
        with pdfplumber.open(str(path)) as p:
            texts["pdfplumber extract_text"] = "".join(pg.extract_text() or "" for pg in p.pages)
        quotes = [f["quote"] for f in g["findings"]] + g["negatives"]
        total += len(quotes)
        for k, t in texts.items():
            nt = norm(t)
            found[k] += sum(norm(q) in nt for q in quotes)
    for k, v in found.items():
        print(f"fidelity  {k:32s} {v}/{total} gold quotes verbatim")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=1000)
    ap.add_argument("--plumber-pages", type=int, default=100)
    ap.add_argument("--skip-ocr", action="store_true")
    args = ap.parse_args()

    pdf = build_pdf(args.pages)
    r = probe("reader", str(pdf))
    print(f"text PDF  reader (extractors.readers.read)  {r['pages']} pages  {r['pages'] / r['seconds']:.0f} pages/s  "
          f"peak RSS {r['rss_mb']:.0f} MB  ({r['blocks']} blocks)")
    r = probe("pypdfium2-plain", str(pdf))
    print(f"text PDF  pypdfium2 get_text_range only      {r['pages']} pages  {r['pages'] / r['seconds']:.0f} pages/s  "
          f"peak RSS {r['rss_mb']:.0f} MB")
    r = probe("pdfplumber", str(pdf), str(args.plumber_pages))
    print(f"text PDF  pdfplumber, pages closed           {r['pages']} pages  {r['pages'] / r['seconds']:.1f} pages/s  "
          f"peak RSS {r['rss_mb']:.0f} MB")
    fidelity()
    if not args.skip_ocr:
        scan = DEVSET / "dev02-scan.pdf"
        if not scan.exists():
            from tests.fixtures.docs import image_only_pdf

            scan = image_only_pdf(pdf, CACHE / "scan.pdf")
        r = probe("ocr", str(scan))
        print(f"OCR       {scan.name} ({r['reader']})  {r['pages']} pages  {r['pages'] / r['seconds']:.2f} pages/s  "
              f"{r['seconds'] / r['pages']:.2f} s/page  peak RSS {r['rss_mb']:.0f} MB (tesseract {r['tesseract_rss_mb']:.0f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

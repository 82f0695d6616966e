"""The two PDF readers on the same files: the main reader (pypdfium2) against the second
reader (pdfplumber), which takes over when pypdfium2 refuses a file as corrupt.

    .venv/bin/python bench/bench_pdf_readers.py            # devset PDFs + an invented 问题清单 PDF
    .venv/bin/python bench/bench_pdf_readers.py --pages 100  # also speed on a generated text PDF

Each reader runs in its own interpreter (peak RSS is that reader's alone) over:
  - the devset text PDFs (tests.conftest.DEVSET, when present) and the invented ruled-table PDF
    of tests/fixtures/twins.py: pages/s, gold quotes found verbatim, table rows, and the
    findings' F1 against the main reader's findings on the same file;
  - the same files with their cross-reference data broken (tests.fixtures.twins.break_xref):
    how many the main library refuses, how many the second reader reads, and their findings'
    F1 against the clean file's findings as read by the main reader.
"""
from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.conftest import DEVSET  # noqa: E402

PROBE = """
import json, resource, sys, time
from extractors.errors import ReadError
from extractors.findings import extract
from extractors.pipeline import default_rules
which, files = sys.argv[1], json.loads(sys.argv[2])
if which == "pypdfium2":  # the main reader alone, no second chance
    import pypdfium2 as pdfium
    from extractors.errors import Reason
    from extractors.readers.pdf import _read

    def reader(path):
        try:
            pdf = pdfium.PdfDocument(str(path))
        except pdfium.PdfiumError as exc:
            raise ReadError(Reason.CORRUPT_OR_TRUNCATED, str(exc))
        try:
            return _read(pdf, path)
        finally:
            pdf.close()
elif which == "pdfplumber":
    from extractors.readers.pdf_plumber import read_pdf_plumber as reader
else:  # what ingestion runs: pypdfium2, then pdfplumber when it refuses the file
    from extractors.readers.pdf import read_pdf as reader
from extractors.meta import describe
from extractors.sections import assign_sections
from pathlib import Path
rules = default_rules()
out = {}
for f in files:
    t = time.monotonic()
    try:
        doc = reader(Path(f))
    except ReadError as exc:
        out[f] = {"error": exc.reason.value, "seconds": time.monotonic() - t}
        continue
    dt = time.monotonic() - t
    assign_sections(doc); doc.renumber(); doc.meta = describe(doc)
    out[f] = {"pages": doc.pages, "seconds": dt, "text": doc.text, "reader": doc.reader,
              "rows": [b.text for b in doc.blocks if b.kind.value == "table_row"],
              "quotes": [x.quote for x in extract(doc, rules).findings]}
out["_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out, ensure_ascii=False))
"""


def probe(which: str, files: list[Path]) -> dict:
    from extractors.sandbox import child_env

    with tempfile.TemporaryDirectory(prefix="zg-bench-") as tmp:  # the environment a sandboxed read gets
        r = subprocess.run([sys.executable, "-c", PROBE, which, json.dumps([str(f) for f in files])],
                           capture_output=True, text=True, cwd=ROOT, env=child_env(tmp))
    if r.returncode:
        raise SystemExit(f"{which} failed: {r.stderr[-1500:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def norm(s: str) -> str:
    return re.sub(r"\s+", "", s).translate(str.maketrans("，。；：（）“”", ",.;:()\"\""))


def files_under_test(tmp: Path) -> tuple[list[Path], dict[str, list[str]]]:
    from tests.fixtures.docs import soffice_convert
    from tests.fixtures.twins import PROBLEM_TABLE, TABLE_INTRO, TABLE_OUTRO, make_twin_docx

    files, gold = [], {}
    if (DEVSET / "gold.jsonl").exists():
        for line in (DEVSET / "gold.jsonl").read_text(encoding="utf-8").splitlines():
            g = json.loads(line)
            stem = g["doc"].rsplit(".", 1)[0]
            if "-" in stem or not (DEVSET / f"{stem}.pdf").exists():
                continue  # the scan and garbled variants are OCR's business
            files.append(DEVSET / f"{stem}.pdf")
            gold[str(DEVSET / f"{stem}.pdf")] = [f["quote"] for f in g["findings"]] + g["negatives"]
    twin = make_twin_docx(tmp / "ruled-table.docx", [TABLE_INTRO], table=PROBLEM_TABLE, after_table=TABLE_OUTRO)
    files.append(soffice_convert(twin, "pdf", tmp))
    return files, gold


def summary(label: str, res: dict, files: list[Path], gold: dict, reference: dict | None) -> None:
    from tests.fixtures.twins import twin_f1

    read_ok = [str(f) for f in files if "pages" in res.get(str(f), {})]
    pages = sum(res[f]["pages"] for f in read_ok)
    seconds = sum(res[f]["seconds"] for f in read_ok) or 1e-9
    found = total = 0
    for f in read_ok:
        if f in gold:
            nt = norm(res[f]["text"])
            found += sum(norm(q) in nt for q in gold[f])
            total += len(gold[f])
    line = (f"{label:34s} read {len(read_ok)}/{len(files)}  {pages} pages  {pages / seconds:.1f} pages/s  "
            f"peak RSS {res['_rss_mb']:.0f} MB")
    if total:
        line += f"  gold quotes verbatim {found}/{total}"
    if reference is not None:
        f1s = [twin_f1(reference[f]["quotes"], res[f]["quotes"]) for f in read_ok
               if f in reference and "quotes" in reference[f] and reference[f]["quotes"]]
        same_rows = sum(res[f]["rows"] == reference[f].get("rows") for f in read_ok if f in reference)
        if f1s:
            line += (f"  findings F1 vs main reader: mean {sum(f1s) / len(f1s):.3f}, min {min(f1s):.3f} "
                     f"({len(f1s)} files)  identical table rows {same_rows}/{len(read_ok)}")
    errors = {}
    for f in files:
        e = res.get(str(f), {}).get("error")
        if e:
            errors[e] = errors.get(e, 0) + 1
    if errors:
        line += f"  refused: {errors}"
    print(line)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=0, help="also time both on a generated text PDF of N pages")
    args = ap.parse_args()
    from tests.fixtures.twins import break_xref

    with tempfile.TemporaryDirectory(prefix="zg-bench-pdf-") as tmp_s:
        tmp = Path(tmp_s)
        files, gold = files_under_test(tmp)
        main_res = probe("pypdfium2", files)
        second_res = probe("pdfplumber", files)
        summary("clean PDFs, main (pypdfium2)", main_res, files, gold, None)
        summary("clean PDFs, second (pdfplumber)", second_res, files, gold, main_res)

        broken = [break_xref(f, tmp / f"broken-{f.name}") for f in files]
        clean_of = {str(b): main_res[str(f)] for b, f in zip(broken, files)}
        clean_of["_rss_mb"] = 0
        gold_b = {str(b): gold[str(f)] for b, f in zip(broken, files) if str(f) in gold}
        summary("broken xref, main (pypdfium2)", probe("pypdfium2", broken), broken, gold_b, clean_of)
        summary("broken xref, read_pdf with fallback", probe("read_pdf", broken), broken, gold_b, clean_of)

        if args.pages:
            sys.path.insert(0, str(ROOT / "bench"))
            from bench_read import build_pdf

            big = build_pdf(args.pages)
            for which in ("pypdfium2", "pdfplumber"):
                r = probe(which, [big])[str(big)]
                print(f"generated {args.pages}-page text PDF, {which:6s}  {r['pages'] / r['seconds']:.1f} pages/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

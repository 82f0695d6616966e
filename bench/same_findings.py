"""Does this checkout extract exactly what another commit did? For changes meant to be pure speed.

    .venv/bin/python bench/same_findings.py REF [DOCS_DIR ...]

Exports commit REF into a temporary directory, runs bench/bench_extract.py --full (this
checkout's version of the script, every finding and rejected clause with offsets, rule hits,
vetoes and explanation) there and here on each directory (default: the dev set, .docx and .pdf,
and samples/), and compares the outputs. Exit status 1 when any differs.
"""
from __future__ import annotations

import filecmp
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    sys.path.insert(0, str(ROOT))
    from tests.conftest import DEVSET  # the one place that knows where the dev set lives

    ref, dirs = argv[0], [Path(d).resolve() for d in argv[1:]] or [DEVSET, ROOT / "samples"]
    same = True
    with tempfile.TemporaryDirectory(prefix="zg-same-") as tmp_s:
        tmp = Path(tmp_s)
        base = tmp / "base"
        base.mkdir()
        archive = subprocess.run(["git", "archive", ref], cwd=ROOT, capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(base)], input=archive, check=True)
        shutil.copy(ROOT / "bench" / "bench_extract.py", base / "bench" / "bench_extract.py")
        for d in dirs:
            if not d.exists():
                print(f"{d}: missing, skipped")
                continue
            outs = {}
            for label, tree in (("before", base), ("after", ROOT)):
                full = tmp / f"{label}-{d.name}.jsonl"
                subprocess.run([sys.executable, str(tree / "bench" / "bench_extract.py"), str(d), "--ext", "all",
                                "--full", str(full)], cwd=tree, capture_output=True, check=True)
                outs[label] = full
            equal = filecmp.cmp(outs["before"], outs["after"], shallow=False)
            lines = sum(1 for _ in outs["after"].open(encoding="utf-8"))
            print(f"{d}: {'identical' if equal else 'DIFFERENT'} ({lines} lines: documents, findings, rejected)")
            same &= equal
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

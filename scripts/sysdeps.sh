#!/bin/sh
# System packages the tests and OCR/legacy readers use. Installs what is missing when run as root
# on Debian/Ubuntu; otherwise says what to install and carries on (tests that need them then skip
# locally, and fail in CI where CI=true).
set -u
need=""
command -v tesseract >/dev/null 2>&1 || need="$need tesseract-ocr tesseract-ocr-chi-sim"
command -v tesseract >/dev/null 2>&1 && ! tesseract --list-langs 2>/dev/null | grep -q chi_sim && need="$need tesseract-ocr-chi-sim"
command -v soffice >/dev/null 2>&1 || need="$need libreoffice-writer-nogui"
command -v pdftotext >/dev/null 2>&1 || need="$need poppler-utils"
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need="$need fonts-noto-cjk"
# the browser only for the tests (Playwright drives it): `make demo` needs no browser
if [ "${1:-}" = "--browser" ]; then command -v chromium >/dev/null 2>&1 || need="$need chromium"; fi
[ -z "$need" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing system packages:$need"
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null
else
  echo "Missing system packages (install with apt-get):$need"
fi

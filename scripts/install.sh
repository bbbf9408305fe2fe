#!/usr/bin/env bash
# Install everything govpatrol needs on a Debian machine, idempotently:
#   - Debian packages: Chromium (rendering JavaScript lists), Redis (distributed mode), Maven and a
#     Java 17 runtime (to fetch and run Elastic's Elasticsearch distribution from Maven Central),
#     tesseract-ocr with its Chinese data, antiword, catdoc and poppler-utils (content watch);
#   - the project and its Python dependencies in a virtual environment at .venv.
# Elasticsearch itself is downloaded on first start (`govpatrol services start`) and cached.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=()
[ -x /usr/lib/chromium/chromium ] || command -v chromium >/dev/null 2>&1 || packages+=(chromium)
command -v redis-server >/dev/null 2>&1 || packages+=(redis-server)
command -v mvn >/dev/null 2>&1 || packages+=(maven)
command -v java >/dev/null 2>&1 || packages+=(openjdk-17-jre-headless)
# CJK fonts so that pages and reports rendered in Chromium show Chinese text.
[ -d /usr/share/fonts/opentype/noto ] || [ -d /usr/share/fonts/truetype/wqy ] || packages+=(fonts-noto-cjk)
# Content watch: OCR of images and scanned PDFs (with its Chinese data), old Word files (antiword,
# catdoc as the fallback), scanned PDF pages rendered for OCR (pdftoppm from poppler-utils).
command -v tesseract >/dev/null 2>&1 || packages+=(tesseract-ocr)
[ -f /usr/share/tesseract-ocr/5/tessdata/chi_sim.traineddata ] || [ -f /usr/share/tesseract-ocr/4.00/tessdata/chi_sim.traineddata ] || packages+=(tesseract-ocr-chi-sim)
command -v antiword >/dev/null 2>&1 || packages+=(antiword)
command -v catdoc >/dev/null 2>&1 || packages+=(catdoc)
command -v pdftoppm >/dev/null 2>&1 || packages+=(poppler-utils)

if [ ${#packages[@]} -gt 0 ]; then
  echo "install: Debian packages: ${packages[*]}" >&2
  if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "install: need root (or sudo) to apt-get install ${packages[*]}" >&2; exit 1; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi

python=""
for candidate in python3.11 python3; do
  if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    python="$candidate"; break
  fi
done
[ -n "$python" ] || { echo "install: Python 3.11 or newer is required" >&2; exit 1; }

[ -x .venv/bin/python ] || "$python" -m venv .venv
echo "install: Python packages into .venv" >&2
.venv/bin/python -m pip install -q --disable-pip-version-check -e ".[dev]"
# Bytecode for the project's own packages (pip compiles only what it installs, and an editable
# install is source): every sweep, link child and document reader process imports them, and
# without .pyc files -- or where PYTHONDONTWRITEBYTECODE is set -- each one compiles them again.
# A venv made with `uv pip install` has no bytecode at all: use its --compile-bytecode.
.venv/bin/python -m compileall -q -j 0 govpatrol spiders pipelines crawlers scheduler simweb >/dev/null
echo "install: done (.venv/bin/govpatrol)" >&2

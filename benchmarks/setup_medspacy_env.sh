#!/usr/bin/env bash
# Create the isolated medspaCy virtualenv used by the benchmarks (medspaCy pins spaCy<3.8,
# so it must not be installed into the main environment).
#
#   bash benchmarks/setup_medspacy_env.sh            # creates /work/main/.venv-medspacy
#   MEDSPACY_VENV=/path/to/venv bash benchmarks/setup_medspacy_env.sh
#
# Idempotent: an existing venv with medspacy importable is left as is. ".venv*" is gitignored.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${MEDSPACY_VENV:-${REPO_ROOT}/.venv-medspacy}"
PYTHON="${PYTHON:-python3.11}"

if [ -x "${VENV}/bin/python" ] && "${VENV}/bin/python" -c "import medspacy" >/dev/null 2>&1; then
    echo "medspaCy venv already present: ${VENV}"
    exit 0
fi

echo "creating ${VENV} with ${PYTHON}"
"${PYTHON}" -m venv "${VENV}"
"${VENV}/bin/python" -m pip install --quiet --upgrade pip
"${VENV}/bin/python" -m pip install --quiet medspacy
"${VENV}/bin/python" -c "import medspacy, spacy; print('medspacy', medspacy.__version__, 'spacy', spacy.__version__)"
echo "done: ${VENV}/bin/python"

#!/usr/bin/env bash
# CI, second job: the UI tests against the newest Textual release the pin in pyproject.toml allows, in a venv
# of its own (a plain one: nothing leaks in from the system's site-packages), so that a new Textual that
# breaks a private name (siliconchat/ui/textual_seams.py) or the UI fails here before users install it.
#
# It runs even when that release is the one the main job tested: the whole UI set fits the 10-minute CI budget
# (measured on a 2-core machine: about 1 minute to install, 2 for the UI tests, beside the main job's 3 to 4.5).
set -euo pipefail
cd "$(dirname "$0")/.."
export PIP_ROOT_USER_ACTION=ignore PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
source .ci/pytest_status.sh

TEXTUAL_PIN="textual>=8.2.6,<9"  # as in pyproject.toml
UI_TESTS=(tests/test_ui_*.py tests/test_snapshots*.py tests/test_textual_seams.py)

venv="$(mktemp -d)/venv"
trap 'rm -rf "$(dirname "$venv")"' EXIT

echo "== newest Textual: a fresh venv, pip install -e .[dev] \"$TEXTUAL_PIN\" --upgrade"
python3 -m venv "$venv"
"$venv/bin/python" -m pip install -q -e ".[dev]" "$TEXTUAL_PIN" --upgrade
"$venv/bin/python" - <<'PY'
import importlib.metadata as m
print(f"textual {m.version('textual')}, rich {m.version('rich')}")
PY

echo "== newest Textual: the UI tests (the fidelity oracle with fewer examples: the main job runs it in full)"
SILICONCHAT_FIDELITY_EXAMPLES=10 run_pytest "$venv/bin/python" -m pytest -q "${UI_TESTS[@]}"

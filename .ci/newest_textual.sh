#!/usr/bin/env bash
# CI, second job: the UI tests against the newest Textual release the pin in pyproject.toml allows, in a venv
# of its own (a plain one: nothing leaks in from the system's site-packages), so that a new Textual that
# breaks a private name (siliconchat/ui/textual_seams.py) or the UI fails here before users install it.
#
# It runs even when that release is the one the main job tested (about 1 minute to install, 1.5 for the tests).
# `.ci/run` installs it in the background while the main job's tests run (`newest_textual.sh install VENV`),
# then runs its tests (`newest_textual.sh test VENV`); with no argument it does both, in a venv of its own.
set -euo pipefail
cd "$(dirname "$0")/.."
export PIP_ROOT_USER_ACTION=ignore PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
source .ci/pytest_status.sh

TEXTUAL_PIN="textual>=8.2.6,<9"  # as in pyproject.toml
# All the UI tests (the seams, the snapshots, the screen-fidelity cases and oracle, the app driven by Pilot): what
# a new Textual breaks. On every core, as the main job (pyproject.toml's addopts): about 1.5 minutes here.
UI_TESTS=(tests/ui)

install() {
    local venv="$1"
    echo "== newest Textual: a fresh venv, pip install -e .[dev] \"$TEXTUAL_PIN\" --upgrade"
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install -q -e ".[dev]" "$TEXTUAL_PIN" --upgrade
    "$venv/bin/python" - <<'PY'
import importlib.metadata as m
print(f"textual {m.version('textual')}, rich {m.version('rich')}")
PY
}

run_tests() {
    local venv="$1"
    echo "== newest Textual: the UI tests"
    run_pytest "$venv/bin/python" -m pytest -q "${UI_TESTS[@]}"
}

case "${1:-}" in
    install) install "$2" ;;
    test) run_tests "$2" ;;
    *)
        venv="$(mktemp -d)/venv"
        trap 'rm -rf "$(dirname "$venv")"' EXIT
        install "$venv"
        run_tests "$venv"
        ;;
esac

"""CI: the sdist is a tree that tests itself, and the wheel is the package alone.

Builds both with ``python -m build`` (the wheel from the sdist, as pip does) from a copy of the files git
sees (a build in the work tree would reuse the file list of an earlier build left in ``*.egg-info``), then
checks that the sdist holds every tracked file of the package and of the tests (conftest.py, the support
modules, the snapshots) with the project files, that the unpacked sdist collects its tests, and that the
wheel holds the package (its styles too) and nothing else. Exits 1 with the missing or extra names.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROJECT_FILES = {"pyproject.toml", "README.md", "LICENSE", "CHANGELOG.md"}


def tracked(*folders: str, untracked: bool = False) -> set[str]:
    """The files git tracks under ``folders`` (with ``untracked``, also the new files it does not ignore)."""
    more = ["--others", "--exclude-standard"] if untracked else []
    out = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files", "--cached", *more, "--", *folders],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return {name for name in out.splitlines() if (ROOT / name).is_file()}


def build(outdir: Path, source: Path) -> tuple[Path, Path]:
    for name in tracked(untracked=True):
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, source / name)
    subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(outdir), str(source)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    (sdist,) = outdir.glob("*.tar.gz")
    (wheel,) = outdir.glob("*.whl")
    return sdist, wheel


def sdist_problems(sdist: Path, unpack_to: Path) -> list[str]:
    with tarfile.open(sdist) as archive:
        names = archive.getnames()
        archive.extractall(unpack_to, filter="data")
    top = names[0].split("/", 1)[0]
    inside = {name.split("/", 1)[1] for name in names if "/" in name}
    missing = sorted((tracked("siliconchat", "tests") | PROJECT_FILES) - inside)
    problems = [f"sdist lacks {name}" for name in missing]
    tree = unpack_to / top
    collected = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"],
        cwd=tree,
        capture_output=True,
        text=True,
    )
    if collected.returncode != 0:
        problems.append("the unpacked sdist does not collect its tests:\n" + collected.stdout[-3000:])
    return problems


def wheel_problems(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    package = {name for name in tracked("siliconchat") if name.endswith((".py", ".tcss"))}
    problems = [f"wheel lacks {name}" for name in sorted(package - names)]
    extra = sorted(name for name in names if not name.startswith(("siliconchat/", "siliconchat-")))
    problems += [f"wheel holds {name} (only the package belongs in it)" for name in extra]
    return problems


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="siliconchat-dist-") as folder:
        outdir = Path(folder)
        sdist, wheel = build(outdir / "dist", outdir / "source")
        problems = sdist_problems(sdist, outdir / "unpacked") + wheel_problems(wheel)
        for problem in problems:
            print(f"check_dist: {problem}", file=sys.stderr)
        if not problems:
            print(f"check_dist: {sdist.name} and {wheel.name} hold what they should")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

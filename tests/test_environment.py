"""pyproject.toml, requirements.lock and environment.yml agree: each direct dependency is pinned once, exactly.

The comparison functions are tested on small in-memory examples first, so a failure of the real check can be
trusted to mean the files disagree.
"""

from __future__ import annotations

import re
import tomllib

import pytest
import yaml

from helpers.paths import LOCK_FILE, REPO_ROOT

# conda-forge packages that install what the PyPI package of another name installs (see environment.yml).
CONDA_TO_PYPI: dict[str, str] = {
    "dask-core": "dask",
    "matplotlib-base": "matplotlib",
    "nbconvert-core": "nbconvert",
    "pandera-core": "pandera",
    "seaborn-base": "seaborn",
}
# PyPI packages whose conda-forge namesake is something else: they belong in environment.yml's pip section.
PIP_ONLY: dict[str, str] = {"opencc": "conda-forge's opencc is the C library, not the Python bindings"}
LOCK_LINE = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>[A-Za-z0-9][A-Za-z0-9.+!_-]*)$")
SPEC = re.compile(
    r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:(?P<op>==|=|>=|<=|~=|>|<)\s*(?P<version>\S+))?$"
)


def normalize(name: str) -> str:
    """The comparable form of a package name (PEP 503): PyYAML, pyyaml and py_yaml are one package."""
    return re.sub(r"[-_.]+", "-", name).lower()


def read_direct_dependencies(pyproject_text: str) -> list[str]:
    """Normalized names of [project].dependencies, without versions, extras or markers."""
    dependencies = tomllib.loads(pyproject_text)["project"]["dependencies"]
    return [normalize(re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", d).group()) for d in dependencies]


def read_lock(lock_text: str) -> tuple[dict[str, str], list[str]]:
    """Pinned versions by normalized name, and the lines that are not `name==version`."""
    pins, bad = {}, []
    for number, line in enumerate(lock_text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        match = LOCK_LINE.match(line)
        if match:
            pins[normalize(match["name"])] = match["version"]
        else:
            bad.append(f"requirements.lock line {number}: {line!r} is not name==version")
    return pins, bad


def read_environment(yml_text: str) -> tuple[dict[str, tuple[str, str | None, str | None]], list[str]]:
    """Entries of environment.yml by PyPI name: (section, operator, version); and entries listed twice."""
    entries: dict[str, tuple[str, str | None, str | None]] = {}
    repeated = []

    def add(spec: str, section: str) -> None:
        match = SPEC.match(spec.strip())
        if not match:
            repeated.append(f"environment.yml: cannot read {spec!r}")
            return
        name = normalize(match["name"])
        name = CONDA_TO_PYPI.get(name, name) if section == "conda" else name
        if name in entries:
            repeated.append(f"{name}: listed twice in environment.yml")
        entries[name] = (section, match["op"], match["version"])

    for item in yaml.safe_load(yml_text).get("dependencies", []):
        if isinstance(item, dict):
            for spec in item.get("pip", []):
                if not spec.startswith("-"):  # -e . and other pip options
                    add(spec, "pip")
        else:
            add(str(item), "conda")
    return entries, repeated


def compare(direct: list[str], lock: dict[str, str], environment: dict) -> list[str]:
    """Every way the three files disagree about the direct dependencies, one sentence each."""
    problems = []
    for name in direct:
        if name not in lock:
            problems.append(f"{name}: a direct dependency missing from requirements.lock")
        if name not in environment:
            problems.append(f"{name}: a direct dependency missing from environment.yml")
            continue
        section, operator, version = environment[name]
        if name in PIP_ONLY and section != "pip":
            problems.append(f"{name}: belongs in environment.yml's pip section ({PIP_ONLY[name]})")
        if operator != "==":
            problems.append(
                f"{name}: environment.yml ({section}) must pin it with '==', not {operator or 'nothing'}"
            )
        elif name in lock and version != lock[name]:
            problems.append(
                f"{name}: environment.yml ({section}) pins {version}, requirements.lock pins {lock[name]}"
            )
    return problems


# --- the comparison, on examples ----------------------------------------------------------------------------

PYPROJECT = """
[project]
name = "example"
dependencies = ["pandas", "PyYAML", "opencc", "dask", "seaborn", "tqdm>=4"]
"""
LOCK = """# a comment
dask==2026.8.0
OpenCC==1.4.2
pandas==3.1.1
PyYAML==6.0.4
seaborn==0.13.2
tqdm==4.70.1
"""
GOOD_YML = """
channels: [conda-forge]
dependencies:
  - python=3.11
  - pandas==3.1.1
  - pyyaml==6.0.4
  - dask-core==2026.8.0
  - seaborn-base==0.13.2
  - tqdm==4.70.1
  - pip:
      - OpenCC==1.4.2
      - -e .
"""


def test_reading_names_and_pins():
    assert read_direct_dependencies(PYPROJECT) == ["pandas", "pyyaml", "opencc", "dask", "seaborn", "tqdm"]
    pins, bad = read_lock(LOCK)
    assert pins["opencc"] == "1.4.2" and pins["pyyaml"] == "6.0.4" and bad == []
    entries, repeated = read_environment(GOOD_YML)
    assert entries["dask"] == ("conda", "==", "2026.8.0")
    assert entries["opencc"] == ("pip", "==", "1.4.2")
    assert entries["python"] == ("conda", "=", "3.11") and repeated == []


def test_matching_files_agree():
    pins, _ = read_lock(LOCK)
    entries, _ = read_environment(GOOD_YML)
    assert compare(read_direct_dependencies(PYPROJECT), pins, entries) == []


def test_a_wrong_environment_yml_is_caught():
    wrong = """
dependencies:
  - pandas==3.1.0
  - dask-core=2026.8.0
  - seaborn==0.13.2
  - tqdm==4.70.1
  - tqdm==4.70.1
  - pip:
      - OpenCC==1.4.2
"""
    pins, _ = read_lock(LOCK)
    entries, repeated = read_environment(wrong)
    assert compare(read_direct_dependencies(PYPROJECT), pins, entries) == [
        "pandas: environment.yml (conda) pins 3.1.0, requirements.lock pins 3.1.1",
        "pyyaml: a direct dependency missing from environment.yml",
        "dask: environment.yml (conda) must pin it with '==', not =",  # conda's = also matches 2026.8.0.1
    ]  # seaborn is conda-forge's full seaborn here, and pinned right: the name is the only difference
    assert repeated == ["tqdm: listed twice in environment.yml"]


def test_opencc_from_conda_is_caught():
    pins, _ = read_lock(LOCK)
    entries, _ = read_environment(
        GOOD_YML.replace("  - pip:\n      - OpenCC==1.4.2", "  - opencc==1.4.2\n  - pip:")
    )
    assert entries["opencc"] == ("conda", "==", "1.4.2")
    assert compare(read_direct_dependencies(PYPROJECT), pins, entries) == [
        "opencc: belongs in environment.yml's pip section (conda-forge's opencc is the C library, not the Python "
        "bindings)"
    ]


def test_a_dependency_missing_from_the_lock_is_caught():
    pins, _ = read_lock(LOCK.replace("tqdm==4.70.1\n", ""))
    entries, _ = read_environment(GOOD_YML)
    assert compare(read_direct_dependencies(PYPROJECT), pins, entries) == [
        "tqdm: a direct dependency missing from requirements.lock"
    ]


def test_unpinned_lock_lines_are_caught():
    _, bad = read_lock("pandas>=3\n# fine\nnumpy\nrequests==2.34.2\n")
    assert bad == [
        "requirements.lock line 1: 'pandas>=3' is not name==version",
        "requirements.lock line 3: 'numpy' is not name==version",
    ]


@pytest.mark.parametrize(
    ("name", "same"), [("PyYAML", "pyyaml"), ("jupyter_core", "Jupyter-Core"), ("a.b", "a-b")]
)
def test_normalize(name, same):
    assert normalize(name) == normalize(same)


# --- the real files -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def files() -> dict[str, str]:
    return {
        "pyproject": (REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"),
        "lock": LOCK_FILE.read_text(encoding="utf-8"),
        "environment": (REPO_ROOT / "environment.yml").read_text(encoding="utf-8"),
    }


def test_lock_pins_every_line_with_double_equals(files):
    pins, bad = read_lock(files["lock"])
    assert bad == []
    assert len(pins) > len(read_direct_dependencies(files["pyproject"]))  # transitive pins too


def test_pyproject_lock_and_environment_agree(files):
    pins, _ = read_lock(files["lock"])
    entries, repeated = read_environment(files["environment"])
    assert repeated == []
    assert compare(read_direct_dependencies(files["pyproject"]), pins, entries) == []


def test_environment_yml_shape(files):
    environment = yaml.safe_load(files["environment"])
    assert environment["channels"] == ["conda-forge"]
    assert "python=3.11" in environment["dependencies"]
    pip = next(item["pip"] for item in environment["dependencies"] if isinstance(item, dict))
    assert "-e ." in pip
    requires = tomllib.loads(files["pyproject"])["project"]["requires-python"]
    assert requires == ">=3.11"  # python=3.11 above satisfies it; change both together

"""Parameters of a build: parameter files (YAML), `-p key=value` settings, and their resolution per notebook.

Everything is checked before any kernel starts. A name no selected notebook declares, a value of the wrong type
or outside its allowed set is a `ParameterError` that names the parameter, the notebook and what is allowed
(the rules are `helpers.params.RULES`; names without a rule must keep the type of their default).

A parameter file:

    description: Money in US dollars          # optional, shown in the report
    run: usd                                  # optional run (folder) name; default: the file's name
    parameters: {currency: USD}               # for every notebook that declares the name
    notebooks: {07_synthesis: {n_draws: 500}} # for one notebook only (or a list: the notebooks to build)
    grid: {city: all, lang: [en, zh-Hant]}    # one execution per combination (see `read_grid`)

A grid turns one notebook into a job per parameter set: every combination of the listed values of the names
it declares. `all` stands for every allowed value (for `city`: every place id of data/cities.csv).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from helpers.params import RULES, ParameterError, check_value
from helpers.readers import ReadError, cap_lines, load_yaml_text, read_yaml
from helpers.report.config import DEFAULT_RUN, RUN_NAME_PATTERN, RUNNER_PARAMETERS
from helpers.report.notebooks import NotebookInfo

FILE_KEYS = ("description", "run", "parameters", "notebooks", "grid")
GRID_ALL = "all"


class ParamsFileError(ValueError):
    """A parameter file that cannot be read, is not valid YAML, or does not have the expected shape."""


@dataclass(frozen=True)
class ParamsFile:
    """A parsed parameter file."""

    path: Path | None = None
    description: str = ""
    run: str | None = None
    parameters: dict[str, object] = field(default_factory=dict)
    notebooks: dict[str, dict[str, object]] = field(default_factory=dict)
    select: tuple[str, ...] = ()  # `notebooks:` given as a list: only these notebooks
    grid: dict[str, object] = field(default_factory=dict)  # name -> list of values, or "all"


def read_params_file(path: Path) -> ParamsFile:
    """Parse a YAML parameter file.

    Raises:
        ParamsFileError: unreadable file, invalid YAML, unknown top-level keys or sections of the wrong shape.
    """
    try:
        document = read_yaml(Path(path), f"parameter file {path}")
    except ReadError as error:
        raise ParamsFileError(str(error)) from None
    if document is None:
        document = {}
    if not isinstance(document, dict):
        raise ParamsFileError(
            f"parameter file {path} must be a mapping with keys {', '.join(FILE_KEYS)}; got {type(document).__name__}"
        )
    unknown = [key for key in document if key not in FILE_KEYS]
    if unknown:
        raise ParamsFileError(
            f"parameter file {path}: unknown key(s) {', '.join(map(repr, unknown))}; "
            f"expected {', '.join(FILE_KEYS)} (put parameters under 'parameters:')"
        )
    parameters = document.get("parameters") or {}
    notebooks = document.get("notebooks") or {}
    if not isinstance(parameters, dict):
        raise ParamsFileError(f"parameter file {path}: 'parameters' must map names to values")
    select: tuple[str, ...] = ()
    if isinstance(notebooks, list) and all(isinstance(v, (str, int)) for v in notebooks):
        select, notebooks = tuple(str(v) for v in notebooks), {}
    if not isinstance(notebooks, dict) or not all(isinstance(v, dict) for v in notebooks.values()):
        raise ParamsFileError(
            f"parameter file {path}: 'notebooks' must map notebook names to parameter mappings, "
            "or list the notebooks to build"
        )
    grid = document.get("grid") or {}
    if not isinstance(grid, dict):
        raise ParamsFileError(f"parameter file {path}: 'grid' must map parameter names to lists of values")
    for name, values in grid.items():
        if not (isinstance(values, list) and values) and values != GRID_ALL:
            raise ParamsFileError(
                f"parameter file {path}: grid {name!r} must be a non-empty list of values or {GRID_ALL!r}"
            )
    run = document.get("run")
    if run is not None and not isinstance(run, str):
        raise ParamsFileError(f"parameter file {path}: 'run' must be text, got {run!r}")
    return ParamsFile(
        path=Path(path),
        description=str(document.get("description") or ""),
        run=run,
        parameters={str(k): v for k, v in parameters.items()},
        notebooks={str(nb): {str(k): v for k, v in values.items()} for nb, values in notebooks.items()},
        select=select,
        grid={str(k): v for k, v in grid.items()},
    )


def parse_grid_setting(setting: str, default: object = None) -> tuple[str, object]:
    """Split `--grid name=v1,v2` into (name, [typed values]) or (name, "all").

    Raises:
        ParameterError: no "=", an empty name or no values.
    """
    name, sep, text = setting.partition("=")
    name = name.strip()
    values = [item.strip() for item in text.split(",") if item.strip()]
    if not sep or not name or not values:
        raise ParameterError(f"--grid {setting!r}: expected name=value1,value2,... (or name=all)")
    if values == [GRID_ALL]:
        return name, GRID_ALL
    return name, [convert_text(name, value, default) for value in values]


def convert_text(name: str, text: str, default: object = None) -> object:
    """Turn the text of `-p name=text` into the type its rule (or its default) asks for.

    Text that does not convert is returned unchanged, so that validation reports the wrong type.
    """
    rule = RULES.get(name)
    kind = rule.kind if rule else (type(default) if default is not None else None)
    if kind is str:
        return text
    if kind is bool:
        lowered = text.lower()
        return {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}.get(
            lowered, text
        )
    if kind is int:
        return int(text) if re.fullmatch(r"[+-]?\d+", text.strip()) else text
    if kind is float:
        try:
            return float(text)
        except ValueError:
            return text
    if kind is list and not text.strip().startswith("["):
        return [item.strip() for item in text.split(",") if item.strip()]
    try:
        return load_yaml_text(text, f"-p {name}")
    except ReadError:
        return text


def parse_setting(setting: str) -> tuple[str | None, str, str]:
    """Split `-p` text "name=value" or "notebook.name=value" into (notebook or None, name, value text).

    Raises:
        ParameterError: no "=", or an empty name.
    """
    name, sep, value = setting.partition("=")
    name = name.strip()
    if not sep or not name:
        raise ParameterError(f"-p {setting!r}: expected name=value (or notebook.name=value)")
    notebook, dot, bare = name.rpartition(".")
    return (notebook if dot else None), bare, value


def check_override(name: str, value: object, info: NotebookInfo) -> str | None:
    """Why `value` is not allowed for `name` in notebook `info`, or None."""
    rule = RULES.get(name)
    if rule is not None:
        return check_value(name, value, rule)
    default = info.parameters[name].default
    if (
        default is None
        or isinstance(value, type(default))
        and not (isinstance(value, bool) and not isinstance(default, bool))
    ):
        return None
    return f"expected {type(default).__name__} like the default {default!r}; got {type(value).__name__} {value!r}"


def describe_declared(info: NotebookInfo) -> str:
    """ "lang, currency, ..." : the names a notebook declares (without the runner's own)."""
    names = [n for n in info.parameters if n not in RUNNER_PARAMETERS]
    return ", ".join(names) or "no parameters"


def describe_all(infos: list[NotebookInfo]) -> str:
    """ "01_quantum, 02_bci declare lang, currency; 07_synthesis declares ...": notebooks grouped by what they
    declare, so the message stays short."""
    groups: dict[str, list[str]] = {}
    for info in infos:
        groups.setdefault(describe_declared(info), []).append(info.name)
    return "; ".join(
        f"{', '.join(names)} {'declares' if len(names) == 1 else 'declare'} {declared}"
        for declared, names in groups.items()
    )


def allowed_text(name: str, info: NotebookInfo) -> str:
    """What `name` accepts in `info`, for messages."""
    rule = RULES.get(name)
    return rule.describe() if rule else f"{type(info.parameters[name].default).__name__}"


def resolve_parameters(
    infos: list[NotebookInfo],
    common: Mapping[str, object],
    per_notebook: Mapping[str, Mapping[str, object]],
    check_rules: bool = True,
) -> dict[str, dict[str, object]]:
    """Return, per notebook, its defaults updated with the settings that apply to it.

    Args:
        infos: the selected notebooks.
        common: settings for every notebook that declares the name.
        per_notebook: notebook name -> settings for that notebook only.
        check_rules: also check types and allowed values (names are always checked).

    Raises:
        ParameterError: every problem found, one per line, each naming parameter, notebook and what is allowed.
    """
    problems: list[str] = []
    by_name = {info.name: info for info in infos}
    for name in common:
        if name in RUNNER_PARAMETERS:
            problems.append(
                f"parameter {name!r} is set by the report runner for each notebook; do not set it"
            )
        elif not any(name in info.parameters for info in infos):
            problems.append(f"unknown parameter {name!r}: no notebook declares it ({describe_all(infos)})")
    for notebook, values in per_notebook.items():
        if notebook not in by_name:
            problems.append(
                f"parameters for {notebook!r}, which is not among the selected notebooks ({', '.join(by_name)})"
            )
            continue
        for name in values:
            if name in RUNNER_PARAMETERS:
                problems.append(f"{notebook}: parameter {name!r} is set by the report runner; do not set it")
            elif name not in by_name[notebook].parameters:
                problems.append(
                    f"{notebook}: unknown parameter {name!r}; {notebook} declares {describe_declared(by_name[notebook])}"
                )
    resolved: dict[str, dict[str, object]] = {}
    for info in infos:
        values = dict(info.defaults)
        overrides = {k: v for k, v in common.items() if k in info.parameters and k not in RUNNER_PARAMETERS}
        overrides.update(
            {
                k: v
                for k, v in per_notebook.get(info.name, {}).items()
                if k in info.parameters and k not in RUNNER_PARAMETERS
            }
        )
        if check_rules:
            for name, value in overrides.items():
                why = check_override(name, value, info)
                if why:
                    meaning = f" ({RULES[name].meaning})" if name in RULES else ""
                    problems.append(f"{info.name}: parameter {name!r}{meaning}: {why}")
        values.update(overrides)
        values.pop("output_dir", None)
        resolved[info.name] = values
    if problems:
        raise ParameterError("\n".join(cap_lines(list(dict.fromkeys(problems)))))
    return resolved


def slug(value: object) -> str:
    """A short file-name-safe rendering of a parameter value."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)
    return re.sub(r"[^A-Za-z0-9._-]+", "-", str(text)).strip("-") or "x"


def choose_run_name(
    explicit: str | None,
    params_file: ParamsFile | None,
    settings: Mapping[str, object],
    subset: tuple[str, ...] = (),
) -> str:
    """The run (folder) name: `--run`, else the file's `run:` or its name, else "default"; settings given with
    -p are appended as name-value pairs (hashed when long), so different parameters never share a folder, and
    so are the numbers of the notebooks when only some are built (`default+01+07`), so that a partial build
    never replaces a whole report.

    Raises:
        ParameterError: an explicit or file run name with characters other than letters, digits, ". _ + -".
    """
    if explicit:
        name = explicit
    else:
        name = (params_file.run or params_file.path.stem) if params_file and params_file.path else DEFAULT_RUN
        if subset:
            name += "+" + "+".join(notebook.split("_", 1)[0] for notebook in subset)
        if settings:
            pairs = "+".join(f"{k}-{slug(v)}" for k, v in sorted(settings.items()))
            digest = hashlib.sha256(pairs.encode()).hexdigest()[:10]
            name = f"{name}+{pairs}" if len(name) + len(pairs) < 70 else f"{name}+{digest}"
    if not RUN_NAME_PATTERN.match(name):
        raise ParameterError(
            f"run name {name!r}: use letters, digits, '.', '_', '+' or '-' (at most 80, not starting with '.')"
        )
    return name

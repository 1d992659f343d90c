"""Save a notebook's figures and tables with a caption and the fact ids they use, for the report to collect.

Each notebook opens one `OutputSink`; it writes `figures/<name>.png` and `.svg`, `tables/<name>.csv` and
`outputs.json` (the registry the report runner reads) under the notebook's output folder. Same inputs, same
bytes: PNGs carry no timestamp, SVGs a fixed hash salt and no date, CSVs fixed line endings.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import matplotlib as mpl
import pandas as pd

from helpers.data import Dataset
from helpers.i18n import Labels
from helpers.paths import REPO_ROOT, REPORTS_DIR

REGISTRY_NAME = "outputs.json"
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_\-]*$")


def resolve_output_dir(notebook: str, output_dir: str | Path | None) -> Path:
    """The folder for a notebook's outputs: `output_dir` (relative paths from the repository root) or
    reports/interactive/<notebook> when it is empty."""
    if not output_dir:
        return REPORTS_DIR / "interactive" / notebook
    path = Path(output_dir)
    return path if path.is_absolute() else REPO_ROOT / path


class OutputSink:
    """Where one notebook saves its figures and tables.

    Args:
        notebook: the notebook's id, e.g. "01_quantum".
        output_dir: folder (see resolve_output_dir).
        dataset: the loaded data, to check fact ids and write the source line.
        labels: labels in the notebook's language, for the source line.
    """

    def __init__(self, notebook: str, output_dir: str | Path | None, dataset: Dataset, labels: Labels):
        self.notebook = notebook
        self.root = resolve_output_dir(notebook, output_dir)
        self.dataset = dataset
        self.labels = labels
        (self.root / "figures").mkdir(parents=True, exist_ok=True)
        (self.root / "tables").mkdir(parents=True, exist_ok=True)
        self.registry: dict = {"notebook": notebook, "lang": labels.lang, "figures": [], "tables": []}
        self._write_registry()

    def _check(self, name: str, fact_ids: list[str], kind: str, roles: list[tuple[str, str]] = ()) -> None:
        if not NAME_PATTERN.match(name):
            raise ValueError(
                f"{self.notebook}: {kind} name {name!r} must be lower-case letters, digits, _ or -"
            )
        if not fact_ids and not roles:
            raise ValueError(
                f"{self.notebook}: {kind} {name!r} needs the ids of the facts it uses "
                "or the (sector, place) city roles it draws on"
            )
        known = set(self.dataset.facts["fact_id"])
        unknown = [f for f in fact_ids if f not in known]
        if unknown:
            raise ValueError(f"{self.notebook}: {kind} {name!r} cites unknown fact id(s) {unknown}")
        known_roles = set(
            zip(self.dataset.city_roles["sector"], self.dataset.city_roles["place"], strict=True)
        )
        unknown_roles = [tuple(r) for r in roles if tuple(r) not in known_roles]
        if unknown_roles:
            raise ValueError(
                f"{self.notebook}: {kind} {name!r} cites (sector, place) pairs not in data/city_roles.csv: "
                f"{unknown_roles}"
            )

    def source_line(
        self, fact_ids: list[str], extra_sources: tuple[str, ...] = (), roles: list[tuple[str, str]] = ()
    ) -> str:
        """ "Source: anue-2025-10-27 ¶6, 7" for the facts and city roles used (plus any extra source ids)."""
        facts = self.dataset.facts.set_index("fact_id").loc[list(dict.fromkeys(fact_ids))]
        role_table = self.dataset.city_roles.set_index(["sector", "place"])
        role_rows = (
            role_table.loc[[tuple(r) for r in dict.fromkeys(map(tuple, roles))]]
            if roles
            else role_table.iloc[:0]
        )
        cited = pd.concat([facts[["source_id", "locator"]], role_rows[["source_id", "locator"]]])
        parts = []
        for source_id, group in cited.groupby("source_id", sort=True):
            paragraphs = ", ".join(str(int(p)) for p in sorted(set(group["locator"])))
            parts.append(f"{source_id} {self.labels('paragraph')}{paragraphs}")
        parts += [s for s in extra_sources if s not in cited["source_id"].values]
        return f"{self.labels('source')}: " + "; ".join(parts)

    @staticmethod
    def _entry(name: str, caption: str, fact_ids, roles, files: dict) -> dict:
        entry = {"name": name, "caption": caption, "fact_ids": list(fact_ids), "files": files}
        if roles:
            entry["roles"] = [{"sector": sector, "place": place} for sector, place in roles]
        return entry

    def save_figure(
        self,
        fig,
        name: str,
        caption: str,
        fact_ids: list[str] = (),
        extra_sources: tuple[str, ...] = (),
        roles: list[tuple[str, str]] = (),
    ):
        """Add the source line under `fig`, save it as PNG and SVG, and register it. Returns `fig`.

        Cite the facts it shows (`fact_ids`) and/or the city roles it draws on (`roles`: (sector, place) pairs of
        data/city_roles.csv); at least one is required.
        """
        self._check(name, fact_ids, "figure", roles)
        fig.text(0.005, 0.003, self.source_line(fact_ids, extra_sources, roles), ha="left", va="bottom",
                 fontsize=7, color="#555555")  # fmt: skip
        engine = fig.get_layout_engine()
        if engine is not None and hasattr(engine, "set") and "rect" in engine.get():
            engine.set(rect=(0, 0.04, 1, 0.96))
        files = {}
        with mpl.rc_context({"svg.hashsalt": "future-industries"}):
            for extension, metadata in (("png", {"Software": None}), ("svg", {"Date": None})):
                path = self.root / "figures" / f"{name}.{extension}"
                fig.savefig(path, format=extension, metadata=metadata, bbox_inches="tight", pad_inches=0.15)
                files[extension] = f"figures/{name}.{extension}"
        self._register("figures", self._entry(name, caption, fact_ids, roles, files))
        return fig

    def save_table(
        self,
        table: pd.DataFrame,
        name: str,
        caption: str,
        fact_ids: list[str] = (),
        roles: list[tuple[str, str]] = (),
    ) -> pd.DataFrame:
        """Write `table` as CSV (UTF-8, "\\n" line ends) and register it. Returns the table for display.

        Cite `fact_ids` and/or `roles` ((sector, place) pairs of data/city_roles.csv), at least one.
        """
        self._check(name, fact_ids, "table", roles)
        path = self.root / "tables" / f"{name}.csv"
        table.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")
        self._register("tables", self._entry(name, caption, fact_ids, roles, {"csv": f"tables/{name}.csv"}))
        return table

    def _register(self, section: str, entry: dict) -> None:
        entries = [e for e in self.registry[section] if e["name"] != entry["name"]]
        position = next((i for i, e in enumerate(self.registry[section]) if e["name"] == entry["name"]), None)
        entries.insert(len(entries) if position is None else position, entry)
        self.registry[section] = entries
        self._write_registry()

    def _write_registry(self) -> None:
        text = json.dumps(self.registry, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
        (self.root / REGISTRY_NAME).write_text(text, encoding="utf-8")

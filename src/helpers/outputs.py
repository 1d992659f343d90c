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

from helpers import plots, tables
from helpers.data import Dataset
from helpers.i18n import Labels
from helpers.paths import REPO_ROOT, REPORTS_DIR

REGISTRY_NAME = "outputs.json"
PAD_INCHES = 0.15  # white margin around a saved figure
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_\-]*$")


def resolve_output_dir(notebook: str, output_dir: str | Path | None) -> Path:
    """The folder for a notebook's outputs: `output_dir` (relative paths from the repository root) or
    reports/interactive/<notebook> when it is empty."""
    if not output_dir:
        return REPORTS_DIR / "interactive" / notebook
    path = Path(output_dir)
    return path if path.is_absolute() else REPO_ROOT / path


def show_saved_figure(fig, png: Path, width_px: int) -> None:
    """In a Jupyter kernel, show the PNG just saved (at the figure's screen size) instead of letting the inline
    backend draw the figure a third time, and close the figure; elsewhere do nothing. The notebook then shows
    exactly the file the report publishes."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency
        return
    shell = get_ipython()
    if shell is None or getattr(shell, "kernel", None) is None:
        return
    import matplotlib.pyplot as plt
    from IPython.display import Image, display

    display(Image(data=png.read_bytes(), format="png", width=width_px))
    plt.close(fig)
    fig.shown_as_saved = True


def show(fig) -> None:
    """Display `fig` once in the notebook and close it, so the inline backend does not show it again (the
    number of figure outputs then no longer depends on how the kernel set up matplotlib; nbval compares it).
    A figure that OutputSink.save_figure has already shown is not shown twice."""
    if getattr(fig, "shown_as_saved", False):
        return
    import matplotlib.pyplot as plt
    from IPython.display import display  # imported lazily: only notebooks display

    plt.close(fig)
    display(fig)


SOURCE_LINE_MAX = 4  # sources named under a figure; more are counted and listed in the sources table


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
            located = sorted({int(p) for p in group["locator"] if not pd.isna(p)})
            paragraphs = ", ".join(map(str, located))
            parts.append(f"{source_id} {self.labels('paragraph')}{paragraphs}" if located else source_id)
        parts += [s for s in extra_sources if s not in cited["source_id"].values]
        if len(parts) > SOURCE_LINE_MAX:  # a line under a figure, not a bibliography
            shown = "; ".join(p.split(" ")[0] for p in parts[:SOURCE_LINE_MAX])
            return self.labels("sources_line_many", shown=shown, n=len(parts) - SOURCE_LINE_MAX)
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
        # The source line hangs under the figure's bottom edge (the saved box takes it in), so nothing drawn in the
        # figure meets it (figure legends are pinned below, once the layout is frozen).
        fig.text(0.005, 0, self.source_line(fact_ids, extra_sources, roles), ha="left", va="top",
                 fontsize=7, color="#555555")  # fmt: skip
        engine = fig.get_layout_engine()
        if engine is not None and hasattr(engine, "set") and "rect" in engine.get():
            engine.set(rect=(0, 0.04, 1, 0.96))
        # Lay the figure out and measure it once, then save both formats with that layout and box: with a
        # layout engine or bbox_inches="tight", every savefig would draw the figure twice.
        fig.draw_without_rendering()
        box = fig.get_tightbbox().padded(PAD_INCHES)
        layout = plots.layout_problems(fig)
        # Freeze that layout. set_layout_engine("none") would leave a placeholder engine, for which savefig
        # still draws once more before saving; no engine at all is what a figure without layout has.
        fig._layout_engine = None
        # Pin figure legends to the figure's frame, where the layout put them: by default they follow the saved
        # box, whose bottom edge is the source line's, and a legend "outside lower right" would sit on it.
        for legend in fig.legends:
            legend.set_bbox_to_anchor((0, 0, 1, 1), transform=fig.transFigure)
        files = {}
        with mpl.rc_context({"svg.hashsalt": "future-industries"}):
            for extension, metadata in (("png", {"Software": None}), ("svg", {"Date": None})):
                path = self.root / "figures" / f"{name}.{extension}"
                fig.savefig(path, format=extension, metadata=metadata, bbox_inches=box)
                files[extension] = f"figures/{name}.{extension}"
        self._register("figures", self._entry(name, caption, fact_ids, roles, files) | {"layout": layout})
        show_saved_figure(fig, self.root / files["png"], round(box.width * fig.dpi))
        return fig

    def sources_table(self, extra_fact_ids=()) -> pd.DataFrame:
        """Where everything this notebook's saved figures and tables cite comes from (plus `extra_fact_ids`,
        facts printed in the prose), headers in the label language: see helpers.tables.sources_table."""
        return tables.sources_table(self.dataset, self.registry, extra_fact_ids, self.labels)

    def disagreements_table(self, extra_fact_ids=()) -> pd.DataFrame:
        """Where the sources disagree about what this notebook cites: see helpers.tables.disagreements_table."""
        return tables.disagreements_table(self.dataset, self.registry, extra_fact_ids, self.labels)

    def save_table(
        self,
        table: pd.DataFrame,
        name: str,
        caption: str,
        fact_ids: list[str] = (),
        roles: list[tuple[str, str]] = (),
    ) -> pd.DataFrame:
        """Write `table` as CSV (UTF-8, "\\n" line ends), register it and print the sources it rests on (the
        line a figure carries under it). Returns the table for display.

        Cite `fact_ids` and/or `roles` ((sector, place) pairs of data/city_roles.csv), at least one.
        """
        self._check(name, fact_ids, "table", roles)
        print(self.source_line(fact_ids, (), roles))
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

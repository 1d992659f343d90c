"""Theme and fonts: an OFL CJK font is found and set for matplotlib and seaborn together."""

import matplotlib
import pytest

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import seaborn as sns

from helpers.plots import FORBIDDEN_FONTS, apply_theme, find_cjk_font, plot_bounded_points


def test_cjk_font_is_noto_or_source_han_never_simhei():
    family, path = find_cjk_font()
    assert family not in FORBIDDEN_FONTS
    assert "SimHei" not in path
    assert family.startswith(("Noto Sans CJK", "Source Han Sans"))


def test_theme_survives_seaborn_and_sets_the_font_first():
    family = apply_theme("zh-Hant")
    assert matplotlib.rcParams["font.family"][0] == family
    sns.barplot(x=["合肥"], y=[93])  # seaborn calls must not reset the font list
    assert matplotlib.rcParams["font.family"][0] == family
    plt.close("all")


def test_bounded_points_use_open_markers_for_bounds():
    apply_theme("en")
    fig, ax = plt.subplots()
    used = plot_bounded_points(ax, ["firms", "patents"], [93, 2000], ["=", ">="], log=True)
    assert used == {"=", ">="}
    faces = [line.get_markerfacecolor() for line in ax.lines if line.get_marker() == "o"]
    assert faces[0] != "white" and faces[1] == "white"  # exact filled, lower bound open
    assert len(ax.texts) == 1  # the arrow of the lower bound
    plt.close(fig)


def test_bounded_points_take_a_colour_and_a_marker_per_point():
    apply_theme("en")
    fig, ax = plt.subplots()
    plot_bounded_points(ax, ["a", "b"], [1, 2], ["=", "<="], colour=["#ff0000", "#0000ff"], marker=["s", "D"])
    points = [line for line in ax.lines if line.get_marker() != "none"]
    assert [(line.get_marker(), line.get_color()) for line in points] == [("s", "#ff0000"), ("D", "#0000ff")]
    assert [line.get_markerfacecolor() for line in points] == ["#ff0000", "white"]  # "<=" drawn open
    assert ax.texts[0].arrow_patch.get_edgecolor()[:3] == (0.0, 0.0, 1.0)  # the arrow in its point's colour
    with pytest.raises(ValueError):  # one colour per point, or one for all
        plot_bounded_points(ax, ["a", "b"], [1, 2], ["=", "="], colour=["#ff0000"])
    plt.close(fig)


def test_the_legend_draws_each_bound_as_the_plot_does():
    # exact: a filled marker alone; lower bound: an open marker with an arrow to the right; upper bound: one to
    # the left of the marker; approximate: an open marker with "~" beside it (it used to look like a lower bound)
    from matplotlib.offsetbox import DrawingArea
    from matplotlib.patches import FancyArrowPatch

    from helpers.plots import bound_legend_handles

    apply_theme("en")
    fig, ax = plt.subplots()
    used = plot_bounded_points(ax, ["a", "b", "c", "d"], [1, 2, 3, 2.5], ["=", ">=", "<=", "~"])
    legend = fig.legend(handles=bound_legend_handles(lambda key: key, used))
    fig.canvas.draw()
    assert [t.get_text() for t in legend.get_texts()] == ["legend_exact", "legend_lower", "legend_upper",
                                                          "legend_approx"]  # fmt: skip
    boxes = legend.findobj(DrawingArea)  # the key of each entry, in order
    kinds = [[type(a).__name__ for a in box.get_children()] for box in boxes]
    assert kinds == [
        ["Line2D"],
        ["Line2D", "FancyArrowPatch"],
        ["Line2D", "FancyArrowPatch"],
        ["Line2D", "Text"],
    ]
    faces = [box.get_children()[0].get_markerfacecolor() for box in boxes]
    assert faces[0] != "white" and faces[1:] == ["white", "white", "white"]
    (mark_low, arrow_low), (mark_up, arrow_up) = boxes[1].get_children(), boxes[2].get_children()
    assert isinstance(arrow_low, FancyArrowPatch)
    x_low = mark_low.get_xdata()[0]
    assert arrow_low._posA_posB[0][0] == x_low < arrow_low._posA_posB[1][0]  # from the marker to the right
    x_up = mark_up.get_xdata()[0]
    assert arrow_up._posA_posB[0][0] == x_up > arrow_up._posA_posB[1][0]  # from the marker to the left
    assert boxes[3].get_children()[1].get_text() == "~"
    plt.close(fig)

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402
from matplotlib.patches import FancyArrowPatch  # noqa: E402

from minirnn.plot.graph import (  # noqa: E402
    BACKWARD_COLOR,
    FORWARD_COLOR,
    draw_rnn_step_graph,
    draw_unrolled_backward,
)


def _texts(ax, prefix):
    """gid suffix -> text artist, for the texts whose gid starts with ``prefix``."""
    return {t.get_gid()[len(prefix):]: t for t in ax.texts
            if (t.get_gid() or "").startswith(prefix)}


def _arrows(ax):
    return [p for p in ax.patches if isinstance(p, FancyArrowPatch)]



def test_step_graph_has_the_four_operations_and_the_arrays():
    ax = draw_rnn_step_graph()
    nodes = {k: t.get_text() for k, t in _texts(ax, "node:").items()}
    ops = sorted(nodes[k] for k in ("matmul_x", "matmul_h", "add", "tanh"))
    assert ops == ["+", "MatMul", "MatMul", "tanh"]
    # a batch at one step is a bold capital, as on the notation page
    for name, label in [("x_t", r"\mathbf{X}_t"), ("W_x", "W_x"), ("h_prev", r"\mathbf{H}_{t-1}"),
                        ("W_h", "W_h"), ("b", "b"), ("h_t", r"\mathbf{H}_t")]:
        assert label in nodes[name]
    # nine edges: x_t, W_x, h_{t-1}, W_h into the MatMuls, their outputs and b into +,
    # a_t into tanh, h_t out
    assert len(_arrows(ax)) == 9
    edges = {k: t.get_text() for k, t in _texts(ax, "edge:").items()}
    assert len(edges) == 9
    assert "(N, D)" in edges["x_t"] and "(H, D)" in edges["W_x"]
    assert "(H, H)" in edges["W_h"] and "(H,)" in edges["b"]
    assert r"\mathbf{A}_t" in edges["a_t"] and "(N, H)" in edges["a_t"]
    assert "(N, H)" in edges["h_t"]
    assert not _texts(ax, "grad:")           # no backward labels unless asked
    assert ax.get_title()


def test_step_graph_backward_labels_are_on_every_edge_in_another_colour():
    ax = draw_rnn_step_graph(backward=True)
    grads = _texts(ax, "grad:")
    edges = _texts(ax, "edge:")
    assert grads.keys() == edges.keys()
    dA = r"d\mathbf{A}_t"
    expected = {"x_t": r"d\mathbf{X}_t = " + dA + r"\,W_x", "W_x": "dW_x", "W_h": "dW_h",
                "b": "db", "a_t": dA + " = ", "h_t": r"d\mathbf{H}_t", "xWx": dA, "hWh": dA,
                # what the step sends back towards H_{t-1}: only the recurrent part
                "h_prev": dA + r"\,W_h"}
    for edge, sym in expected.items():
        assert sym in grads[edge].get_text()
    assert r"1 - \mathbf{H}_t^2" in grads["a_t"].get_text()    # the tanh derivative
    assert r"\sum_n" in grads["b"].get_text()             # bias sums over the batch
    for t in grads.values():
        assert to_rgba(t.get_color()) == to_rgba(BACKWARD_COLOR)
    for t in edges.values():
        assert to_rgba(t.get_color()) == to_rgba(FORWARD_COLOR)
    assert to_rgba(BACKWARD_COLOR) != to_rgba(FORWARD_COLOR)


def test_step_graph_without_shapes_and_on_a_given_axes():
    fig, axes = plt.subplots(1, 2)
    out = draw_rnn_step_graph(ax=axes[1], shapes=False)
    assert out is axes[1]
    assert not axes[0].texts
    edges = {k: t.get_text() for k, t in _texts(out, "edge:").items()}
    assert len(edges) == 9
    assert not any("(N" in label or "(H" in label for label in edges.values())


@pytest.mark.parametrize("T", [1, 3, 5])
def test_unrolled_backward_has_one_cell_loss_and_weight_term_per_step(T):
    ax = draw_unrolled_backward(T)
    nodes = _texts(ax, "node:")
    # steps are numbered 0..T-1 as the arrays index them; the state before step 0 is h_{-1}
    assert {f"step{t}" for t in range(T)} <= nodes.keys()
    assert {f"loss{t}" for t in range(T)} <= nodes.keys()
    assert sum(k.startswith("step") for k in nodes) == T
    assert nodes["step0"].get_text() == "step 0"
    assert r"\mathbf{H}_{-1}" in nodes["h0"].get_text()
    assert "W_h" in nodes and r"\sum_{t=0}^{T-1}" in nodes["W_h"].get_text()
    grads = _texts(ax, "grad:")
    # every step t sends dA_t W_h back to step t-1 (into h_{-1}: all of dH_{-1}),
    # and adds one term to the gradient of W_h
    assert {f"back{t}" for t in range(T)} == {k for k in grads if k.startswith("back")}
    for t in range(T):
        assert rf"d\mathbf{{A}}_{{{t}}} W_h" in grads[f"back{t}"].get_text()
    assert r"d\mathbf{H}_{-1}" in grads["back0"].get_text()
    assert not any(r"d\mathbf{H}" in grads[f"back{t}"].get_text() for t in range(1, T))
    assert {f"dWh{t}" for t in range(T)} <= grads.keys()
    assert "dW_h^{(0)}" in grads["dWh0"].get_text()
    # the loss of every step reaches it directly from above
    assert all(rf"\partial \ell_{{{t}}}" in grads[f"dl{t}"].get_text() for t in range(T))
    assert all(to_rgba(g.get_color()) == to_rgba(BACKWARD_COLOR) for g in grads.values())
    gids = [a.get_gid() for a in _arrows(ax)]
    assert not any(g.startswith("cut:") for g in gids)
    assert sum(g.startswith("arrow:back") for g in gids) == T
    assert str(T) in ax.get_title()


def test_unrolled_backward_marks_the_window_boundaries():
    ax = draw_unrolled_backward(6, window=2)
    gids = [a.get_gid() for a in _arrows(ax)]
    # windows {0,1}, {2,3}, {4,5}: steps 2 and 4 would send dA_2 W_h and dA_4 W_h back
    # over a boundary, so those two are cut and the other four are not
    assert sorted(g for g in gids if g.startswith("cut:")) == ["cut:back2", "cut:back4"]
    assert sum(g.startswith("arrow:back") for g in gids) == 4
    # only the recurrent part is cut: the loss terms of steps 1 and 3, just before the
    # boundaries, still reach their steps
    assert {"arrow:dl1", "arrow:dl3"} <= set(gids)
    # the forward h arrows still cross every boundary
    assert {f"arrow:h{t}" for t in range(-1, 5)} <= set(gids)
    assert sorted(line.get_gid() for line in ax.lines) == ["cut:line2", "cut:line4"]
    assert "k = 2" in ax.get_title()


def _display_paths(ax):
    """(gid, path in display coordinates) of every arrow and line."""
    paths = [(a.get_gid(), ax.transData.transform_path(a.get_path())) for a in _arrows(ax)]
    paths += [(ln.get_gid(), ln.get_transform().transform_path(ln.get_path()))
              for ln in ax.lines]
    return paths


def _crosses(path, box):
    """Whether any segment of ``path`` (sampled densely) passes through ``box``."""
    for poly in path.to_polygons(closed_only=False):
        for a, b in zip(poly[:-1], poly[1:], strict=True):
            pts = a + np.linspace(0.0, 1.0, 40)[:, None] * (b - a)
            inside = ((pts[:, 0] > box.x0) & (pts[:, 0] < box.x1)
                      & (pts[:, 1] > box.y0) & (pts[:, 1] < box.y1))
            if inside.any():
                return True
    return False


def _collisions(ax):
    """Pairs of labels that overlap, and labels that an arrow or line runs through.

    Node boxes are excluded from the second check (arrows end on them by design),
    and so is the cross that marks a cut arrow (it sits on that arrow on purpose).
    """
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    texts = [t for t in ax.texts if t.get_text().strip()]
    boxes = [(t.get_gid(), t.get_window_extent(renderer), t) for t in texts]
    bad = [(g1, g2) for i, (g1, b1, _) in enumerate(boxes) for g2, b2, _ in boxes[i + 1:]
           if b1.overlaps(b2)]
    fig_box = fig.bbox
    bad += [("outside the figure", g) for g, b, _ in boxes
            if b.x0 < fig_box.x0 or b.x1 > fig_box.x1 or b.y0 < fig_box.y0
            or b.y1 > fig_box.y1]
    paths = _display_paths(ax)
    for gid, box, text in boxes:
        if text.get_bbox_patch() is not None or gid.startswith("cut:mark"):
            continue
        bad += [(gid, pgid) for pgid, path in paths if _crosses(path, box)]
    return bad


@pytest.mark.parametrize("draw", [
    lambda: draw_rnn_step_graph(),
    lambda: draw_rnn_step_graph(backward=True),
    lambda: draw_rnn_step_graph(backward=True, shapes=False),
    lambda: draw_unrolled_backward(1),
    lambda: draw_unrolled_backward(4),
    lambda: draw_unrolled_backward(4, window=2),
    lambda: draw_unrolled_backward(6, window=3),
    lambda: draw_unrolled_backward(8, window=3),
], ids=["step", "step-backward", "step-no-shapes", "T1", "T4", "T4-k2", "T6-k3", "T8-k3"])
def test_labels_do_not_collide_with_each_other_or_with_arrows(draw):
    assert _collisions(draw()) == []


def test_the_collision_check_can_fail():
    ax = draw_unrolled_backward(4)
    ax.text(*ax.texts[0].get_position(), "a label on top of another", gid="intruder")
    ax.plot([ax.get_xlim()[0], ax.get_xlim()[1]], [2.7 - 0.45] * 2, gid="through-dh")
    bad = _collisions(ax)
    assert any("intruder" in pair for pair in bad)
    assert ("grad:back1", "through-dh") in bad


def test_unrolled_backward_rejects_bad_sizes():
    with pytest.raises(ValueError, match="T must be an int from 1 to 8, got 0"):
        draw_unrolled_backward(0)
    with pytest.raises(ValueError, match="window must be a positive int or None, got 0"):
        draw_unrolled_backward(4, window=0)

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
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


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_step_graph_has_the_four_operations_and_the_arrays():
    ax = draw_rnn_step_graph()
    nodes = {k: t.get_text() for k, t in _texts(ax, "node:").items()}
    ops = sorted(nodes[k] for k in ("matmul_x", "matmul_h", "add", "tanh"))
    assert ops == ["+", "MatMul", "MatMul", "tanh"]
    for name, label in [("x_t", "x_t"), ("W_x", "W_x"), ("h_prev", "h_{t-1}"),
                        ("W_h", "W_h"), ("b", "b"), ("h_t", "h_t")]:
        assert label in nodes[name]
    # nine edges: x_t, W_x, h_{t-1}, W_h into the MatMuls, their outputs and b into +,
    # a_t into tanh, h_t out
    assert len(_arrows(ax)) == 9
    edges = {k: t.get_text() for k, t in _texts(ax, "edge:").items()}
    assert len(edges) == 9
    assert "(N, D)" in edges["x_t"] and "(H, D)" in edges["W_x"]
    assert "(H, H)" in edges["W_h"] and "(H,)" in edges["b"]
    assert "a_t" in edges["a_t"] and "(N, H)" in edges["a_t"]
    assert "(N, H)" in edges["h_t"]
    assert not _texts(ax, "grad:")           # no backward labels unless asked
    assert ax.get_title()


def test_step_graph_backward_labels_are_on_every_edge_in_another_colour():
    ax = draw_rnn_step_graph(backward=True)
    grads = _texts(ax, "grad:")
    edges = _texts(ax, "edge:")
    assert grads.keys() == edges.keys()
    expected = {"x_t": "dx_t", "W_x": "dW_x", "h_prev": "dh_{t-1}", "W_h": "dW_h",
                "b": "db", "a_t": "da_t", "h_t": "dh_t", "xWx": "da_t", "hWh": "da_t"}
    for edge, sym in expected.items():
        assert sym in grads[edge].get_text()
    assert "1 - h_t^2" in grads["a_t"].get_text()        # the tanh derivative
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
    assert {f"step{t}" for t in range(1, T + 1)} <= nodes.keys()
    assert {f"loss{t}" for t in range(1, T + 1)} <= nodes.keys()
    assert sum(k.startswith("step") for k in nodes) == T
    assert "W_h" in nodes and r"\sum_{t=1}^{T}" in nodes["W_h"].get_text()
    grads = _texts(ax, "grad:")
    # dh flows from every step t back to t-1 (t = T..1), one W_h term per step
    assert {f"dh{t}" for t in range(T)} <= grads.keys()
    assert {f"dWh{t}" for t in range(1, T + 1)} <= grads.keys()
    assert "dW_h^{(1)}" in grads["dWh1"].get_text()
    assert all(to_rgba(g.get_color()) == to_rgba(BACKWARD_COLOR) for g in grads.values())
    gids = [a.get_gid() for a in _arrows(ax)]
    assert not any(g.startswith("cut:") for g in gids)
    assert sum(g.startswith("arrow:dh") for g in gids) == T
    assert str(T) in ax.get_title()


def test_unrolled_backward_marks_the_window_boundaries():
    ax = draw_unrolled_backward(6, window=2)
    gids = [a.get_gid() for a in _arrows(ax)]
    # boundaries after steps 2 and 4: dh_2 and dh_4 are cut, the other dh arrows are not
    assert sorted(g for g in gids if g.startswith("cut:")) == ["cut:dh2", "cut:dh4"]
    assert sum(g.startswith("arrow:dh") for g in gids) == 4
    # the forward h arrows still cross every boundary
    assert {f"arrow:h{t}" for t in range(6)} <= set(gids)
    assert "k = 2" in ax.get_title()


def test_unrolled_backward_rejects_bad_sizes():
    with pytest.raises(ValueError, match="T must be an int from 1 to 8, got 0"):
        draw_unrolled_backward(0)
    with pytest.raises(ValueError, match="window must be a positive int or None, got 0"):
        draw_unrolled_backward(4, window=0)

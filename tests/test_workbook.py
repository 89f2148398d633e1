"""minirnn.workbook: references pass, planted bugs get the right diagnosis, nothing raises."""

import inspect

import numpy as np
import pytest

import minirnn as mr
from minirnn import workbook
from minirnn.lstm import sigmoid
from minirnn.workbook._spec import REGISTRY


def forward_of(name):
    fwd = REGISTRY[name].forward
    return REGISTRY[fwd].reference if fwd else None


# ------------------------------------------------------------------ references pass
@pytest.mark.parametrize("name", workbook.names())
def test_the_reference_of_every_name_passes(name):
    result = workbook.check(name, workbook.reference(name), forward=forward_of(name))
    assert result.passed, str(result)
    assert result.status == "passed" and bool(result)
    assert str(result).startswith(f"{name}: passed")
    if REGISTRY[name].forward or name == "softmax_cross_entropy":
        assert "agree" in str(result) and "numerical derivatives" in str(result)


def test_the_names_asked_for_are_all_there():
    wanted = {"rnn_step_forward", "rnn_step_backward", "rnn_forward", "rnn_backward",
              "softmax_cross_entropy", "embedding_backward", "linear_backward",
              "clip_grad_norm", "batches", "lstm_step_forward", "lstm_step_backward",
              "gru_step_forward", "gru_step_backward"}
    assert wanted <= set(workbook.names())


def test_each_reference_has_the_signature_of_the_spec():
    for name in workbook.names():
        spec = REGISTRY[name]
        params = tuple(inspect.signature(spec.reference).parameters)
        assert params[:len(spec.params)] == spec.params, name


def test_the_module_docstring_lists_every_name_with_its_reference():
    doc = workbook.__doc__
    for name in workbook.names():
        ref = REGISTRY[name].reference_name
        line = next((ln for ln in doc.splitlines() if ln.startswith(f"``{name}``")), None)
        assert line is not None, f"{name} is missing from the table in the docstring"
        assert f":func:`{ref}`" in line, line


def test_unknown_name_is_a_clear_error():
    with pytest.raises(ValueError, match="did you mean rnn_step_backward"):
        workbook.check("rnn_step_backwrd", mr.rnn_step_backward)


def test_forward_is_only_for_backward_functions():
    with pytest.raises(ValueError, match="not a backward function"):
        workbook.check("rnn_step_forward", mr.rnn_step_forward, forward=mr.rnn_step_forward)


# ------------------------------------------------------------------ friendly verdicts
def test_a_stub_is_not_implemented_yet():
    def rnn_step_backward(dh_next, cache):
        raise NotImplementedError

    result = workbook.check("rnn_step_backward", rnn_step_backward)
    assert result.status == "todo" and not result.passed
    text = str(result)
    assert text.splitlines()[0] == "rnn_step_backward: not implemented yet"
    assert "replace the line `raise NotImplementedError`" in text


def test_a_stub_called_by_another_function_is_named():
    def rnn_step_forward(x, h_prev, Wx, Wh, b):
        raise NotImplementedError

    def rnn_forward(xs, h0, Wx, Wh, b):
        h, _ = rnn_step_forward(xs[:, 0], h0, Wx, Wh, b)
        return h

    text = str(workbook.check("rnn_forward", rnn_forward))
    assert "rnn_forward calls rnn_step_forward, which is not implemented yet" in text


def test_an_exception_is_reported_with_the_line_of_the_learners_code():
    def rnn_step_backward(dh_next, cache):
        x, h_prev, Wx, Wh, h_next = cache
        da = dh_next * (1 - h_next ** 2)
        dx = da @ Wx.T     # the wrong transpose: (N, H) @ (D, H)
        return dx, da @ Wh, da.T @ x, da.T @ h_prev, da.sum(axis=0)

    result = workbook.check("rnn_step_backward", rnn_step_backward)
    assert result.status == "error" and not result.passed
    line = inspect.getsourcelines(rnn_step_backward)[1] + 3
    assert result.error.where == f"test_workbook.py, line {line}"
    assert result.error.line == "dx = da @ Wx.T     # the wrong transpose: (N, H) @ (D, H)"
    text = str(result)
    assert f"ValueError at test_workbook.py, line {line}: dx = da @ Wx.T" in text
    assert "matmul" in text and "hint: a matrix product with mismatched shapes" in text
    assert "minirnn" not in result.error.where


def test_an_exception_inside_minirnn_points_to_the_learners_call():
    def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
        return mr.rnn_step_forward(x, h_prev, Wx, Wh, b)   # LSTM weights do not fit

    result = workbook.check("lstm_step_forward", lstm_step_forward)
    assert result.status == "error"
    assert result.error.where.startswith("test_workbook.py, line ")
    assert result.error.line == "return mr.rnn_step_forward(x, h_prev, Wx, Wh, b)   # LSTM " \
                                "weights do not fit"


def test_a_wrong_signature_is_reported_not_raised():
    def rnn_step_backward(cache):
        return cache

    result = workbook.check("rnn_step_backward", rnn_step_backward)
    assert result.status == "error" and result.error.type == "TypeError"
    assert "when rnn_step_backward was called" in str(result)


def test_something_that_is_not_a_function_is_reported():
    result = workbook.check("rnn_step_backward", 3)
    assert not result.passed
    assert "pass the function itself" in str(result)


@pytest.mark.parametrize("returned, message", [
    (None, "returned: None: end the function with `return dx, dh_prev, dWx, dWh, db`"),
    ((1, 2, 3), "returned: 3 values; expected 5: dx, dh_prev, dWx, dWh, db"),
    ("text", "returned: a str; return the 5 values dx, dh_prev, dWx, dWh, db"),
])
def test_the_structure_of_what_is_returned(returned, message):
    result = workbook.check("rnn_step_backward", lambda dh_next, cache: returned)
    assert message in str(result)


def test_outputs_that_are_not_arrays():
    def rnn_step_backward(dh_next, cache):
        dx, dh_prev, dWx, dWh, db = mr.rnn_step_backward(dh_next, cache)
        return dx.tolist(), None, dWx, 1.0, db

    text = str(workbook.check("rnn_step_backward", rnn_step_backward))
    assert "dx: a list; return a numpy array of shape (N, D) = (3, 5)" in text
    assert "dh_prev: None: return it, an array of shape (N, H) = (3, 6)" in text
    assert "dWh: a number; return a numpy array of shape (H, H) = (6, 6)" in text


# ------------------------------------------------------------------ planted bugs
# Each entry: (name, learner's function, the output named, a phrase of its diagnosis).

def _rnn_step_grads(da, cache, **replace):
    x, h_prev, Wx, Wh, h_next = cache
    grads = {"dx": da @ Wx, "dh_prev": da @ Wh, "dWx": da.T @ x, "dWh": da.T @ h_prev,
             "db": da.sum(axis=0)}
    grads.update({k: f(da, cache) for k, f in replace.items()})
    return tuple(grads.values())


def _step_bwd(slope=lambda c: 1 - c[4] ** 2, **replace):
    def rnn_step_backward(dh_next, cache):
        return _rnn_step_grads(dh_next * slope(cache), cache, **replace)
    return rnn_step_backward


def _step_bwd_inplace(dh_next, cache):
    x, h_prev, Wx, Wh, h_next = cache
    dh_next *= 1 - h_next ** 2          # writes into the caller's array
    return _rnn_step_grads(dh_next, cache)


def _step_bwd_float32(dh_next, cache):
    grads = mr.rnn_step_backward(dh_next, cache)
    return tuple(g.astype(np.float32) for g in grads)


def _step_bwd_last_row(dh_next, cache):
    x, h_prev, Wx, Wh, h_next = cache
    da = dh_next * (1 - h_next ** 2)
    for n in range(x.shape[0]):
        dWx = np.outer(da[n], x[n])     # = instead of +=: only the last row survives
    return da @ Wx, da @ Wh, dWx, da.T @ h_prev, da.sum(axis=0)


STEP_BACKWARD_BUGS = [
    (_step_bwd(dWh=lambda da, c: c[1].T @ da), "dWh", "the transpose of the right answer"),
    (_step_bwd(slope=lambda c: 1.0), "dx, dh_prev, dWx, dWh, db",
     "the tanh derivative is missing"),
    (_step_bwd(slope=lambda c: 1 - c[1] ** 2), "dx, dh_prev, dWx, dWh, db",
     "tanh' taken at h_prev"),
    (_step_bwd(slope=lambda c: 1 - np.tanh(c[4]) ** 2), "dx, dh_prev, dWx, dWh, db",
     "h_next is already tanh(a)"),
    (_step_bwd(db=lambda da, c: da), "db", "not summed over the batch (N): shape (N, H) = "
     "(3, 6), expected (H,) = (6,); sum over axis 0"),
    (_step_bwd(db=lambda da, c: da.sum(axis=1)), "db", "summed over the wrong axis?"),
    (_step_bwd(db=lambda da, c: da.mean(axis=0)), "db", "1/N = 1/3 of the right answer"),
    (_step_bwd(dWh=lambda da, c: da.T @ c[4]), "dWh", "dWh pairs da with h_next"),
    (_step_bwd(dx=lambda da, c: -(da @ c[2])), "dx", "the wrong sign"),
    (_step_bwd(dh_prev=lambda da, c: da @ c[3].T), "dh_prev",
     "dh_prev = da @ Wh.T sends the gradient back through W_h transposed"),
    (_step_bwd_inplace, "dh_next", "changed in place by your function"),
    (_step_bwd_float32, "dx, dh_prev, dWx, dWh, db", "float32: return float64"),
    (_step_bwd_last_row, "dWx", "only the last sequence's term (row 2 of the batch)"),
]


def _step_fwd(act=np.tanh, bias=True, Wh_T=True):
    def rnn_step_forward(x, h_prev, Wx, Wh, b):
        h_next = act(x @ Wx.T + h_prev @ (Wh.T if Wh_T else Wh) + (b if bias else 0))
        return h_next, (x, h_prev, Wx, Wh, h_next)
    return rnn_step_forward


def _step_fwd_bad_cache(x, h_prev, Wx, Wh, b):
    a = x @ Wx.T + h_prev @ Wh.T + b
    return np.tanh(a), (x, h_prev, Wx, Wh, a)


STEP_FORWARD_BUGS = [
    (_step_fwd(act=lambda a: a), "h_next", "the tanh is missing"),
    (_step_fwd(bias=False), "h_next", "the bias b is not added"),
    (_step_fwd(Wh_T=False), "h_next", "h_prev @ Wh where h_prev @ Wh.T is needed"),
    (_step_fwd(act=sigmoid), "h_next", "a sigmoid where the RNN uses tanh"),
    (_step_fwd_bad_cache, "cache", "entry 4 should be h_next"),
]


def _bptt(carry=True, slope="h_t", assign=False, dWh_h="prev", dh0_late=False, Wh_T=False):
    def rnn_backward(dhs, cache):
        xs, h0, Wx, Wh, hs = cache
        T = hs.shape[1]
        dxs, dWx, dWh = np.zeros_like(xs), np.zeros_like(Wx), np.zeros_like(Wh)
        db = np.zeros(Wh.shape[0])
        dh_next = np.zeros_like(h0)
        for t in reversed(range(T)):
            dh_t = dhs[:, t] + (dh_next if carry else 0.0)
            h_prev = hs[:, t - 1] if t > 0 else h0
            s = {"h_t": 1 - hs[:, t] ** 2, "h_prev": 1 - h_prev ** 2, "wrap": 1 - hs[:, t - 1] ** 2,
                 "none": 1.0}[slope]
            da_t = dh_t * s
            dxs[:, t] = da_t @ Wx
            if assign:
                dWx = da_t.T @ xs[:, t]
            else:
                dWx += da_t.T @ xs[:, t]
            dWh += da_t.T @ {"prev": h_prev, "h_t": hs[:, t], "wrap": hs[:, t - 1]}[dWh_h]
            db += da_t.sum(axis=0)
            dh_last = dh_t
            dh_next = da_t @ (Wh.T if Wh_T else Wh)
        return dxs, (dh_last if dh0_late else dh_next), dWx, dWh, db
    return rnn_backward


def _bptt_inplace(dhs, cache):
    xs, h0, Wx, Wh, hs = cache
    hs[...] = 1 - hs ** 2                # reuses the cache's array for tanh'
    return mr.rnn_backward(dhs, (xs, h0, Wx, Wh, np.sqrt(1 - hs)))


BPTT_BUGS = [
    (_bptt(carry=False), "dxs, dh0, dWx, dWh, db", "dh_next is not carried back"),
    (_bptt(slope="none"), "dxs, dh0, dWx, dWh, db", "the tanh derivative is missing"),
    (_bptt(slope="h_prev"), "dxs, dh0, dWx, dWh, db", "tanh' taken at h_{t-1}"),
    (_bptt(slope="wrap"), "dxs, dh0, dWx, dWh, db", "at t = 0 is hs[:, -1]"),
    (_bptt(assign=True), "dWx", "only the term of step t = 0"),
    (_bptt(dWh_h="h_t"), "dWh", "dWh pairs da_t with h_t"),
    (_bptt(dWh_h="wrap"), "dWh", "the LAST state; the state before step 0 is h0"),
    (_bptt(dh0_late=True), "dh0", "one step too late"),
    (_bptt(Wh_T=True), "dxs, dh0, dWx, dWh, db", "dh_next = da_t @ Wh.T"),
    (_bptt_inplace, "hs (cache[4])", "changed in place"),
]


def _seq_fwd(use_h0=True, carry=True, late=False):
    def rnn_forward(xs, h0, Wx, Wh, b):
        N, T, _ = xs.shape
        hs = np.zeros((N, T, Wh.shape[0]))
        h = h0 if use_h0 else np.zeros_like(h0)
        for t in range(T):
            h_t = np.tanh(xs[:, t] @ Wx.T + h @ Wh.T + b)
            hs[:, t] = h if late else h_t
            if carry:
                h = h_t
        return hs, (xs, h0, Wx, Wh, hs)
    return rnn_forward


SEQ_FORWARD_BUGS = [
    (_seq_fwd(use_h0=False), "hs", "h0 is ignored"),
    (_seq_fwd(carry=False), "hs", "every step starts from h0"),
    (_seq_fwd(late=True), "hs", "one time step late"),
]


def _linear_bwd(dx=None, dW=None, db=None):
    def linear_backward(dy, cache):
        x, W = cache
        rows, xr = dy.reshape(-1, W.shape[0]), x.reshape(-1, W.shape[1])
        grads = {"dx": dy @ W, "dW": rows.T @ xr, "db": rows.sum(axis=0)}
        for k, f in (("dx", dx), ("dW", dW), ("db", db)):
            if f is not None:
                grads[k] = f(dy, x, W)
        return tuple(grads.values())
    return linear_backward


LINEAR_BUGS = [
    (_linear_bwd(db=lambda dy, x, W: dy.sum(axis=0)), "db",
     "not summed over time (T): shape (T, out) = (4, 7), expected (out,) = (7,)"),
    (_linear_bwd(dW=lambda dy, x, W: x.reshape(-1, W.shape[1]).T @ dy.reshape(-1, W.shape[0])),
     "dW", "the transpose of the right answer"),
    (_linear_bwd(dW=lambda dy, x, W: dy[:, -1].T @ x[:, -1]), "dW",
     "only the last time step's term (t = 3)"),
    (_linear_bwd(dW=lambda dy, x, W: dy[0].T @ x[0]), "dW",
     "only the first sequence's term (row 0 of the batch)"),
    (_linear_bwd(db=lambda dy, x, W: dy.reshape(-1, W.shape[0]).mean(axis=0)), "db",
     "1/(N*T) = 1/12 of the right answer"),
    (_linear_bwd(dW=lambda dy, x, W: dy.reshape(W.shape[0], -1) @ x.reshape(-1, W.shape[1])),
     "dW", "dy flattened with reshape(out, -1)"),
    (_linear_bwd(dx=lambda dy, x, W: (dy @ W).astype(np.float32)), "dx", "float32"),
]


def _emb_bwd(kind):
    def embedding_backward(dxs, cache):
        ids, W = cache
        if kind == "fancy":
            dW = np.zeros_like(W)
            dW[ids] += dxs
        elif kind == "alias":
            dW = W                        # the same array as the embedding itself
            dW[...] = 0.0
            np.add.at(dW, ids, dxs)
        elif kind == "transpose":
            dW = np.zeros_like(W.T)
            np.add.at(dW.T, ids, dxs)
        elif kind == "mean":
            dW = np.zeros_like(W)
            np.add.at(dW, ids, dxs / ids.size)
        elif kind == "last_row":
            for n in range(ids.shape[0]):
                dW = np.zeros_like(W)
                np.add.at(dW, ids[n], dxs[n])
        elif kind == "int":
            dW = np.zeros_like(ids)
        return dW
    return embedding_backward


EMBEDDING_BUGS = [
    (_emb_bwd("fancy"), "dW", "a repeated id is counted once"),
    (_emb_bwd("alias"), "W (cache[1])", "changed in place"),
    (_emb_bwd("transpose"), "dW", "the transpose of the right answer"),
    (_emb_bwd("mean"), "dW", "1/(N*T) = 1/12 of the right answer"),
    (_emb_bwd("last_row"), "dW", "only the last sequence's term"),
    (_emb_bwd("int"), "dW", "dtype int64"),
]


def _ce(kind):
    def softmax_cross_entropy(logits, targets):
        N, T, V = logits.shape
        axis = 0 if kind == "axis" else -1
        z = logits if kind == "no_max" else logits - logits.max(axis=axis, keepdims=True)
        p = np.exp(z) / np.exp(z).sum(axis=axis, keepdims=True)
        n, t = np.meshgrid(np.arange(N), np.arange(T), indexing="ij")
        loss = -np.log(p[n, t, targets]).mean()
        dlogits = p.copy()
        if kind != "no_onehot":
            dlogits[n, t, targets] -= 1.0
        dlogits /= {"sum": 1, "per_sequence": N}.get(kind, N * T)
        if kind == "sign":
            loss = -loss
        return loss, dlogits
    return softmax_cross_entropy


LOSS_BUGS = [
    (_ce("no_max"), "loss, dlogits", "np.exp overflows; subtract each row's maximum"),
    (_ce("no_onehot"), "dlogits", "the 1 at the target is not subtracted"),
    (_ce("sum"), "dlogits", "N*T = 12 times the right answer"),
    (_ce("per_sequence"), "dlogits", "T = 4 times the right answer"),
    (_ce("axis"), "loss, dlogits", "the softmax is taken over the batch axis"),
    (_ce("sign"), "loss", "the wrong sign"),
]


def _lstm_fwd(order="ifgo", g_act=np.tanh, h_tanh=True):
    def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
        H = h_prev.shape[1]
        a = x @ Wx.T + h_prev @ Wh.T + b
        blocks = dict(zip(order, np.split(a, 4, axis=1), strict=True))
        i, f, o = sigmoid(blocks["i"]), sigmoid(blocks["f"]), sigmoid(blocks["o"])
        g = g_act(blocks["g"])
        c_next = f * c_prev + i * g
        tanh_c = np.tanh(c_next)
        h_next = o * (tanh_c if h_tanh else c_next)
        assert a.shape[1] == 4 * H
        return h_next, c_next, (x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c)
    return lstm_step_forward


LSTM_FORWARD_BUGS = [
    (_lstm_fwd(order="ifog"), "h_next, c_next", "read in the order (i, f, o, g)"),
    (_lstm_fwd(order="fgio"), "h_next, c_next", "read in the order (f, g, i, o)"),
    (_lstm_fwd(g_act=sigmoid), "h_next, c_next", "the candidate g uses sigmoid"),
    (_lstm_fwd(h_tanh=False), "h_next", "misses the tanh"),
]


def _lstm_bwd(order="ifgo", gate_slope=True, g_slope=True, c_slope=True, forget=True,
              dc_next_used=True, transpose_dWx=False, inplace=False):
    def lstm_step_backward(dh_next, dc_next, cache):
        x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c = cache
        dc = (dc_next if dc_next_used else 0.0) + dh_next * o * (
            (1 - tanh_c ** 2) if c_slope else 1.0)
        s = (lambda v: v * (1 - v)) if gate_slope else (lambda v: 1.0)
        parts = {"i": dc * g * s(i), "f": dc * c_prev * s(f),
                 "g": dc * i * ((1 - g ** 2) if g_slope else 1.0), "o": dh_next * tanh_c * s(o)}
        da = np.concatenate([parts[k] for k in order], axis=1)
        if inplace:
            f *= dc                              # reuses the cache's forget gate
            dc_prev = f
        else:
            dc_prev = dc * f if forget else dc
        dWx = x.T @ da if transpose_dWx else da.T @ x
        return da @ Wx, da @ Wh, dc_prev, dWx, da.T @ h_prev, da.sum(axis=0)
    return lstm_step_backward


LSTM_BACKWARD_BUGS = [
    (_lstm_bwd(order="ifog"), "dx, dh_prev, dWx, dWh, db", "da's gate blocks are in the "
     "order (i, f, o, g)"),
    (_lstm_bwd(gate_slope=False), "dx, dh_prev, dWx, dWh, db",
     "the sigmoid derivative of the gates i, f, o is missing"),
    (_lstm_bwd(g_slope=False), "dx, dh_prev, dWx, dWh, db",
     "the tanh derivative of the candidate g is missing"),
    (_lstm_bwd(c_slope=False), "dx, dh_prev, dc_prev, dWx, dWh, db",
     "the tanh derivative of the cell state is missing"),
    (_lstm_bwd(forget=False), "dc_prev", "dc_prev misses the forget gate"),
    (_lstm_bwd(dc_next_used=False), "dx, dh_prev, dc_prev, dWx, dWh, db",
     "dc_next is not added"),
    (_lstm_bwd(transpose_dWx=True), "dWx", "the transpose of the right answer"),
    (_lstm_bwd(inplace=True), "f (cache[6])", "changed in place"),
]


def _gru_fwd(order="rzn", keep="z", b_hn="inside", n_act=np.tanh, use_bh=True):
    def gru_step_forward(x, h_prev, Wx, Wh, bx, bh):
        H = h_prev.shape[1]
        ax = x @ Wx.T + bx
        ah = h_prev @ Wh.T + (bh if use_bh else 0.0)
        axb = dict(zip(order, np.split(ax, 3, axis=1), strict=True))
        ahb = dict(zip(order, np.split(ah, 3, axis=1), strict=True))
        r = sigmoid(axb["r"] + ahb["r"])
        z = sigmoid(axb["z"] + ahb["z"])
        m = ahb["n"]
        if b_hn == "outside":          # r * (W_hn h) + b_hn
            b_n = dict(zip(order, np.split(bh, 3), strict=True))["n"]
            n = n_act(axb["n"] + r * (m - b_n) + b_n)
        else:
            n = n_act(axb["n"] + r * m)
        h_next = z * n + (1 - z) * h_prev if keep == "1-z" else (1 - z) * n + z * h_prev
        assert ax.shape[1] == 3 * H
        return h_next, (x, h_prev, Wx, Wh, r, z, n, m)
    return gru_step_forward


GRU_FORWARD_BUGS = [
    (_gru_fwd(order="zrn"), "h_next", "read in the order (z, r, n)"),
    (_gru_fwd(keep="1-z"), "h_next", "z and 1 - z are exchanged"),
    (_gru_fwd(b_hn="outside"), "h_next", "b_hn is added outside the reset product"),
    (_gru_fwd(n_act=sigmoid), "h_next", "the candidate n uses sigmoid"),
    (_gru_fwd(use_bh=False), "h_next", "the recurrent bias bh is not added"),
]


def _gru_bwd(unpack="rz", concat="rzn", keep="z", gate_slope=True, n_slope=True,
             b_hn_inside=True, direct=True, m_recomputed=False, transpose_dWh=False,
             inplace=False):
    # gate_slope: True (both sigmoid'), False (neither), or "r" / "z" (only that gate's)
    def gru_step_backward(dh_next, cache):
        if unpack == "zr":
            x, h_prev, Wx, Wh, z, r, n, m = cache
        else:
            x, h_prev, Wx, Wh, r, z, n, m = cache
        H = h_prev.shape[1]
        if m_recomputed:
            m = h_prev @ Wh[2 * H:].T            # without b_hn
        if keep == "1-z":
            dz, dn, kept = dh_next * (n - h_prev), dh_next * z, 1 - z
        elif keep == "1-z, not in dh_prev":
            dz, dn, kept = dh_next * (n - h_prev), dh_next * z, z
        else:
            dz, dn, kept = dh_next * (h_prev - n), dh_next * (1 - z), z
        dan = dn * (1 - n ** 2) if n_slope else dn
        dr = dan * m
        if inplace:
            r *= 1 - r                           # reuses the cache's reset gate
            dar = dr * r
        else:
            dar = dr * r * (1 - r) if gate_slope in (True, "r") else dr
        daz = dz * z * (1 - z) if gate_slope in (True, "z") else dz
        parts_x = {"r": dar, "z": daz, "n": dan}
        parts_h = {"r": dar, "z": daz, "n": dan * r}
        dax = np.concatenate([parts_x[k] for k in concat], axis=1)
        dah = np.concatenate([parts_h[k] for k in concat], axis=1)
        dbh = dah.sum(axis=0)
        if not b_hn_inside:
            dbh = np.concatenate([dar, daz, dan], axis=1).sum(axis=0)
        dh_prev = (dh_next * kept if direct else 0.0) + dah @ Wh
        dWh = h_prev.T @ dah if transpose_dWh else dah.T @ h_prev
        return dax @ Wx, dh_prev, dax.T @ x, dWh, dax.sum(axis=0), dbh
    return gru_step_backward


GRU_BACKWARD_BUGS = [
    (_gru_bwd(unpack="zr"), "dx, dh_prev, dWx, dWh, dbx, dbh", "r and z are exchanged"),
    (_gru_bwd(concat="zrn"), "dx, dh_prev, dWx, dWh, dbx, dbh",
     "the blocks of da are in the order (z, r, n)"),
    (_gru_bwd(keep="1-z"), "dx, dh_prev, dWx, dWh, dbx, dbh", "z and 1 - z are exchanged"),
    (_gru_bwd(keep="1-z, not in dh_prev"), "dx, dh_prev, dWx, dWh, dbx, dbh",
     "z and 1 - z are exchanged"),
    (_gru_bwd(gate_slope=False), "dx, dh_prev, dWx, dWh, dbx, dbh",
     "the sigmoid derivative of the gates r and z is missing"),
    (_gru_bwd(gate_slope="z"), "dx, dh_prev, dWx, dWh, dbx, dbh",
     "the sigmoid derivative of the reset gate is missing"),
    (_gru_bwd(n_slope=False), "dx, dh_prev, dWx, dWh, dbx, dbh",
     "the tanh derivative of the candidate n is missing"),
    (_gru_bwd(b_hn_inside=False), "dbh", "b_hn sits inside the reset product"),
    (_gru_bwd(m_recomputed=True), "dx, dh_prev, dWx, dWh, dbx, dbh",
     "dr uses h_prev @ W_hn.T without b_hn"),
    (_gru_bwd(direct=False), "dh_prev", "dh_prev misses the direct path"),
    (_gru_bwd(transpose_dWh=True), "dWh", "the transpose of the right answer"),
    (_gru_bwd(inplace=True), "r (cache[4])", "changed in place"),
]


def _clip(kind):
    def clip_grad_norm(grads, max_norm):
        total = float(np.sqrt(sum(np.sum(g * g) for g in grads.values())))
        for k, g in grads.items():
            norm = float(np.sqrt(np.sum(g * g))) if kind == "each" else total
            if kind == "always" or norm > max_norm:
                if kind == "rebind":
                    g = g * (max_norm / norm)     # a new array; grads[k] is unchanged
                elif kind == "replace":
                    grads[k] = g * (max_norm / norm)
                else:
                    g *= max_norm / norm
        return min(total, max_norm) if kind == "after" else total
    return clip_grad_norm


CLIP_BUGS = [
    (_clip("rebind"), "grads['Wx'], grads['Wh'], grads['b']", "not changed in place"),
    (_clip("replace"), "grads['Wx'], grads['Wh'], grads['b']", "not changed in place"),
    (_clip("each"), "grads['Wx'], grads['Wh'], grads['b']", "clipped by its own norm"),
    (_clip("always"), "grads['Wx'], grads['Wh'], grads['b']",
     "rescaled although the norm is below max_norm"),
    (_clip("after"), "total", "the norm after clipping"),
]


def _windows(kind):
    def batches(ids, batch_size, seq_len):
        N, T = batch_size, seq_len
        M = ids.size - 1
        L = M // N
        if kind == "interleaved":
            xs, ys = ids[:N * L].reshape(L, N).T, ids[1:N * L + 1].reshape(L, N).T
        else:
            xs, ys = ids[:N * L].reshape(N, L), ids[1:N * L + 1].reshape(N, L)
        if kind == "y=x":
            ys = xs
        out = [(xs[:, j:j + T], ys[:, j:j + T]) for j in range(0, L, T)
               if kind != "no_short" or j + T <= L]
        if kind != "no_leftover":
            out += [(ids[None, j:min(j + T, M)], ids[None, j + 1:min(j + T, M) + 1])
                    for j in range(N * L, M, T)]
        return out
    return batches


BATCH_BUGS = [
    (_windows("interleaved"), "windows", "row n reads every N-th id"),
    (_windows("y=x"), "windows", "y equals x"),
    (_windows("no_short"), "windows", "the last, shorter window is missing"),
    (_windows("no_leftover"), "windows", "the M - N*L = 2 pairs left after the N streams"),
]

CATALOGUE = (
    [("rnn_step_backward", *b) for b in STEP_BACKWARD_BUGS]
    + [("rnn_step_forward", *b) for b in STEP_FORWARD_BUGS]
    + [("rnn_backward", *b) for b in BPTT_BUGS]
    + [("rnn_forward", *b) for b in SEQ_FORWARD_BUGS]
    + [("linear_backward", *b) for b in LINEAR_BUGS]
    + [("embedding_backward", *b) for b in EMBEDDING_BUGS]
    + [("softmax_cross_entropy", *b) for b in LOSS_BUGS]
    + [("lstm_step_forward", *b) for b in LSTM_FORWARD_BUGS]
    + [("lstm_step_backward", *b) for b in LSTM_BACKWARD_BUGS]
    + [("gru_step_forward", *b) for b in GRU_FORWARD_BUGS]
    + [("gru_step_backward", *b) for b in GRU_BACKWARD_BUGS]
    + [("clip_grad_norm", *b) for b in CLIP_BUGS]
    + [("batches", *b) for b in BATCH_BUGS]
)


@pytest.mark.parametrize("name, fn, outputs, phrase", CATALOGUE,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CATALOGUE)])
def test_a_planted_bug_is_diagnosed(name, fn, outputs, phrase):
    result = workbook.check(name, fn)
    assert not result.passed and result.status == "failed", str(result)
    lines = [line.strip() for line in str(result).splitlines()[1:]]
    # one line names exactly these outputs and gives the cause
    assert any(line.startswith(f"{outputs}: ") and phrase in line for line in lines), \
        f"expected '{outputs}: ...{phrase}...' in\n{result}"


def test_at_least_five_planted_bugs_per_backward_function():
    counts = {}
    for name, *_ in CATALOGUE:
        counts[name] = counts.get(name, 0) + 1
    for name in ("rnn_step_backward", "rnn_backward", "linear_backward", "embedding_backward",
                 "softmax_cross_entropy", "lstm_step_backward", "gru_step_backward"):
        assert counts[name] >= 5, name


def test_the_message_of_the_issue_example():
    result = workbook.check("rnn_step_backward", STEP_BACKWARD_BUGS[0][0])
    assert [p.line().split(" [")[0] for p in result.problems] == [
        "dWh: the transpose of the right answer"]


# ------------------------------------------------------------------ numerical checks
def test_backward_checked_against_the_learners_own_forward():
    wrong_db = _step_bwd(db=lambda da, c: 2 * da.sum(axis=0))
    result = workbook.check("rnn_step_backward", wrong_db, forward=mr.rnn_step_forward)
    notes = " ".join(result.notes)
    assert "numerical check against your rnn_step_forward: db disagrees" in notes


def test_numerical_check_skipped_while_the_forward_is_a_stub():
    def rnn_step_forward(x, h_prev, Wx, Wh, b):
        raise NotImplementedError

    result = workbook.check("rnn_step_backward", mr.rnn_step_backward, forward=rnn_step_forward)
    assert result.passed
    assert "numerical check skipped: your rnn_step_forward is not implemented yet" in str(result)


def test_numerical_check_skipped_while_the_forward_is_wrong():
    result = workbook.check("rnn_step_backward", mr.rnn_step_backward,
                            forward=_step_fwd(bias=False))
    assert "does not pass its own check yet" in str(result)


def test_loss_gradient_checked_against_the_learners_own_loss():
    def softmax_cross_entropy(logits, targets):
        loss, d = mr.softmax_cross_entropy(logits, targets)
        return 2 * loss, d                # the loss and its gradient disagree

    text = str(workbook.check("softmax_cross_entropy", softmax_cross_entropy))
    assert "loss: 2 times the right answer" in text
    assert "dlogits disagrees with central differences of your loss" in text


# ------------------------------------------------------------------ display
def test_text_html_and_markdown_say_the_same_and_are_deterministic():
    result = workbook.check("rnn_step_backward", STEP_BACKWARD_BUGS[4][0])
    again = workbook.check("rnn_step_backward", STEP_BACKWARD_BUGS[4][0])
    assert str(result) == str(again) == repr(result)
    assert result._repr_html_() == again._repr_html_()
    html = result._repr_html_()
    assert "rnn_step_backward: not right yet (1 problem)" in html
    assert "db: not summed over the batch (N)" in html
    assert "0x" not in html and "0x" not in str(result)
    md = result._repr_markdown_()
    assert md.startswith("**rnn\\_step\\_backward: not right yet (1 problem)**")


def test_html_escapes_what_the_learner_wrote():
    def rnn_step_backward(dh_next, cache):
        raise ValueError("<script>alert(1)</script>")

    html = workbook.check("rnn_step_backward", rnn_step_backward)._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_inputs_are_never_changed_for_the_caller():
    # The learner's function gets copies: a buggy in-place function cannot disturb the
    # checker's own arrays (the next case, the reference).
    first = str(workbook.check("rnn_step_backward", _step_bwd_inplace))
    second = str(workbook.check("rnn_step_backward", _step_bwd_inplace))
    assert first == second

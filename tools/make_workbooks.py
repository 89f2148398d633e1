"""Write the workbooks (notebooks/workbook/*.ipynb) from the text in this file.

Usage: python tools/make_workbooks.py [--check]

Each workbook goes with one chapter: a short recap that links to it, then for
each function an exercise (the task, in a sphinx-exercise ``{exercise}``), a
stub cell that raises ``NotImplementedError``, a check cell
(``workbook.check(name, fn)``), and the solution in a ``{solution}`` dropdown,
hidden by default and always below the stub. The first cells are the title and
the hidden Colab install cell of tools/new_notebook.py.

This file is the source of the workbooks: edit it, run it, then re-execute them
(``make notebooks``) so that their stored outputs match. A workbook cell edited
in the notebook alone is overwritten here; tests/test_workbook_notebooks.py
checks that the two agree. With --check nothing is written: exit status 1 lists
the workbooks whose cells differ from this file.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
FOLDER = ROOT / "notebooks" / "workbook"


def _new_notebook():
    spec = importlib.util.spec_from_file_location("new_notebook",
                                                  ROOT / "tools" / "new_notebook.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


HOW = """\
**How to work.** For each function: read the task, write your code in the cell
that says `# your code here` (replace the line `raise NotImplementedError`), run
that cell, then run the check cell below it. Use numpy; calling minirnn's own
function of the same name would pass the check but teach you nothing.

`workbook.check` runs your function on several shapes (a general batch and
special cases such as a single sequence $N = 1$, a single step $T = 1$, inputs
and hidden states of different sizes $D \\neq H$), compares every output with
minirnn's function of the same name ({py:mod}`minirnn.workbook` lists them),
and says what is wrong: each wrong output on one line with its likely cause,
for instance `dWh: the transpose of the right answer`. An error in your code is
shown with the line that raised it. Until you write a function, its check says
*not implemented yet*.

The solution is in a hidden block under each check: open it after you have
tried.

Run the workbook in Colab or Binder (the rocket button at the top of the page),
or on your own machine as the {doc}`introduction </book/intro>` explains, with
`.venv/bin/jupyter lab notebooks/workbook/`."""


def exercise(label, title, text):
    return f"```{{exercise}} {title}\n:label: {label}\n:nonumber:\n{text.strip()}\n```\n"


def solution(label, code):
    return (f"````{{solution}} {label}\n:class: dropdown\n\n```python\n{code.strip()}\n```\n"
            "````\n")


# ----------------------------------------------------------------------------- workbooks
# Each exercise: (function name, label, title, task, stub, check, solution).

WB1 = dict(
    file="01_recurrence_workbook.ipynb",
    title="Workbook 1: the recurrence",
    recap="""\
This workbook goes with [chapter 1](../01_recurrence.ipynb). A recurrent layer
computes, at every time step $t$,

$$
h_t = \\tanh(W_x x_t + W_h h_{t-1} + b),
$$

with the **same** $W_x$, $W_h$ and $b$ at every step, starting from the state
$h_{-1}$ (the code's `h0`). The code works on a batch of $N$ sequences at once:
the inputs of step $t$ are the $N$ rows of `x`, of shape $(N, D)$, and the step
is written for rows, `a = x @ Wx.T + h_prev @ Wh.T + b`, which is the equation
above for each row ([chapter 2](../02_vector_matrix_forms.ipynb) shows why).
The weights have the shapes of the equation: `Wx` is $(H, D)$, `Wh` is
$(H, H)$, `b` is $(H,)$.""",
    setup="import numpy as np\n\nfrom minirnn import workbook",
    exercises=[
        ("rnn_step_forward", "wb1-rnn-step-forward", "One step of the RNN", """\
Write `rnn_step_forward(x, h_prev, Wx, Wh, b)`: one step for a batch,
`h_next = tanh(x @ Wx.T + h_prev @ Wh.T + b)`, with `x` of shape $(N, D)$ and
`h_prev` of shape $(N, H)$. Return `h_next` $(N, H)$ and the *cache*
`(x, h_prev, Wx, Wh, h_next)`: what the backward step of
[workbook 4](04_bptt_workbook.ipynb) will need.""",
         '''\
def rnn_step_forward(x, h_prev, Wx, Wh, b):
    """One RNN step: h_next = tanh(x @ Wx.T + h_prev @ Wh.T + b).

    x (N, D), h_prev (N, H), Wx (H, D), Wh (H, H), b (H,).
    Returns h_next (N, H) and cache = (x, h_prev, Wx, Wh, h_next).
    """
    # your code here
    raise NotImplementedError''',
         'workbook.check("rnn_step_forward", rnn_step_forward)',
         '''\
def rnn_step_forward(x, h_prev, Wx, Wh, b):
    a = x @ Wx.T + h_prev @ Wh.T + b      # (N, H): the pre-activation
    h_next = np.tanh(a)                   # (N, H)
    return h_next, (x, h_prev, Wx, Wh, h_next)'''),
        ("rnn_forward", "wb1-rnn-forward", "A whole sequence: the same weights at every step",
         """\
Write `rnn_forward(xs, h0, Wx, Wh, b)` for inputs `xs` of shape $(N, T, D)$ by
calling **your** `rnn_step_forward` once per time step, with the same weights
every time: step $t$ reads `xs[:, t]` and the previous state (`h0` before
step 0). Return every hidden state, `hs` of shape $(N, T, H)$ with `hs[:, t]`
$= h_t$, and the cache `(xs, h0, Wx, Wh, hs)`.""",
         '''\
def rnn_forward(xs, h0, Wx, Wh, b):
    """The RNN over whole sequences: rnn_step_forward for t = 0, ..., T-1.

    xs (N, T, D), h0 (N, H), Wx (H, D), Wh (H, H), b (H,).
    Returns hs (N, T, H) and cache = (xs, h0, Wx, Wh, hs).
    """
    # your code here
    raise NotImplementedError''',
         'workbook.check("rnn_forward", rnn_forward)',
         '''\
def rnn_forward(xs, h0, Wx, Wh, b):
    N, T, D = xs.shape
    states = []
    h = h0                                # h_{-1}
    for t in range(T):
        h, _ = rnn_step_forward(xs[:, t], h, Wx, Wh, b)    # the same weights every step
        states.append(h)
    hs = np.stack(states, axis=1)         # (N, T, H)
    return hs, (xs, h0, Wx, Wh, hs)'''),
    ],
)

WB2 = dict(
    file="02_vector_matrix_forms_workbook.ipynb",
    title="Workbook 2: vector and matrix forms",
    recap="""\
This workbook goes with [chapter 2](../02_vector_matrix_forms.ipynb). In the
batched row form one step is
$\\mathbf{H}_t = \\tanh(\\mathbf{X}_t W_x^\\top + \\mathbf{H}_{t-1} W_h^\\top + b^\\top)$,
in numpy `np.tanh(x @ Wx.T + h_prev @ Wh.T + b)`. The input projection
$x_t W_x^\\top + b$ needs no earlier step, so it can be computed for all $T$
steps in **one** product before the time loop (`xs @ Wx.T + b` has shape
$(N, T, H)$); only $h_{t-1} W_h^\\top$ must stay inside the loop.

The output layer is the same kind of product: `y = x @ W.T + b` applied at
every position of `x` $(N, T, \\text{in})$, with one `W` $(\\text{out}, \\text{in})$
and one `b` $(\\text{out},)$ for all positions. Its backward pass is a question
of shapes. Stack the $N T$ positions as rows, `x.reshape(-1, in)` and
`dy.reshape(-1, out)`. Every position used the same `W` and `b`, so their
gradients are **sums over all positions**: `dW = dy_rows.T @ x_rows`
$(\\text{out}, \\text{in})$ and `db` is the sum of the rows of `dy_rows`; and
`dx = dy @ W`, shaped like `x`. [Chapter 4](../04_bptt.ipynb) derives such
gradients node by node.""",
    setup="import numpy as np\n\nfrom minirnn import workbook",
    exercises=[
        ("rnn_forward", "wb2-rnn-forward", "The hoisted input projection", """\
Write `rnn_forward(xs, h0, Wx, Wh, b)` with the input projection of every step
computed in one product **before** the loop, and inside the loop only the
recurrent product and the tanh: $a_t = (x_t W_x^\\top + b) + h_{t-1} W_h^\\top$,
$h_t = \\tanh(a_t)$. Return `hs` $(N, T, H)$ and the cache
`(xs, h0, Wx, Wh, hs)`.""",
         '''\
def rnn_forward(xs, h0, Wx, Wh, b):
    """The RNN over whole sequences, with the input projection hoisted out of the loop.

    xs (N, T, D), h0 (N, H), Wx (H, D), Wh (H, H), b (H,).
    Returns hs (N, T, H) and cache = (xs, h0, Wx, Wh, hs).
    """
    # your code here
    raise NotImplementedError''',
         'workbook.check("rnn_forward", rnn_forward)',
         '''\
def rnn_forward(xs, h0, Wx, Wh, b):
    N, T, D = xs.shape
    H = Wh.shape[0]
    xWx_b = xs @ Wx.T + b                 # (N, T, H): every step's input projection at once
    hs = np.empty((N, T, H))
    h_prev = h0
    for t in range(T):
        a_t = xWx_b[:, t] + h_prev @ Wh.T   # only this product needs the previous step
        h_t = np.tanh(a_t)
        hs[:, t] = h_t
        h_prev = h_t
    return hs, (xs, h0, Wx, Wh, hs)'''),
        ("linear_forward", "wb2-linear-forward", "The output layer at every position", """\
Write `linear_forward(x, W, b)`: `y = x @ W.T + b` for `x` of shape
$(N, T, \\text{in})$, `W` $(\\text{out}, \\text{in})$, `b` $(\\text{out},)$.
Return `y` $(N, T, \\text{out})$ and the cache `(x, W)`.""",
         '''\
def linear_forward(x, W, b):
    """y = x @ W.T + b at every position.

    x (N, T, in), W (out, in), b (out,).
    Returns y (N, T, out) and cache = (x, W).
    """
    # your code here
    raise NotImplementedError''',
         'workbook.check("linear_forward", linear_forward)',
         '''\
def linear_forward(x, W, b):
    y = x @ W.T + b                       # (N, T, in) @ (in, out) -> (N, T, out)
    return y, (x, W)'''),
        ("linear_backward", "wb2-linear-backward", "Its gradients: one product over all positions",
         """\
Write `linear_backward(dy, cache)`: given `dy` $= \\partial L / \\partial y$ of
shape $(N, T, \\text{out})$ and the cache `(x, W)`, return `dx` (shaped like
`x`), `dW` $(\\text{out}, \\text{in})$ and `db` $(\\text{out},)$, the weight
gradients summed over all $N T$ positions. The check also compares your
gradients with numerical derivatives of your `linear_forward`.""",
         '''\
def linear_backward(dy, cache):
    """Backward pass of linear_forward.

    dy (N, T, out), cache = (x, W).
    Returns dx (N, T, in), dW (out, in), db (out,).
    """
    x, W = cache
    # your code here
    raise NotImplementedError''',
         'workbook.check("linear_backward", linear_backward, forward=linear_forward)',
         '''\
def linear_backward(dy, cache):
    x, W = cache
    out_features, in_features = W.shape
    dy_rows = dy.reshape(-1, out_features)     # (N*T, out): one position per row
    x_rows = x.reshape(-1, in_features)        # (N*T, in)
    dW = dy_rows.T @ x_rows                    # the sum over positions, as one product
    db = dy_rows.sum(axis=0)
    dx = dy @ W                                # (N, T, out) @ (out, in) -> (N, T, in)
    return dx, dW, db'''),
    ],
)

WB3 = dict(
    file="03_next_word_prediction_workbook.ipynb",
    title="Workbook 3: next-word prediction",
    recap="""\
This workbook goes with [chapter 3](../03_next_word_prediction.ipynb). The
language model turns token ids into vectors with an embedding, runs the RNN,
scores every word of the vocabulary at every step, and is trained on the
cross-entropy of the true next word. Four of its parts are yours to write:

- the **embedding** looks up row `W[w]` of the matrix `W` $(V, E)$ for every id
  `w`: `ids` $(N, T)$ become `xs` $(N, T, E)$. Its backward pass sends each
  position's gradient back to the row it came from; a word that occurs several
  times collects the **sum** of its positions' gradients;
- the **softmax cross-entropy** of the scores `logits` $(N, T, V)$ against the
  `targets` $(N, T)$, averaged over all $N T$ tokens,
  $L = -\\frac{1}{NT}\\sum_{n,t} \\log \\mathrm{softmax}(s_{n,t})[y_{n,t}]$, whose
  gradient is $(\\mathrm{softmax}(s) - \\mathrm{onehot}(y)) / (NT)$. Subtracting
  each row's maximum from the scores does not change the softmax and keeps
  `np.exp` from overflowing;
- the **windows** for truncated BPTT: the $M$ (input, target) pairs of a stream
  of $M + 1$ ids are cut into $N$ streams of $L = M // N$ consecutive pairs,
  read in windows of $T$ steps, so that row $n$ of each window continues row
  $n$ of the previous one.""",
    setup="import numpy as np\n\nfrom minirnn import workbook",
    exercises=[
        ("embedding_forward", "wb3-embedding-forward", "The embedding lookup", """\
Write `embedding_forward(ids, W)`: `xs[n, t]` is row `ids[n, t]` of `W`. Return
`xs` $(N, T, E)$ and the cache `(ids, W)`.""",
         '''\
def embedding_forward(ids, W):
    """xs[n, t] = W[ids[n, t]].

    ids (N, T) integers in [0, V), W (V, E).
    Returns xs (N, T, E) and cache = (ids, W).
    """
    # your code here
    raise NotImplementedError''',
         'workbook.check("embedding_forward", embedding_forward)',
         '''\
def embedding_forward(ids, W):
    xs = W[ids]                           # integer-array indexing picks the rows
    return xs, (ids, W)'''),
        ("embedding_backward", "wb3-embedding-backward", "Its gradient, with repeated words",
         """\
Write `embedding_backward(dxs, cache)`: return `dW` $(V, E)$, where row $v$ is
the sum of `dxs[n, t]` over all positions with `ids[n, t] == v` (zero for words
that do not occur). The check's ids always contain a repeated word. Careful:
`dW[ids] += dxs` does *not* add up repeats.""",
         '''\
def embedding_backward(dxs, cache):
    """Backward pass of embedding_forward.

    dxs (N, T, E), cache = (ids, W).
    Returns dW (V, E).
    """
    ids, W = cache
    # your code here
    raise NotImplementedError''',
         'workbook.check("embedding_backward", embedding_backward, forward=embedding_forward)',
         '''\
def embedding_backward(dxs, cache):
    ids, W = cache
    dW = np.zeros_like(W)
    np.add.at(dW, ids, dxs)               # adds once per occurrence, repeats included
    return dW'''),
        ("softmax_cross_entropy", "wb3-cross-entropy", "Cross-entropy and its gradient", """\
Write `softmax_cross_entropy(logits, targets)` for `logits` $(N, T, V)$ and
integer `targets` $(N, T)$: return the mean loss over the $N T$ tokens (a single
number) and `dlogits` $(N, T, V)$. One check case has scores near 1000, where
`np.exp` overflows unless the maximum is subtracted first. The check also
compares your `dlogits` with numerical derivatives of your loss.""",
         '''\
def softmax_cross_entropy(logits, targets):
    """Mean cross-entropy of softmax(logits) against targets, and its gradient.

    logits (N, T, V), targets (N, T) integers in [0, V).
    Returns loss (a float) and dlogits (N, T, V).
    """
    # your code here
    raise NotImplementedError''',
         'workbook.check("softmax_cross_entropy", softmax_cross_entropy)',
         '''\
def softmax_cross_entropy(logits, targets):
    N, T, V = logits.shape
    z = logits - logits.max(axis=-1, keepdims=True)          # same softmax, no overflow
    log_p = z - np.log(np.exp(z).sum(axis=-1, keepdims=True)) # log softmax, (N, T, V)
    n, t = np.meshgrid(np.arange(N), np.arange(T), indexing="ij")
    loss = -log_p[n, t, targets].mean()                       # mean over the N*T tokens
    dlogits = np.exp(log_p)                                   # softmax
    dlogits[n, t, targets] -= 1.0                             # minus the one-hot target
    dlogits /= N * T                                          # the loss is a mean
    return float(loss), dlogits'''),
        ("batches", "wb3-batches", "Windows for truncated BPTT", """\
Write `batches(ids, batch_size, seq_len)` for a 1-D array `ids` of $M + 1$
token ids, $N$ = `batch_size`, $T$ = `seq_len`. With $L = M // N$, row $n$ of
the inputs reads `ids[n*L : (n+1)*L]` and the targets are the ids one position
later. Return the list of windows `(x, y)`: window $j$ holds columns
$jT, \\dots, jT + T - 1$ of the $N$ rows, and the last window is shorter when
$T$ does not divide $L$. The $r = M - NL$ pairs left over after the $N$ streams
come last, as windows with **one** row (shape $(1, \\le T)$), since they
continue the last stream. The check uses `ids = 0, 1, 2, ...`, so every id in
its report is a position in the text.""",
         '''\
def batches(ids, batch_size, seq_len):
    """The (x, y) windows for truncated BPTT over one stream of ids.

    ids (M+1,) integers, batch_size N, seq_len T.
    Returns a list of pairs (x, y) of integer arrays, each (N, <= T) or (1, <= T).
    """
    # your code here
    raise NotImplementedError''',
         'workbook.check("batches", batches)',
         '''\
def batches(ids, batch_size, seq_len):
    N, T = batch_size, seq_len
    M = len(ids) - 1                      # (input, target) pairs
    L = M // N                            # pairs per stream
    xs = ids[:N * L].reshape(N, L)        # row n: its own stretch of the text
    ys = ids[1:N * L + 1].reshape(N, L)   # the next id at every position
    windows = [(xs[:, j:j + T], ys[:, j:j + T]) for j in range(0, L, T)]
    for j in range(N * L, M, T):          # the M - N*L leftover pairs, one row
        stop = min(j + T, M)
        windows.append((ids[None, j:stop], ids[None, j + 1:stop + 1]))
    return windows'''),
    ],
)

WB4 = dict(
    file="04_bptt_workbook.ipynb",
    title="Workbook 4: backpropagation through time",
    recap="""\
This workbook goes with [chapter 4](../04_bptt.ipynb). For one step
$a = x W_x^\\top + h_{t-1} W_h^\\top + b$, $h_t = \\tanh(a)$ (for a batch, in
rows), the gradient `dh_next` $= \\partial L / \\partial h_t$ goes back through
the tanh, $da = dh_{\\text{next}} \\odot (1 - h_t^2)$, and then through the two
products and the bias:

$$
\\begin{aligned}
dx &= da\\, W_x, & dh_{\\text{prev}} &= da\\, W_h, \\\\
dW_x &= da^\\top x, & dW_h &= da^\\top h_{t-1}, & db &= \\textstyle\\sum_n da_n .
\\end{aligned}
$$

Over a whole sequence (BPTT), $h_t$ reaches the loss directly (`dhs[:, t]`) and
through $h_{t+1}$, so $dh_t$ = `dhs[:, t] + dh_next`; the loop runs from
$t = T-1$ down to 0, and the gradients of the shared weights are **sums** of
the terms of all steps.

Your backward functions receive the cache of minirnn's forward functions,
whose layout is the one of workbook 1: `(x, h_prev, Wx, Wh, h_next)` for a
step, `(xs, h0, Wx, Wh, hs)` for a sequence. The check also compares your
gradients with numerical derivatives of the forward functions below.""",
    setup="""\
import numpy as np

import minirnn as mr
from minirnn import workbook

# The forward functions: minirnn's. Paste yours from workbook 1 here to check
# your backward functions against numerical derivatives of your own forward.
rnn_step_forward = mr.rnn_step_forward
rnn_forward = mr.rnn_forward""",
    exercises=[
        ("rnn_step_backward", "wb4-rnn-step-backward", "The backward step", """\
Write `rnn_step_backward(dh_next, cache)`: return `dx` $(N, D)$, `dh_prev`
$(N, H)$, `dWx` $(H, D)$, `dWh` $(H, H)$ and `db` $(H,)$.""",
         '''\
def rnn_step_backward(dh_next, cache):
    """Backward pass of one RNN step.

    dh_next (N, H); cache = (x, h_prev, Wx, Wh, h_next) from rnn_step_forward.
    Returns dx (N, D), dh_prev (N, H), dWx (H, D), dWh (H, H), db (H,).
    """
    x, h_prev, Wx, Wh, h_next = cache
    # your code here
    raise NotImplementedError''',
         'workbook.check("rnn_step_backward", rnn_step_backward, forward=rnn_step_forward)',
         '''\
def rnn_step_backward(dh_next, cache):
    x, h_prev, Wx, Wh, h_next = cache
    da = dh_next * (1.0 - h_next ** 2)    # through tanh: tanh'(a) = 1 - tanh(a)^2
    dx = da @ Wx                          # (N, H) @ (H, D)
    dh_prev = da @ Wh                     # (N, H) @ (H, H)
    dWx = da.T @ x                        # (H, N) @ (N, D): summed over the batch
    dWh = da.T @ h_prev
    db = da.sum(axis=0)
    return dx, dh_prev, dWx, dWh, db'''),
        ("rnn_backward", "wb4-rnn-backward", "Backpropagation through time", """\
Write `rnn_backward(dhs, cache)` for `dhs` $(N, T, H)$, the gradient with
respect to every hidden state. Return `dxs` $(N, T, D)$, `dh0` $(N, H)$ (the
gradient with respect to the initial state), `dWx`, `dWh`, `db`. You may call
your `rnn_step_backward` in the loop: build the step's cache from
`hs[:, t]` and the state before it (`h0` at $t = 0$, not `hs[:, -1]`).""",
         '''\
def rnn_backward(dhs, cache):
    """Backpropagation through time over whole sequences.

    dhs (N, T, H); cache = (xs, h0, Wx, Wh, hs) from rnn_forward.
    Returns dxs (N, T, D), dh0 (N, H), dWx (H, D), dWh (H, H), db (H,).
    """
    xs, h0, Wx, Wh, hs = cache
    # your code here
    raise NotImplementedError''',
         'workbook.check("rnn_backward", rnn_backward, forward=rnn_forward)',
         '''\
def rnn_backward(dhs, cache):
    xs, h0, Wx, Wh, hs = cache
    N, T, H = hs.shape
    dxs = np.zeros_like(xs)
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(H)
    dh_next = np.zeros_like(h0)           # nothing comes back from after the last step
    for t in reversed(range(T)):
        h_prev = hs[:, t - 1] if t > 0 else h0
        dh_t = dhs[:, t] + dh_next        # both ways h_t reaches the loss
        dx_t, dh_next, dWx_t, dWh_t, db_t = rnn_step_backward(
            dh_t, (xs[:, t], h_prev, Wx, Wh, hs[:, t]))
        dxs[:, t] = dx_t
        dWx += dWx_t                      # shared weights: add the terms of all steps
        dWh += dWh_t
        db += db_t
    return dxs, dh_next, dWx, dWh, db'''),
    ],
)

WB5 = dict(
    file="05_vanishing_exploding_workbook.ipynb",
    title="Workbook 5: gradient clipping",
    recap="""\
This workbook goes with [chapter 5](../05_vanishing_exploding.ipynb).
Gradient clipping treats the gradients of **all** parameters as one long
vector $\\nabla L$, and if its length exceeds a threshold $\\kappa$ it shortens it,
keeping its direction:

$$
\\text{if } \\|\\nabla L\\| > \\kappa: \\qquad
\\nabla L \\leftarrow \\frac{\\kappa}{\\|\\nabla L\\|}\\, \\nabla L .
$$

In minirnn a model's gradients are a dict of arrays, `model.grads`, holding
the very arrays into which its layers write their gradients; the optimizer
reads them after clipping. So clipping must rescale **those arrays** in place
(a new array put into the dict would no longer be the one the layers write
into). It returns the norm before clipping, which is worth logging.""",
    setup="import numpy as np\n\nfrom minirnn import workbook",
    exercises=[
        ("grad_norm", "wb5-grad-norm", "The norm of all gradients together", """\
Write `grad_norm(grads)` for a dict of arrays: the square root of the sum of
the squares of all their entries, as a float.""",
         '''\
def grad_norm(grads):
    """The L2 norm of all arrays of the dict grads taken as one vector (a float)."""
    # your code here
    raise NotImplementedError''',
         'workbook.check("grad_norm", grad_norm)',
         '''\
def grad_norm(grads):
    return float(np.sqrt(sum(np.sum(grad ** 2) for grad in grads.values())))'''),
        ("clip_grad_norm", "wb5-clip", "Clipping by the norm", """\
Write `clip_grad_norm(grads, max_norm)`: if the joint norm exceeds `max_norm`,
multiply every array of `grads` by `max_norm / norm` **in place**; return the
norm before clipping.""",
         '''\
def clip_grad_norm(grads, max_norm):
    """Rescale all arrays of grads in place if their joint norm exceeds max_norm.

    Returns the norm before clipping (a float).
    """
    # your code here
    raise NotImplementedError''',
         'workbook.check("clip_grad_norm", clip_grad_norm)',
         '''\
def clip_grad_norm(grads, max_norm):
    total = grad_norm(grads)
    if total > max_norm:
        scale = max_norm / total
        for grad in grads.values():
            grad *= scale                    # in place: the layers and the optimizer share them
    return total'''),
    ],
)

WB6 = dict(
    file="06_gated_rnns_workbook.ipynb",
    title="Workbook 6: the LSTM and GRU steps",
    recap="""\
This workbook goes with [chapter 6](../06_gated_rnns.ipynb), *Gated RNNs:
LSTM and GRU*. For a batch, in the row form of the chapters, one LSTM step
computes four blocks of $H$ columns from one product,
$\\mathbf{A}_t = \\mathbf{X}_t W_x^\\top + \\mathbf{H}_{t-1} W_h^\\top + b^\\top$, in code
`a = x @ Wx.T + h_prev @ Wh.T + b` $(N, 4H)$, in the order $(i, f, g, o)$ of
PyTorch and minirnn (block $k$ is `a[:, k*H:(k+1)*H]`). The rest acts element by
element, so it holds row by row; for one sequence, with $a^i_t, a^f_t, a^g_t, a^o_t$
the four blocks of $a_t$ (the code's `i`, `f`, `g`, `o` hold one row per sequence):

$$
\\begin{aligned}
i_t &= \\sigma(a^i_t), \\quad f_t = \\sigma(a^f_t), \\quad
g_t = \\tanh(a^g_t), \\quad o_t = \\sigma(a^o_t),\\\\
c_t &= f_t \\odot c_{t-1} + i_t \\odot g_t, \\qquad h_t = o_t \\odot \\tanh(c_t).
\\end{aligned}
$$

`Wx` is $(4H, D)$, `Wh` $(4H, H)$, `b` $(4H,)$. For the backward step:
$\\sigma' = \\sigma (1 - \\sigma)$, $\\tanh' = 1 - \\tanh^2$, and $c_t$ reaches the
loss in two ways, through $c_{t+1}$ (`dc_next`) and through $h_t$.

The GRU has no cell state and three blocks, in the order $(r, z, n)$ of PyTorch
and minirnn, with **two** biases: the input part `ax = x @ Wx.T + bx` and the
recurrent part `ah = h_prev @ Wh.T + bh`, both $(N, 3H)$. For one sequence, write
$a^x_r, a^x_z, a^x_n$ for the three blocks of its row of `ax`, $a^h_r, a^h_z$ for the
first two of `ah`, and $m_t = W_{hn} h_{t-1} + b_{hn}$ for its third
(`ah[:, 2*H:3*H]`):

$$
\\begin{aligned}
r_t &= \\sigma(a^x_r + a^h_r), \\quad z_t = \\sigma(a^x_z + a^h_z), \\quad
n_t = \\tanh(a^x_n + r_t \\odot m_t),\\\\
h_t &= (1 - z_t) \\odot n_t + z_t \\odot h_{t-1}.
\\end{aligned}
$$

The reset gate scales $m_t$ with its bias $b_{hn}$ inside, which is why the GRU
keeps two biases. `Wx` is $(3H, D)$, `Wh` $(3H, H)$, `bx` and `bh` $(3H,)$.""",
    setup="import numpy as np\n\nfrom minirnn import workbook\nfrom minirnn.lstm import sigmoid",
    exercises=[
        ("lstm_step_forward", "wb6-lstm-step-forward", "One LSTM step", """\
Write `lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b)`. Return `h_next`,
`c_next` (both $(N, H)$) and the cache
`(x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c)` with `tanh_c` $= \\tanh(c_t)$.
`sigmoid` is imported above.""",
         '''\
def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
    """One LSTM step; gate blocks (i, f, g, o).

    x (N, D), h_prev (N, H), c_prev (N, H), Wx (4H, D), Wh (4H, H), b (4H,).
    Returns h_next (N, H), c_next (N, H) and
    cache = (x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c).
    """
    # your code here
    raise NotImplementedError''',
         'workbook.check("lstm_step_forward", lstm_step_forward)',
         '''\
def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
    H = h_prev.shape[1]
    a = x @ Wx.T + h_prev @ Wh.T + b      # (N, 4H): the four blocks in one product
    i = sigmoid(a[:, 0 * H:1 * H])        # input gate
    f = sigmoid(a[:, 1 * H:2 * H])        # forget gate
    g = np.tanh(a[:, 2 * H:3 * H])        # candidate
    o = sigmoid(a[:, 3 * H:4 * H])        # output gate
    c_next = f * c_prev + i * g
    tanh_c = np.tanh(c_next)
    h_next = o * tanh_c
    return h_next, c_next, (x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c)'''),
        ("lstm_step_backward", "wb6-lstm-step-backward", "The LSTM backward step", """\
Write `lstm_step_backward(dh_next, dc_next, cache)`: return `dx` $(N, D)$,
`dh_prev` $(N, H)$, `dc_prev` $(N, H)$, `dWx` $(4H, D)$, `dWh` $(4H, H)$ and
`db` $(4H,)$. Go back through $h_t = o_t \\odot \\tanh(c_t)$ and
$c_t = f_t \\odot c_{t-1} + i_t \\odot g_t$ to the four gate values, then through
their activations to `da` $(N, 4H)$, stacked in the order $(i, f, g, o)$; the
rest is the same as for the RNN step. The check also compares your gradients
with numerical derivatives of your `lstm_step_forward`.""",
         '''\
def lstm_step_backward(dh_next, dc_next, cache):
    """Backward pass of one LSTM step.

    dh_next (N, H), dc_next (N, H); cache from lstm_step_forward.
    Returns dx (N, D), dh_prev (N, H), dc_prev (N, H), dWx (4H, D), dWh (4H, H), db (4H,).
    """
    x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c = cache
    # your code here
    raise NotImplementedError''',
         'workbook.check("lstm_step_backward", lstm_step_backward, forward=lstm_step_forward)',
         '''\
def lstm_step_backward(dh_next, dc_next, cache):
    x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c = cache
    dc = dc_next + dh_next * o * (1.0 - tanh_c ** 2)   # both ways c_t reaches the loss
    do = dh_next * tanh_c                 # gradients with respect to the gate values
    di = dc * g
    df = dc * c_prev
    dg = dc * i
    da = np.concatenate([di * i * (1.0 - i),          # through the activations,
                         df * f * (1.0 - f),          # in the order (i, f, g, o)
                         dg * (1.0 - g ** 2),
                         do * o * (1.0 - o)], axis=1)
    dc_prev = dc * f                      # the additive path: only the forget gate
    dx = da @ Wx
    dh_prev = da @ Wh
    dWx = da.T @ x
    dWh = da.T @ h_prev
    db = da.sum(axis=0)
    return dx, dh_prev, dc_prev, dWx, dWh, db'''),
        ("gru_step_forward", "wb6-gru-step-forward", "One GRU step", """\
Write `gru_step_forward(x, h_prev, Wx, Wh, bx, bh)`. Return `h_next` $(N, H)$
and the cache `(x, h_prev, Wx, Wh, r, z, n, m)` with `m` $= W_{hn} h_{t-1} +
b_{hn}$, the n block of the recurrent part.""",
         '''\
def gru_step_forward(x, h_prev, Wx, Wh, bx, bh):
    """One GRU step; gate blocks (r, z, n).

    x (N, D), h_prev (N, H), Wx (3H, D), Wh (3H, H), bx (3H,), bh (3H,).
    Returns h_next (N, H) and cache = (x, h_prev, Wx, Wh, r, z, n, m).
    """
    # your code here
    raise NotImplementedError''',
         'workbook.check("gru_step_forward", gru_step_forward)',
         '''\
def gru_step_forward(x, h_prev, Wx, Wh, bx, bh):
    H = h_prev.shape[1]
    ax = x @ Wx.T + bx                    # (N, 3H): input part of the three blocks
    ah = h_prev @ Wh.T + bh               # (N, 3H): recurrent part, its own bias
    r = sigmoid(ax[:, 0 * H:1 * H] + ah[:, 0 * H:1 * H])   # reset gate
    z = sigmoid(ax[:, 1 * H:2 * H] + ah[:, 1 * H:2 * H])   # update gate
    m = ah[:, 2 * H:3 * H]                # W_hn h_prev + b_hn, bias included
    n = np.tanh(ax[:, 2 * H:3 * H] + r * m)                # candidate
    h_next = (1.0 - z) * n + z * h_prev   # keep z of the old state
    return h_next, (x, h_prev, Wx, Wh, r, z, n, m)'''),
        ("gru_step_backward", "wb6-gru-step-backward", "The GRU backward step", """\
Write `gru_step_backward(dh_next, cache)`: return `dx` $(N, D)$, `dh_prev`
$(N, H)$, `dWx` $(3H, D)$, `dWh` $(3H, H)$, `dbx` $(3H,)$ and `dbh` $(3H,)$. Go
back through $h_t = (1 - z_t) \\odot n_t + z_t \\odot h_{t-1}$ to $z_t$ and $n_t$,
through the tanh to the candidate's pre-activation, from it to $r_t$ (which
multiplies $m_t$) and through the sigmoids. The input part receives the three
blocks $(da^r_t, da^z_t, da^n_t)$; the recurrent part receives the same, except that its n
block went through the reset gate. And $h_{t-1}$ reaches $h_t$ twice: through
$W_h$ and directly. The check also compares your gradients with numerical
derivatives of your `gru_step_forward`.""",
         '''\
def gru_step_backward(dh_next, cache):
    """Backward pass of one GRU step.

    dh_next (N, H); cache = (x, h_prev, Wx, Wh, r, z, n, m) from gru_step_forward.
    Returns dx (N, D), dh_prev (N, H), dWx (3H, D), dWh (3H, H), dbx (3H,), dbh (3H,).
    """
    x, h_prev, Wx, Wh, r, z, n, m = cache
    # your code here
    raise NotImplementedError''',
         'workbook.check("gru_step_backward", gru_step_backward, forward=gru_step_forward)',
         '''\
def gru_step_backward(dh_next, cache):
    x, h_prev, Wx, Wh, r, z, n, m = cache
    dz = dh_next * (h_prev - n)           # h_next = (1 - z) n + z h_prev
    dn = dh_next * (1.0 - z)
    dan = dn * (1.0 - n ** 2)             # through the candidate's tanh
    dr = dan * m                          # r scaled m = W_hn h_prev + b_hn
    dar = dr * r * (1.0 - r)              # through the sigmoids
    daz = dz * z * (1.0 - z)
    dax = np.concatenate([dar, daz, dan], axis=1)       # input part, (r, z, n)
    dah = np.concatenate([dar, daz, dan * r], axis=1)   # recurrent part: n went through r
    dx = dax @ Wx
    dh_prev = dh_next * z + dah @ Wh      # the direct path, then the three blocks
    dWx = dax.T @ x
    dWh = dah.T @ h_prev
    dbx = dax.sum(axis=0)
    dbh = dah.sum(axis=0)
    return dx, dh_prev, dWx, dWh, dbx, dbh'''),
    ],
)

WB8 = dict(
    file="08_attention_workbook.ipynb",
    title="Workbook 8: attention",
    recap="""\
This workbook goes with [chapter 8](../08_attention.ipynb). For every output
step $t$ and source position $j$, attention computes a score, a weight and a
context vector:

$$
u_{t,j} = \\mathrm{score}(h^{dec}_t, h^{enc}_j), \\qquad
\\alpha_{t,j} = \\mathrm{softmax}_j\\, u_{t,j}, \\qquad
m_t = \\sum_j \\alpha_{t,j}\\, h^{enc}_j .
$$

In the code the decoder states are the queries `q` $(N, T, H)$, the encoder
states are the keys `k` (and the `values`) $(N, S, H)$, and scores and weights
are $(N, T, S)$. For one sequence, `q[n] @ k[n].T` is the $T \\times S$ matrix
of dot products; `q @ k.transpose(0, 2, 1)` does it for all $N$ at once. A
mask $(N, S)$ is True at the real source positions and False at the padding.""",
    setup="import numpy as np\n\nfrom minirnn import workbook",
    exercises=[
        ("dot_scores_forward", "wb8-dot-forward", "Scaled dot-product scores", """\
Write `dot_scores_forward(q, k)`: the scores
$u_{t,j} = h^{dec}_t \\cdot h^{enc}_j / \\sqrt{H}$ for every sequence, shape
$(N, T, S)$, and the cache `(q, k, scale)` with `scale` $= 1/\\sqrt{H}$ (a
number).""",
         '''\
def dot_scores_forward(q, k):
    """Scaled dot-product scores.

    q (N, T, H), k (N, S, H). Returns u (N, T, S) and cache = (q, k, scale).
    """
    # your code here
    raise NotImplementedError''',
         'workbook.check("dot_scores_forward", dot_scores_forward)',
         '''\
def dot_scores_forward(q, k):
    scale = 1.0 / np.sqrt(q.shape[-1])
    u = scale * (q @ k.transpose(0, 2, 1))     # (N, T, H) @ (N, H, S) = (N, T, S)
    return u, (q, k, scale)'''),
        ("dot_scores_backward", "wb8-dot-backward", "Its backward pass", """\
Write `dot_scores_backward(du, cache)`: return `dq` $(N, T, H)$ and `dk`
$(N, S, H)$. For one sequence $U = s\\, Q K^\\top$, a matrix product, so
chapter 4's rule applies: $dQ = s\\, dU\\, K$ and $dK = s\\, dU^\\top Q$.""",
         '''\
def dot_scores_backward(du, cache):
    """Backward pass of dot_scores_forward.

    du (N, T, S). Returns dq (N, T, H), dk (N, S, H).
    """
    q, k, scale = cache
    # your code here
    raise NotImplementedError''',
         'workbook.check("dot_scores_backward", dot_scores_backward, '
         'forward=dot_scores_forward)',
         '''\
def dot_scores_backward(du, cache):
    q, k, scale = cache
    dq = scale * (du @ k)                       # (N, T, S) @ (N, S, H)
    dk = scale * (du.transpose(0, 2, 1) @ q)    # (N, S, T) @ (N, T, H)
    return dq, dk'''),
        ("masked_softmax_forward", "wb8-softmax-forward", "Masked softmax weights", """\
Write `masked_softmax_forward(u, mask)`: the softmax of the scores over the
source positions (the last axis), with the scores of padded positions
(`mask` False) set to $-\\infty$ first, so that their weight is exactly 0.
Subtract each row's maximum before `np.exp` (a real position always has a
finite score). Return `alpha` $(N, T, S)$ and the cache `(alpha,)`.""",
         '''\
def masked_softmax_forward(u, mask):
    """Attention weights: softmax over the last axis, padding masked out.

    u (N, T, S), mask (N, S) bool, True at the real positions.
    Returns alpha (N, T, S) and cache = (alpha,).
    """
    # your code here
    raise NotImplementedError''',
         'workbook.check("masked_softmax_forward", masked_softmax_forward)',
         '''\
def masked_softmax_forward(u, mask):
    u = np.where(mask[:, None, :], u, -np.inf)     # the same mask for every query t
    e = np.exp(u - u.max(axis=-1, keepdims=True))  # exp(-inf) = 0
    alpha = e / e.sum(axis=-1, keepdims=True)
    return alpha, (alpha,)'''),
        ("masked_softmax_backward", "wb8-softmax-backward", "The softmax backward pass", """\
Write `masked_softmax_backward(dalpha, cache)`: return `du` $(N, T, S)$. For
one row, $\\partial \\alpha_i / \\partial u_j = \\alpha_i(\\delta_{ij} - \\alpha_j)$,
so $du_j = \\alpha_j\\,(d\\alpha_j - \\sum_i \\alpha_i\\, d\\alpha_i)$. (Padded
positions have $\\alpha_j = 0$ and get no gradient by themselves.)""",
         '''\
def masked_softmax_backward(dalpha, cache):
    """Backward pass of masked_softmax_forward.

    dalpha (N, T, S). Returns du (N, T, S).
    """
    (alpha,) = cache
    # your code here
    raise NotImplementedError''',
         'workbook.check("masked_softmax_backward", masked_softmax_backward, '
         'forward=masked_softmax_forward)',
         '''\
def masked_softmax_backward(dalpha, cache):
    (alpha,) = cache
    return alpha * (dalpha - (dalpha * alpha).sum(axis=-1, keepdims=True))'''),
        ("context_forward", "wb8-context-forward", "The context vectors", """\
Write `context_forward(alpha, values)`: $m_t = \\sum_j \\alpha_{t,j}\\,
\\text{values}_j$ for every sequence, shape $(N, T, H)$, and the cache
`(alpha, values)`.""",
         '''\
def context_forward(alpha, values):
    """Context vectors.

    alpha (N, T, S), values (N, S, H). Returns m (N, T, H) and cache = (alpha, values).
    """
    # your code here
    raise NotImplementedError''',
         'workbook.check("context_forward", context_forward)',
         '''\
def context_forward(alpha, values):
    return alpha @ values, (alpha, values)      # (N, T, S) @ (N, S, H)'''),
        ("context_backward", "wb8-context-backward", "Its backward pass", """\
Write `context_backward(dm, cache)`: return `dalpha` $(N, T, S)$ and
`dvalues` $(N, S, H)$, from $M = \\mathcal{A} \\mathcal{V}$ per sequence, with
$\\mathcal{A}$ the $T \\times S$ matrix of weights and $\\mathcal{V}$ the $S \\times H$
matrix of values ($V$ is the vocabulary size).""",
         '''\
def context_backward(dm, cache):
    """Backward pass of context_forward.

    dm (N, T, H). Returns dalpha (N, T, S), dvalues (N, S, H).
    """
    alpha, values = cache
    # your code here
    raise NotImplementedError''',
         'workbook.check("context_backward", context_backward, forward=context_forward)',
         '''\
def context_backward(dm, cache):
    alpha, values = cache
    dalpha = dm @ values.transpose(0, 2, 1)     # (N, T, H) @ (N, H, S)
    dvalues = alpha.transpose(0, 2, 1) @ dm     # (N, S, T) @ (N, T, H)
    return dalpha, dvalues'''),
        ("additive_scores_forward", "wb8-additive-forward", "Additive scores", """\
Write `additive_scores_forward(q, k, Wq, Wk, v)`: with `Wq`, `Wk` $(A, H)$
and `v` $(A,)$, $u_{t,j} = v^\\top \\tanh(W_q h^{dec}_t + W_k h^{enc}_j)$.
Project the queries once, `q @ Wq.T` $(N, T, A)$, and the keys once,
`k @ Wk.T` $(N, S, A)$, and add them by broadcasting to $(N, T, S, A)$. Return
`u` $(N, T, S)$ and the cache `(q, k, Wq, Wk, v, act)` with `act` the tanh
values.""",
         '''\
def additive_scores_forward(q, k, Wq, Wk, v):
    """Additive (Bahdanau) scores.

    q (N, T, H), k (N, S, H), Wq (A, H), Wk (A, H), v (A,).
    Returns u (N, T, S) and cache = (q, k, Wq, Wk, v, act), act (N, T, S, A).
    """
    # your code here
    raise NotImplementedError''',
         'workbook.check("additive_scores_forward", additive_scores_forward)',
         '''\
def additive_scores_forward(q, k, Wq, Wk, v):
    q_proj = q @ Wq.T                                   # (N, T, A)
    k_proj = k @ Wk.T                                   # (N, S, A)
    act = np.tanh(q_proj[:, :, None, :] + k_proj[:, None, :, :])   # (N, T, S, A)
    return act @ v, (q, k, Wq, Wk, v, act)'''),
        ("additive_scores_backward", "wb8-additive-backward", "Its backward pass", """\
Write `additive_scores_backward(du, cache)`: return `dq`, `dk`, `dWq`, `dWk`,
`dv`. Go back through $u = v^\\top \\phi$ and $\\phi = \\tanh(\\cdot)$ to the
pre-activation gradient `dpre` $(N, T, S, A)$; the projection of query $t$ was
used for every $j$, so its gradient is the sum of `dpre` over $j$ (axis 2);
that of key $j$, the sum over $t$ (axis 1).""",
         '''\
def additive_scores_backward(du, cache):
    """Backward pass of additive_scores_forward.

    du (N, T, S). Returns dq (N, T, H), dk (N, S, H), dWq (A, H), dWk (A, H), dv (A,).
    """
    q, k, Wq, Wk, v, act = cache
    # your code here
    raise NotImplementedError''',
         'workbook.check("additive_scores_backward", additive_scores_backward, '
         'forward=additive_scores_forward)',
         '''\
def additive_scores_backward(du, cache):
    q, k, Wq, Wk, v, act = cache
    N, T, S, A = act.shape
    H = q.shape[2]
    dv = np.einsum("ntj,ntja->a", du, act)         # u = act . v, summed over all pairs
    dpre = du[..., None] * v * (1.0 - act ** 2)    # through v and tanh
    dq_proj = dpre.sum(axis=2)                     # (N, T, A): summed over the keys j
    dk_proj = dpre.sum(axis=1)                     # (N, S, A): summed over the queries t
    dq, dk = dq_proj @ Wq, dk_proj @ Wk
    dWq = dq_proj.reshape(N * T, A).T @ q.reshape(N * T, H)
    dWk = dk_proj.reshape(N * S, A).T @ k.reshape(N * S, H)
    return dq, dk, dWq, dWk, dv'''),
    ],
)

WORKBOOKS = [WB1, WB2, WB3, WB4, WB5, WB6, WB8]


def build(wb: dict) -> nbformat.NotebookNode:
    nb = _new_notebook().skeleton(wb["title"])
    cells = nb.cells
    cells.append(nbformat.v4.new_markdown_cell(wb["recap"] + "\n\n" + HOW))
    cells.append(nbformat.v4.new_code_cell(wb["setup"]))
    for name, label, title, task, stub, check, sol in wb["exercises"]:
        cells.append(nbformat.v4.new_markdown_cell(f"## `{name}`\n\n" + exercise(label, title,
                                                                                 task)))
        cells.append(nbformat.v4.new_code_cell(stub))
        cells.append(nbformat.v4.new_code_cell(check))
        # Hidden until clicked: a dropdown in the book, a collapsed cell in JupyterLab.
        cells.append(nbformat.v4.new_markdown_cell(
            solution(label, sol), metadata={"jupyter": {"source_hidden": True}}))
    return nb


def sources(nb) -> list[tuple[str, str]]:
    return [(c.cell_type, c.source) for c in nb.cells]


def main(argv: list[str]) -> int:
    check = "--check" in argv
    FOLDER.mkdir(parents=True, exist_ok=True)
    differ = []
    for wb in WORKBOOKS:
        path = FOLDER / wb["file"]
        new = build(wb)
        if path.exists():
            old = nbformat.read(path, as_version=4)
            if sources(old) == sources(new):
                continue
            if not check:
                # keep the outputs of cells whose source did not change
                outputs = {c.source: c for c in old.cells if c.cell_type == "code"}
                for c in new.cells:
                    if c.cell_type == "code" and c.source in outputs:
                        c.outputs = outputs[c.source].outputs
                        c.execution_count = outputs[c.source].execution_count
        differ.append(path)
        if check:
            print(f"{path}: differs from tools/make_workbooks.py")
        else:
            nbformat.write(new, path)
            print(f"{path}: written (re-execute it: make notebook NB={path.relative_to(ROOT)})")
    return 1 if check and differ else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Benchmark: an RNNLM on the agreement grammar against the exact floor and the baselines.

Prints the training wall time, the validation perplexity at the END of training
(not the best checkpoint), the exact floor perplexity of the grammar, their
ratio, the n-gram perplexities (orders 1-4, Witten-Bell) and the exact
agreement-blind perplexity. Targets (issue 3): ratio <= 1.02 after at most 10 s
of training, and lower than every n-gram and the agreement-blind model.

Run:  OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/lm_grammar.py [--seed 0]
(one BLAS thread is fastest for these small matrices on a busy 2-core machine).
"""

import argparse
import math
import os
import time

import minirnn.tasks.grammar as g
from minirnn import RNNLM
from minirnn.ngram import ngram_perplexities
from minirnn.optim import Adam
from minirnn.train import train_lm

# The configuration the chapter uses (notebooks/09_remembering_lm.ipynb).
EMBED, HIDDEN, BATCH, SEQ_LEN, EPOCHS, LR, CLIP = 16, 32, 32, 32, 20, 0.01, 5.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    args = parser.parse_args()

    vocab = g.vocabulary()
    train_ids = vocab.encode(g.corpus_tokens("train"))
    val_ids = vocab.encode(g.corpus_tokens("valid"))
    floor = g.floor_perplexity()
    print(f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}, "
          f"corpus: {train_ids.size} training / {val_ids.size} validation tokens, V={len(vocab)}")
    print(f"model: RNNLM(E={EMBED}, H={HIDDEN}), batch {BATCH}, seq_len {SEQ_LEN}, "
          f"{args.epochs} epochs, Adam lr {LR} with cosine decay, clip {CLIP}, seed {args.seed}")

    model = RNNLM(len(vocab), EMBED, HIDDEN, seed=args.seed, vocab=vocab)
    opt = Adam(lr=LR)

    def cosine(epoch, history):           # learning rate for the next epoch
        opt.lr = LR * 0.5 * (1 + math.cos(math.pi * epoch / args.epochs))

    start = time.perf_counter()
    hist = train_lm(model, train_ids, batch_size=BATCH, seq_len=SEQ_LEN, epochs=args.epochs,
                    optimizer=opt, clip=CLIP, val_ids=val_ids, eval_every=args.epochs,
                    val_batch_size=1, callback=cosine)
    wall = time.perf_counter() - start
    final = hist["val_ppl"][-1]            # after the last epoch: no checkpoint picking

    true_val = math.exp(-g.stream_log_probs(g.corpus_tokens("valid")).mean())
    ngrams = ngram_perplexities(train_ids, val_ids, len(vocab))
    blind = g.blind_perplexity()
    print(f"training wall time (incl. one final validation pass): {wall:.2f} s")
    print(f"final training perplexity (last epoch, running): {hist['train_ppl'][-1]:.4f}")
    print(f"final validation perplexity:  {final:.4f}")
    print(f"exact floor perplexity:       {floor:.4f}")
    print(f"ratio to the floor:           {final / floor:.4f}   (target <= 1.02)")
    print(f"true model on this validation text: {true_val:.4f} ({true_val / floor:.4f} x floor)")
    for n, p in ngrams.items():
        print(f"{n}-gram (Witten-Bell) validation perplexity: {p:.4f} ({p / floor:.4f} x floor; "
              f"with unlimited text {g.ngram_limit_perplexity(n) / floor:.4f} x floor)")
    print(f"agreement-blind exact perplexity: {blind:.4f} ({blind / floor:.4f} x floor)")
    beaten = final < min(min(ngrams.values()), blind)
    print(f"targets met: ratio <= 1.02: {final / floor <= 1.02}, wall <= 10 s: {wall <= 10}, "
          f"beats every n-gram and the blind model: {beaten}")


if __name__ == "__main__":
    main()

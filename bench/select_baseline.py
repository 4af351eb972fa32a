#!/usr/bin/python3
"""Python baselines for the batched selection benchmarks (bench/select_batch_bench.cpp).

Generates the same data as the C++ benchmark (splitmix64 finaliser h, 64 samples per prompt) and
times what a Python user writes: collections.Counter for majority voting, a Counter plus a score
dict for Best-of-Majority, numpy argmax / argpartition for Best-of-N on scores, and
numpy.argpartition for the top-k of 1e7 floats. Prints nanoseconds per candidate.

Needs numpy (Debian: apt-get install python3-numpy, then run with /usr/bin/python3).
Usage: /usr/bin/python3 bench/select_baseline.py [--prompts 10000] [--repeats 3]
"""

import argparse
import collections
import time

import numpy as np

MASK = (1 << 64) - 1
N = 64
ALPHA = 0.05


def h(x):
    """splitmix64 finaliser of x + golden ratio, on numpy uint64 arrays (wrapping arithmetic)."""
    z = x + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def make_dataset(prompts, many_distinct):
    """ids (prompts x 64, uint64) and scores (float32), identical to the C++ generator."""
    with np.errstate(over="ignore"):
        b = np.arange(prompts, dtype=np.uint64)[:, None]
        i = np.arange(N, dtype=np.uint64)[None, :]
        r = h(np.uint64(1 << 40) + np.uint64(N) * b + i)
        if many_distinct:
            ids = r
        else:
            distinct = np.uint64(4) + h(b ^ np.uint64(0xA5A5)) % np.uint64(13)
            u = (r >> np.uint64(11)).astype(np.float64) * 2.0**-53
            j = np.floor(distinct.astype(np.float64) * (u * u)).astype(np.uint64)
            ids = h(np.uint64(1000003) * b + j)
        scores = (h(np.uint64(1 << 41) + np.uint64(N) * b + i) >> np.uint64(40)).astype(
            np.float32) * np.float32(2.0**-24)
    return ids, scores


def majority_counter(ids_rows):
    # most_common keeps first-insertion order among equal counts (Python 3.7+ dicts).
    return [collections.Counter(row).most_common(1)[0][0] for row in ids_rows]


def best_of_majority_counter(ids_rows, score_rows):
    out = []
    min_count = ALPHA * N
    for row, scores in zip(ids_rows, score_rows):
        counts = collections.Counter(row)
        sums = collections.defaultdict(float)
        for answer, score in zip(row, scores):
            sums[answer] += score
        best, best_mean = None, -float("inf")
        for answer, count in counts.items():  # first-appearance order
            mean = sums[answer] / count
            if count >= min_count and mean > best_mean:
                best, best_mean = answer, mean
        if best is None:
            best = counts.most_common(1)[0][0]
        out.append(best)
    return out


def timed(fn, repeats):
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompts", type=int, default=10000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    for many in (False, True):
        ids, scores = make_dataset(args.prompts, many)
        candidates = ids.size
        ids_rows = ids.tolist()  # Python ints, as answers arrive from Python code
        score_rows = scores.tolist()
        label = "many" if many else "realistic"
        rows = [
            ("majority Counter.most_common", lambda: majority_counter(ids_rows)),
            ("best_of_majority Counter+dict", lambda: best_of_majority_counter(ids_rows, score_rows)),
            ("best_of_n k=1 np.argmax(axis=1)", lambda: np.argmax(scores, axis=1)),
            ("best_of_n k=8 np.argpartition(axis=1)",
             lambda: np.argpartition(-scores, 7, axis=1)[:, :8]),
        ]
        for name, fn in rows:
            seconds = timed(fn, args.repeats)
            print(f"{label:9s} {name:40s} {seconds * 1e9 / candidates:8.2f} ns/candidate")
    with np.errstate(over="ignore"):
        long_values = (h(np.uint64(1 << 42) + np.arange(10_000_000, dtype=np.uint64)) >>
                       np.uint64(40)).astype(np.float32) * np.float32(2.0**-24)
    seconds = timed(lambda: np.argpartition(-long_values, 63)[:64], args.repeats)
    print(f"{'1e7':9s} {'top-64 np.argpartition':40s} {seconds * 1e9 / long_values.size:8.2f} "
          "ns/candidate")


if __name__ == "__main__":
    main()

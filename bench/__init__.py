"""canaryscope's benchmarks: real processes on real pseudo-terminals, measured against budgets.

`python -m bench` runs them all and writes BENCHMARKS.md; `python -m bench NAME` runs one; `--quick` is a
short smoke version with tiny sizes. Kept free of imports: `python -m bench.minimal_app` must start as
lightly as any Textual app.
"""

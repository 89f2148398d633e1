"""Data sets that the notebooks generate: every task takes a seed."""

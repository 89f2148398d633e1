"""The course's figures, drawn with matplotlib (imported only when used)."""

"""Reports coming back: reading them, diff and redline, pull, marked workbook copies."""

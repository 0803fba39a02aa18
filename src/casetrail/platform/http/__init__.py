"""The HTTP edge every context's routes share: problems, auth, limits, cursors."""

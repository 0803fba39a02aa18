"""The write side of the customer directory and its single-stream queries."""

"""The write side of cases: commands, their results, the desk that runs them."""

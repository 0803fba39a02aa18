"""What every context shares and nothing else: ids, the actor, typed errors. Pure."""

"""Read models of the directory, and the presence leases armed as durable timers."""

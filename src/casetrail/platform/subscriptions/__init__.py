"""Following the notification log: batches, single-active runners, rebuilds."""

"""Privacy: per-customer keys that encrypt personal fields of events (crypto-shredding),
erasure by destroying a key, and the masked views analysts query through Trino."""

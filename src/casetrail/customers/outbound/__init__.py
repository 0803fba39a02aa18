"""The directory's public messages (``support.customer.*``), published by the support relay."""

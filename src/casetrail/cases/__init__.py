"""Support cases and their conversations: the domain, commands, read models, API."""

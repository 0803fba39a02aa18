"""The directory of who works here: agents (skills, capacity, presence) and departments."""

"""The directory's HTTP routes: agents, presence, queues, departments, case routing."""

"""The 360-degree case timeline: the view, its readers and caches."""

"""HTTP routes and schemas of cases."""

"""Agents and departments as aggregates: pure rules, time and ids passed in."""

"""Helpers shared by the test suites (browser, accessibility, query counts)."""

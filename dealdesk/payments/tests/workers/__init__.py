"""Handlers with countable effects for tests that run real worker processes.

The worker processes load ``settings`` (this package's), which adds this package as an
app: its ``ready`` registers the handlers in the one registry production uses. Nothing
here is imported by the application itself.
"""

"""The pytest plugin: inert unless the project names its app (placeholder)."""

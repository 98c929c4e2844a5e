"""The model-following checks, as a pytest plugin (see plugin.py)."""

"""Bundled forecasting questions (YAML): the source analysis's judgments for 2022."""

"""Brief sections, one module per capability. Each exposes ``build(ctx) -> list[Section]``."""

"""Reports: a small document model rendered to the terminal (rich) and to self-contained HTML."""

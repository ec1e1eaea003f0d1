"""The index: SQL (source of truth, lexical search) and Chroma (derived chunk vectors)."""

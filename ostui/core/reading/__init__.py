"""Finding logs and reading their bytes: byte sources (plain, gzip, spilled), discovery
of a tree, duplicates."""

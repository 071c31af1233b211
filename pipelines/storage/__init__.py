"""Where the data directory lives: a local path or ``s3://bucket/prefix``.

See docs/object-storage.md.
"""

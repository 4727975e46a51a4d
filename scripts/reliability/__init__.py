"""The reliability suite: load, soak, fuzz and faults against the packaged jar on loopback (see __main__)."""

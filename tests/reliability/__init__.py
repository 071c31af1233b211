"""Reliability and security: faults, kills, bad settings, drift, secrets, concurrent readers."""

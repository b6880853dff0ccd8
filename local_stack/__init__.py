"""The local stack: Herald on one machine over an embedded AWS emulation (moto)."""

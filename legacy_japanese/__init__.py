"""Legacy Japanese text: the codecs Windows-era software wrote, and choosing among them.

Shared by every app that reads bytes from outside: `porting/` (export files)
and `trackbacks/` (pings and fetched source pages). See `variants` for the
codecs and `decoding` for how a charset is chosen.
"""

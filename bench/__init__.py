"""Rewire's load benchmark (`make bench`). See bench/README.md."""

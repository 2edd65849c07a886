"""The staff review pages under /staff (blueprint in views.py, sign-in in auth.py, what the
pages show in present.py)."""

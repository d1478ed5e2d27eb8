"""The checks. Each module holds one check and its config section; `registry` lists them."""

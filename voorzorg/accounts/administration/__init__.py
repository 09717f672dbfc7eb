"""The functional administrator's pages: users and roles (``users``), organisations,
regions and their Treeknorm (``organisations``), within her regions (docs/administration.md)."""

"""What every view shares: URL state, sidebar and data controls, result store, job slots, theme, export, downloads, script generator and common figures."""

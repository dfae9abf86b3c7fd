"""The presentation side: how figures are worded, formatted, coloured and drawn, for the screen, the CSV
downloads, the PNGs and the packs alike. It reads the figures side; the figures side never reads it."""

"""Registrar export files: named formats (data), safe cells, and streaming CSV/XLSX writers (no ORM here)."""

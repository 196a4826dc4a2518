"""One module per mechanism; each public function documents its equation and source."""

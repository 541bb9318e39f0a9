"""The Word report: the template docxtpl prepares, the context, rendering."""

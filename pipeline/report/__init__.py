"""The report model: computed figures, the form's checks and the annex list."""

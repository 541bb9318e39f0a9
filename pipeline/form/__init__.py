"""The form as data: form.yaml and rules.yaml loaded and checked, and how figures are printed."""

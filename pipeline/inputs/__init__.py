"""The clerks' section workbooks: opening, values, formulas, file checks, records; blank sets."""

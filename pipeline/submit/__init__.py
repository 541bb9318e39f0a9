"""The submission: LibreOffice conversion and the package of report and annexes."""

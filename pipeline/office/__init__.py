"""Office file formats on plain lxml: the OPC package, WordprocessingML helpers, pictures, properties."""

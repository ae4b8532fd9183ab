"""This computer: the collector (psutil and the file system), pure parsers, the catalog and the source opener."""

"""An Android phone over adb: the collector, pure parsers of what adb prints, and the source opener."""

"""iPhones: read over USB (pymobiledevice3, read-only services) or from a backup folder, for the ``ios`` checks.

- :mod:`auditor.ios.collector` fetches from a connected phone (pymobiledevice3 is imported only there);
- :mod:`auditor.ios.backup` and :mod:`auditor.ios.keybag` read a backup folder, encrypted or not;
- :mod:`auditor.ios.parsers` turns both into Readings (pure functions);
- :mod:`auditor.ios.catalog` holds the project lists (dual-use apps, jailbreak tools, iOS releases);
- :mod:`auditor.ios.source` opens the sources the engine runs the checks on.
"""

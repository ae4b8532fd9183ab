"""Checks of this computer (psutil and the file system): stalkerware and monitoring software, remote-access tools,
autostart entries, connections and hosts-file entries of stalkerware servers, SSH access."""

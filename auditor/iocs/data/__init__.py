"""The default stalkerware indicator set, shipped inside the package (Echap, CC-BY 4.0; see README.md here)."""

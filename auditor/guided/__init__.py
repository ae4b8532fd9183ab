"""Sources for the kinds no API reaches (Apple, social accounts, phone plans): their checks are guided."""

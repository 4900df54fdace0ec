"""`make demo`: seeds a living organisation through the public HTTP APIs, as an import tool would."""

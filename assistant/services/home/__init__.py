"""The App Home dashboard's content."""

"""`outreach demo`: the product offline on its defaults, step by step against local stand-ins."""

"""Yammer / Viva Engage: sign-in, shout-outs and cross-posting."""

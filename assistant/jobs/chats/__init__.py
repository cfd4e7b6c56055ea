"""Running hashtag chats: a pure plan of what is due, one publisher per network, and the runner the worker polls."""

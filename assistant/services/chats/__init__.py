"""Hashtag chats: rules for their text, recurrence, and the chat use cases."""

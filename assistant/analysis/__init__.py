"""Pure analysis over posts and graphs: digest figures, mapping metrics, recurring chats."""

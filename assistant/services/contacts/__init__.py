"""The contact book: fields, files and the book's use cases."""

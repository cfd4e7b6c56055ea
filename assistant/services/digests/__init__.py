"""Post-chat digests: collect the posts, read them back, make and record the digest."""

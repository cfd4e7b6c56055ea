"""Fernet encryption of stored tokens, keyed by ENCRYPTION_KEY; errors never carry a secret."""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken

from assistant.config import Settings


class TokenDecryptError(Exception):
    """A stored token cannot be decrypted with the current ENCRYPTION_KEY."""


class TokenCipher:
    """Encrypts and decrypts token strings with one Fernet key."""

    def __init__(self, fernet: Fernet) -> None:
        self._fernet = fernet

    @classmethod
    def from_settings(cls, settings: Settings) -> TokenCipher:
        """Build from Settings.require_encryption_key() (a ConfigError names ENCRYPTION_KEY when missing)."""
        return cls(settings.require_encryption_key())

    def __repr__(self) -> str:
        return "TokenCipher(<key hidden>)"

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode("utf-8")).decode("ascii")

    def decrypt(self, ciphertext: str) -> str:
        try:
            return self._fernet.decrypt(ciphertext.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError):
            raise TokenDecryptError(
                "a stored token could not be decrypted: ENCRYPTION_KEY changed or is wrong "
                "(restore the previous key, or reconnect the account to store new tokens)"
            ) from None

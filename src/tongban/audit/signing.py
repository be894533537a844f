"""Ed25519 keys for audit checkpoints, kept as a PEM file with mode 0600."""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey


@dataclass(frozen=True)
class Signer:
    """Signs and verifies checkpoint messages; ``key_id`` names the public key."""

    private_key: Ed25519PrivateKey

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()

    @property
    def key_id(self) -> str:
        raw = self.public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return hashlib.sha256(raw).hexdigest()[:16]

    def sign(self, message: bytes) -> str:
        """Base64 signature of ``message``."""
        return base64.b64encode(self.private_key.sign(message)).decode()

    def verify(self, message: bytes, signature: str) -> bool:
        """True when ``signature`` was made by this key over ``message``."""
        try:
            self.public_key.verify(base64.b64decode(signature), message)
        except (InvalidSignature, ValueError):
            return False
        return True


def load_or_create_signer(path: Path) -> Signer:
    """Load the key at ``path``, generating one (mode 0600) on first use."""
    if path.exists():
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{path} is not an Ed25519 private key")
        return Signer(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    return Signer(key)

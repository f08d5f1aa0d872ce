"""The credential vault: connections' credentials encrypted at rest.

```python
from interlink.vault import FileKeySource, Key, Vault

vault = Vault(store, FileKeySource(".interlink/secret.key"), actor="cli")
vault.put(connection.id, {"access_token": "..."})
vault.get(connection.id)             # {"access_token": "..."}, audited as read by "cli"
vault.rotate(Key.generate())         # re-seal everything under a new key, readers unaffected
```

AES-256-GCM (`cryptography`), one blob per connection bound to its id; keys
from `INTERLINK_SECRET_KEY` or a 0600 key file (`default_key_source`), or any
`SecretBackend`. docs/security.md describes the key, rotation and threat model.
"""

from __future__ import annotations

from interlink._errors import VaultError
from interlink.vault._audit import AuditTrail, acting_for
from interlink.vault._backends import EnvSecret, FileSecret, SecretBackend
from interlink.vault._keys import KEY_BYTES, Key, Keyring, key_id_of
from interlink.vault._reseal import Resealer, ResealReport
from interlink.vault._rotation import RotationReport
from interlink.vault._seal import BLOB_VERSION, blob_key_id, open_blob, seal_blob
from interlink.vault._sources import (
    DEFAULT_KEY_FILE,
    KEYRING_FORMAT,
    RETIRED_KEYS_ENV,
    SECRET_KEY_ENV,
    EnvKeySource,
    FileKeySource,
    KeySource,
    SecretKeySource,
    default_key_source,
)
from interlink.vault._vault import CredentialStore, Vault, VaultCipher

__all__ = [
    "BLOB_VERSION",
    "DEFAULT_KEY_FILE",
    "KEYRING_FORMAT",
    "KEY_BYTES",
    "RETIRED_KEYS_ENV",
    "SECRET_KEY_ENV",
    "AuditTrail",
    "CredentialStore",
    "EnvKeySource",
    "EnvSecret",
    "FileKeySource",
    "FileSecret",
    "Key",
    "KeySource",
    "Keyring",
    "ResealReport",
    "Resealer",
    "RotationReport",
    "SecretBackend",
    "SecretKeySource",
    "Vault",
    "VaultCipher",
    "VaultError",
    "acting_for",
    "blob_key_id",
    "default_key_source",
    "key_id_of",
    "open_blob",
    "seal_blob",
]

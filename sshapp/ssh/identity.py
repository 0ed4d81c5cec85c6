"""Provides the identity of a login: whose run history its sessions read and write.

The SSH user name is whatever the client typed, so it never decides an identity alone:

- a key whose authorized_keys line names a user, `environment="SSHAPP_USER=alice"`
  (`--authorized-keys`): that name, `alice`. Only the server's operator writes it, and
  several keys may stand for one person. The option is OpenSSH's own syntax, so the same
  file also works for sshd (which applies it only with `PermitUserEnvironment`).
- any other key: its SHA256 fingerprint (`SHA256:…`), whatever user name it claims.
- no key (`--auth open` only): a guest, `guest:<user name>`. Anyone may claim a guest
  name, but a guest never shares history with a key, and names cannot contain `:`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

NAME_OPTION = "SSHAPP_USER"
"""The variable of an authorized_keys `environment=` option that names a key's user."""
GUEST_PREFIX = "guest:"
"""Prefix of the identity of a login without a key."""
USER_NAME = re.compile(r"^[A-Za-z0-9._@+-]{1,32}$")
"""SSH user names and key names accepted (no `:`, so never a fingerprint or a guest)."""
USER_RULE = "user names are 1-32 characters of A-Z a-z 0-9 . _ @ + -"


def key_name(options: Mapping[str, object] | None) -> str | None:
    """The user name an authorized_keys entry's options give its key, if a valid one.

    Args:
        options: The entry's options as asyncssh parsed them (`environment` is a dict).
    """
    environment = options.get("environment") if options else None
    if not isinstance(environment, Mapping):
        return None
    name = environment.get(NAME_OPTION)
    return name if isinstance(name, str) and USER_NAME.match(name) else None


def identity(user: str, fingerprint: str, name: str | None = None) -> str:
    """The identity of a login.

    Args:
        user: The SSH user name the client gave.
        fingerprint: SHA256 fingerprint of the key it logged in with ("" for none).
        name: The user name the key's authorized_keys line gives it, if any.

    Returns:
        `name`; else the fingerprint; else (no key) `guest:<user>`.
    """
    if fingerprint:
        return name or fingerprint
    return f"{GUEST_PREFIX}{user}"


ASSERT_VARIABLE = "SSHAPP_AS"
"""Channel environment variable in which a gateway asserts whose session it relays."""
_ASSERTED = re.compile(
    r"^(?:[A-Za-z0-9._@+-]{1,32}|SHA256:[A-Za-z0-9+/]{43}|guest:[A-Za-z0-9._@+-]{1,32})$"
)


def asserted(value: object) -> str | None:
    """The identity a gateway asserts, if it is one (a name, a fingerprint or a guest)."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return value if isinstance(value, str) and _ASSERTED.match(value) else None

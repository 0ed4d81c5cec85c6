"""Provides the SSHServer subclass: admission limits, auth policy, idle timeout, logging."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from pathlib import Path

import asyncssh

from sshapp.ssh.identity import USER_NAME, USER_RULE, identity, key_name
from sshapp.ssh.logline import log_event
from sshapp.ssh.state import ServerState, SessionEntry, next_id

REFUSE_BACKLOG = 32
"""Over-limit handshakes kept open to tell the client why; beyond this they are dropped."""


class AuthorizedKeys:
    """An authorized_keys file, re-read when it changes on disk."""

    def __init__(self, path: Path) -> None:
        """Read `path` now so a bad file fails at start-up.

        Raises:
            OSError: The file cannot be read.
            ValueError: The file is malformed (asyncssh.KeyImportError).
        """
        self._path = path
        self._mtime = path.stat().st_mtime_ns
        self._keys = asyncssh.read_authorized_keys(str(path))

    def lookup(self, key: asyncssh.SSHKey, host: str, addr: str) -> Mapping[str, object] | None:
        """The options of `key`'s entry if it is listed (and `from=` allows host/addr)."""
        try:
            mtime = self._path.stat().st_mtime_ns
            if mtime != self._mtime:
                self._keys, self._mtime = asyncssh.read_authorized_keys(str(self._path)), mtime
        except (OSError, asyncssh.KeyImportError) as exc:
            log_event("authorized_keys_unreadable", path=str(self._path), error=str(exc))
        return self._keys.validate(key, host, addr)


class Server(asyncssh.SSHServer):
    """One SSH connection: admission, authentication, idle tracking and its log lines."""

    def __init__(
        self,
        state: ServerState,
        keys: AuthorizedKeys | None,
        gateway_keys: AuthorizedKeys | None = None,
    ) -> None:
        """Create the per-connection handler (asyncssh calls this once per connection)."""
        self.state = state
        self.keys = keys
        self.gateway_keys = gateway_keys
        self.gateway = False
        self.id = next_id()
        self.conn: asyncssh.SSHServerConnection | None = None
        self.ip = "?"
        self.user = ""
        self.fingerprint = ""
        self.key_name: str | None = None
        self.identity = ""
        self.admitted = False
        self.logged_in = False
        self.refusal: str | None = None
        self.sessions: set[SessionEntry] = set()
        self.opened = time.monotonic()
        self.last_input = self.opened
        self._idle_timer: asyncio.TimerHandle | None = None

    # -- admission -------------------------------------------------------------------
    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        """Admit, refuse with a reason (told after key exchange) or drop the connection."""
        self.conn = conn
        peer = conn.get_extra_info("peername")
        self.ip = str(peer[0]) if peer else "?"
        state = self.state
        state.connections.add(self)
        dropped = self._drop_reason()
        if dropped is not None:
            # Floods and crowds of connections that have not logged in (OpenSSH's
            # MaxStartups) get no handshake at all: dropping before the version exchange
            # is cheap, and logged-in users are not counted here.
            log_event("connect_dropped", conn=self.id, peer=self.ip, reason=dropped)
            conn.abort()
            return
        self.refusal = state.limiter.over_limit(self.ip)
        if self.refusal is not None:
            if state.refusing >= REFUSE_BACKLOG:
                log_event("connect_dropped", conn=self.id, peer=self.ip, reason=self.refusal)
                self.refusal = None
                conn.abort()
                return
            state.refusing += 1
            return
        state.limiter.admit(self.ip)
        self.admitted = True
        log_event("connect", conn=self.id, peer=self.ip, port=peer[1] if peer else None)
        self._arm_idle_timer(self.state.options.idle_timeout)

    def _drop_reason(self) -> str | None:
        """Why this connection is dropped without a handshake, or None."""
        if self.state.draining:
            return "draining"
        if self.state.limiter.rate_exceeded(self.ip):
            return "rate"
        if self.state.limiter.startup_dropped(self.ip):
            return "startups"
        if not self.state.kex_rate.allow(self.ip):  # last: only a kept connection spends
            return "kex_rate"
        return None

    def allow_rekey(self) -> bool:
        """Whether the re-key the client asks for fits its address's key-exchange budget."""
        if self.state.kex_rate.allow(self.ip):
            return True
        log_event("rekey_refused", conn=self.id, peer=self.ip, user=self.user or None)
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        """Release the connection's slot, end its sessions and log the disconnect."""
        state = self.state
        state.connections.discard(self)
        if self._idle_timer is not None:
            self._idle_timer.cancel()
        if self.admitted:
            self.admitted = False
            state.limiter.release(self.ip, logged_in=self.logged_in)
            log_event(
                "disconnect",
                conn=self.id,
                peer=self.ip,
                user=self.user or None,
                seconds=round(time.monotonic() - self.opened, 3),
                reason=str(exc) if exc else None,
            )
        elif self.refusal is not None:
            self.refusal = None
            state.refusing -= 1
        for session in list(self.sessions):
            session.end()

    def disconnect(self, reason: str, code: int = asyncssh.DISC_BY_APPLICATION) -> None:
        """Close the connection, sending `reason` (OpenSSH prints it)."""
        if self.conn is not None:
            self.conn.disconnect(code, reason)

    # -- auth ------------------------------------------------------------------------
    def begin_auth(self, username: str) -> bool:
        """Refuse over-limit or oddly named clients with a message; otherwise require auth."""
        assert self.conn is not None
        if self.refusal is None and self.admitted:
            self.refusal = self.state.limiter.full()
        if self.refusal is not None:
            log_event("connect_refused", conn=self.id, peer=self.ip, reason=self.refusal)
            reason, code = f"sshapp: {self.refusal}", asyncssh.DISC_TOO_MANY_CONNECTIONS
        elif not USER_NAME.match(username):
            log_event("auth_refused", conn=self.id, peer=self.ip, user=username, reason="name")
            reason, code = f"sshapp: {USER_RULE}", asyncssh.DISC_ILLEGAL_USER_NAME
        else:
            self.user = username
            return True
        # Let asyncssh finish handling this request before the connection goes away.
        asyncio.get_running_loop().call_soon(self.disconnect, reason, code)
        return True

    def password_auth_supported(self) -> bool:
        """Passwords are never used."""
        return False

    def public_key_auth_supported(self) -> bool:
        """Keys identify users in both policies."""
        return True

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        """`open`: any key (its fingerprint becomes the identity); `keys`: listed keys only."""
        fingerprint = key.get_fingerprint("sha256")
        options = None
        # A gateway's key logs in whatever the policy; only its sessions may assert whose
        # they are (sshapp.ssh.session.session_identity).
        gateways = self.gateway_keys
        self.gateway = gateways is not None and gateways.lookup(key, self.ip, self.ip) is not None
        if self.gateway:
            self.fingerprint, self.key_name = fingerprint, None
            return True
        if self.keys is not None:
            options = self.keys.lookup(key, self.ip, self.ip)
            if options is None:
                log_event("auth_refused", conn=self.id, user=username, key=fingerprint)
                return False
        # asyncssh asks again with the signature; the last key asked about is the one used.
        self.fingerprint, self.key_name = fingerprint, key_name(options)
        return True

    def kbdint_auth_supported(self) -> bool:
        """Keyless clients get in through a prompt-less keyboard-interactive round (open)."""
        return self.keys is None

    def get_kbdint_challenge(self, username: str, lang: str, submethods: str) -> bool:
        """Succeed at once, without a prompt (open policy only)."""
        del username, lang, submethods
        self.fingerprint, self.key_name, self.gateway = "", None, False
        return True

    def auth_completed(self) -> None:
        """Record the identity, count the login (or refuse it: full) and log it."""
        assert self.conn is not None
        self.identity = identity(self.user, self.fingerprint, self.key_name)
        self.conn.set_extra_info(sshapp_fingerprint=self.fingerprint)
        if self.admitted:
            full = self.state.limiter.full()  # others may have logged in since begin_auth
            self.state.limiter.log_in(self.ip)
            self.logged_in = True
            if full is not None:
                log_event("connect_refused", conn=self.id, peer=self.ip, reason=full)
                asyncio.get_running_loop().call_soon(self.disconnect, f"sshapp: {full}")
                return
        log_event(
            "auth",
            conn=self.id,
            peer=self.ip,
            user=self.user,
            identity=self.identity,
            method="publickey" if self.fingerprint else "none",
            key=self.fingerprint or None,
        )

    # -- idle timeout ----------------------------------------------------------------
    def touch(self) -> None:
        """Note user input (keys, new sessions; not resizes) for the idle timeout."""
        self.last_input = time.monotonic()

    def _arm_idle_timer(self, delay: float) -> None:
        if self.state.options.idle_timeout > 0:
            loop = asyncio.get_running_loop()
            self._idle_timer = loop.call_later(delay, self._check_idle)

    def _check_idle(self) -> None:
        limit = self.state.options.idle_timeout
        idle = time.monotonic() - self.last_input
        if idle < limit:
            self._arm_idle_timer(limit - idle)
            return
        self._idle_timer = None
        log_event("idle_timeout", conn=self.id, peer=self.ip, user=self.user or None)
        message = f"sshapp: closing the connection after {limit:g} s without input"
        for session in list(self.sessions):
            session.notify(message)
        self.disconnect(message)

"""Provides the server runtime: start_server (wiring), graceful shutdown, and serve_main."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import signal
import sys
from dataclasses import dataclass

import asyncssh

from sshapp.config import ConfigError, Settings
from sshapp.logfmt import LOG_FORMAT
from sshapp.ssh import fleetopts, kexguess, rekey, watchdog
from sshapp.ssh.hostkeys import HostKeyError, load_or_create
from sshapp.ssh.keeper import ZygoteKeeper
from sshapp.ssh.logline import log_event, logger
from sshapp.ssh.options import ServerOptions, parse
from sshapp.ssh.server import AuthorizedKeys, Server
from sshapp.ssh.session import make_process_factory
from sshapp.ssh.state import ServerState

KEEPALIVE_SECONDS = 30.0
"""Probe silent clients this often; three missed replies end the connection."""


@dataclass(slots=True)
class ServerHandle:
    """A running server: its port, its shared state, and a way to drain and stop it."""

    acceptor: asyncssh.SSHAcceptor
    """The asyncssh listener."""
    state: ServerState
    """Live connections and sessions."""
    port: int
    """The bound port (useful with port 0)."""
    keeper: ZygoteKeeper | None = None
    """Keeps a zygote running (None: every session is spawned)."""

    async def shutdown(self, grace: float | None = None) -> None:
        """Stop accepting, tell sessions, wait up to `grace` seconds, then end them all.

        Args:
            grace: Seconds sessions get to finish; defaults to the server's option.
        """
        state = self.state
        grace = state.options.shutdown_grace if grace is None else grace
        state.draining = True
        self.acceptor.close()
        log_event("shutdown", sessions=len(state.sessions), grace=grace)
        for entry in list(state.sessions):
            entry.notify(f"sshapp: the server is shutting down; this session ends in {grace:g} s")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace
        while state.sessions and loop.time() < deadline:
            await asyncio.sleep(0.05)
        for entry in list(state.sessions):
            entry.end()
        deadline = loop.time() + state.options.hangup_grace + 1.0
        while state.sessions and loop.time() < deadline:
            await asyncio.sleep(0.05)
        for server in list(state.connections):
            server.disconnect("sshapp: the server is shutting down")
        await self.acceptor.wait_closed()
        if self.keeper is not None:
            await self.keeper.stop()


async def start_server(settings: Settings, options: ServerOptions) -> ServerHandle:
    """Load (or create) the host key and listen; returns once the port is bound.

    Args:
        settings: host, port (0 = any free port), hostkey_dir, state_dir for sessions.
        options: Auth policy, limits and the session command.

    Returns:
        The running server.

    Raises:
        HostKeyError: The host key is unsafe or unreadable.
        OSError: The address cannot be bound or authorized_keys cannot be read.
        ValueError: authorized_keys is malformed.
    """
    if not kexguess.install():
        log_event("kexguess_unpatched", level=logging.DEBUG, reason="asyncssh changed")
    rekey.install()  # after kexguess: its wrapper keeps kexguess's marker
    host_key = load_or_create(settings.hostkey_dir)
    fleet_key = fleetopts.prepare(
        settings.hostkey_dir, options.fleet, options.fleet_key, options.fleet_known_hosts
    )
    options = dataclasses.replace(options, fleet_key=fleet_key)
    gateway_keys = AuthorizedKeys(options.gateway_keys) if options.gateway_keys else None
    keys = None
    if options.auth == "keys":
        if options.authorized_keys is None:
            msg = "auth 'keys' needs an authorized_keys file"
            raise ValueError(msg)
        keys = AuthorizedKeys(options.authorized_keys)
    state = ServerState.create(settings, options)
    watchdog.start(state)  # ends a session whose run holds the host past its budget
    keeper = ZygoteKeeper(state) if options.zygote else None
    if keeper is not None:
        await keeper.start()
    try:
        acceptor = await asyncssh.listen(
            settings.host,
            settings.port,
            server_factory=lambda: Server(state, keys, gateway_keys),
            server_host_keys=[host_key],
            process_factory=make_process_factory(state),
            encoding=None,
            line_editor=False,
            allow_scp=False,
            sftp_factory=None,
            agent_forwarding=False,
            x11_forwarding=False,
            allow_pty=True,
            login_timeout=options.login_grace,
            keepalive_interval=KEEPALIVE_SECONDS,
            keepalive_count_max=3,
            reuse_address=True,
            **options.algorithms.listen_kwargs(),
        )
    except BaseException:
        if keeper is not None:
            await keeper.stop()
        raise
    port = acceptor.get_port()
    log_event("listening", host=settings.host, port=port, auth=options.auth, fleet=options.fleet)
    return ServerHandle(acceptor, state, port, keeper)


async def _serve(settings: Settings, options: ServerOptions) -> int:
    handle = await start_server(settings, options)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await handle.shutdown()
    log_event("stopped")
    return 0


def serve_main(argv: list[str]) -> int:
    """Run `sshapp serve` until SIGTERM/SIGINT; bad input is one line on stderr.

    Args:
        argv: Arguments after `serve`.

    Returns:
        Exit status: 0 after a clean shutdown, 1 if the server cannot start, 2 usage.
    """
    try:
        settings, options, level = parse(argv)
    except ConfigError as exc:
        logging.basicConfig(stream=sys.stderr, format="sshapp serve: %(message)s")
        logger.error("%s", exc)
        return 2
    logging.basicConfig(stream=sys.stderr, level=level, format=LOG_FORMAT)
    logging.getLogger("asyncssh").setLevel(max(logging.WARNING, logging.getLevelName(level)))
    try:
        return asyncio.run(_serve(settings, options))
    except (HostKeyError, OSError, ValueError) as exc:
        logger.error("cannot start: %s", exc)
        return 1
    except KeyboardInterrupt:
        return 0

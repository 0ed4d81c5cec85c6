"""Provides the exceptions the kernels layer raises."""

from __future__ import annotations


class UnknownKernelError(ValueError):
    """No kernel has the requested id (the message suggests close matches)."""


class UnsupportedKernelError(RuntimeError):
    """The kernel needs CPU features this machine (or SSHAPP_DISABLE_ISA) does not allow."""


class SizeLimitError(ValueError):
    """A run would allocate more memory than the configured limit."""

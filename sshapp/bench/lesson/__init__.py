"""The lesson of each ladder step (issue 24): registers, data reuse, this host's answer."""

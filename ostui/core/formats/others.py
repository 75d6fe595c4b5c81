"""Formats other than oslo and text: importing each module registers its formats."""

from . import apache, client, generic, journald, keystone, libvirt, mariadb, ovs, rabbitmq, syslog  # noqa: F401

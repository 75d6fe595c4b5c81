"""Formats other than oslo and text: importing each module registers its formats."""
from . import apache, journald, keystone, syslog  # noqa: F401
from . import client, libvirt, mariadb, ovs, rabbitmq  # noqa: F401

"""Formats other than oslo and text: importing each module registers its formats."""

from . import (  # noqa: F401
    apache,
    client,
    etcd,
    generic,
    journald,
    keystone,
    klog,
    libvirt,
    mariadb,
    oslo_bare,
    ovs,
    rabbitmq,
    syslog,
)

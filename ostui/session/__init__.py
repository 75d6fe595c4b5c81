"""What one run of ostui opened: the sources the options select, the resources they hold
(remote mirrors, journal readers, their temporary folders), and the loops over them.

Below the CLI and the browser, above `ostui.core`; never imports Textual.
"""

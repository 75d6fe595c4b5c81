"""Write the hostile corpus: real OpenStack lines carrying terminal attacks.

`python tests/data/hostile/make_corpus.py` rewrites the files beside it; a test checks
that they match what this script writes. The lines are the seed case's nova-api lines
(`tests/data/seed/nova-api.log`) with attacker-controlled parts replaced: a server name
in the message, the URL of an access line, a traceback frame path, the logger name and
the exception message. Each carries escape sequences a terminal would obey (OSC 52
clipboard, OSC 0/2 title, OSC 8 link, APC, DCS, DECALN, charset switch, device-attribute
and cursor-report queries), 8-bit C1 controls, bidi overrides, zero-width characters,
and Rich/Textual markup. File and folder names with the same attacks are made by the
tests themselves (`hostile_names`), since a repository is a poor home for them.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED = HERE.parent / "seed" / "nova-api.log"
REQUEST = "req-e359221b-6be3-4ac2-bb55-5310f5bb0bb2"

# name -> the attack, as the text a log line would carry.
ATTACKS: dict[str, str] = {
    "osc52-clipboard": "\x1b]52;c;cm0gLXJmIH4K\x07",
    "osc0-title": "\x1b]0;OSTUI-PWNED-TITLE\x07",
    "osc2-title-st": "\x1b]2;OSTUI-PWNED-TITLE\x1b\\",
    "osc8-link": "\x1b]8;;http://evil.example/\x1b\\click me\x1b]8;;\x1b\\",
    "apc": "\x1b_Gpwned\x1b\\",
    "dcs-xtgettcap": "\x1bP+q544e\x1b\\",
    "decaln-fill": "\x1b#8",
    "charset-line-drawing": "\x1b(0",
    "da-query": "\x1b[>c",
    "da1-query": "\x1b[c",
    "cursor-report": "\x1b[6n",
    "clear-screen": "\x1b[2J\x1b[H",
    "c1-csi": "\x9b31m",
    "c1-osc-title": "\x9d0;OSTUI-PWNED-TITLE\x9c",
    "c1-dcs": "\x90+q544e\x9c",
    "c1-nel": "\x85",
    "bidi-override": "\u202egnp.evil\u202c",
    "bidi-isolate": "\u2066admin\u2069",
    "zero-width": "ad\u200bmin\ufeff",
    "bell-backspace": "\x07\x08\x08\x08",
    "markup-close": "[/]",
    "markup-bold": "[/bold]x[bold]",
    "markup-link": "[link=http://evil.example]click[/link]",
    "markup-action": "[@click=app.quit]quit[/]",
    "emoji-code": ":thumbs_up:",
}
ALL = "".join(ATTACKS.values())


def hostile_names() -> list[str]:
    """File names carrying the attacks (a `/` makes a folder: `[/bold]x.log` is the file
    `bold]x.log` in the folder `[`, which a markup parser reads as a closing tag)."""
    return [
        "[/bold]x.log",
        "\x1b]0;OSTUI-PWNED-TITLE\x07.log",
        "\x1b]52;c;cm0gLXJmIH4K\x07.log",
        "\u202egol.ipa-avon",
        "nova[link=http://evil.example]api[/link].log",
    ]


def nova_api() -> bytes:
    """The seed log with the attacks in a message, a URL, a frame path, a logger and an exception."""
    lines = SEED.read_text(encoding="utf-8").splitlines()
    out: list[str] = []
    for n, line in enumerate(lines):
        if n == 0:
            line = line.replace("Caught error: id", f"Caught error: id (server name {ALL})")
        elif 'File "/usr/lib/python2.7/site-packages/nova/api/openstack/__init__.py"' in line:
            line = line.replace("nova/api/openstack/__init__.py", f"nova/api/{ATTACKS['osc0-title']}x.py")
        elif line.endswith("AttributeError: id"):
            line = line.replace("AttributeError: id", f"AttributeError: id {ATTACKS['osc52-clipboard']}[/]")
        out.append(line)
    stamp = "2016-06-10 21:49:30.200 7533"
    out.append(
        f"{stamp} INFO nova.osapi_compute.wsgi.server [{REQUEST} 03384abb3c864c6bb55b09d33371beb4 "
        f'276eb659fd4b44859849c773dcfdf138 - - -] 10.0.0.5 "POST /v2/276eb659fd4b44859849c773dcfdf138/'
        f'servers?name={ATTACKS["markup-link"]}{ATTACKS["osc8-link"]}{ATTACKS["markup-close"]} HTTP/1.1" '
        "status: 500 len: 291 time: 0.4178231"
    )
    for name, attack in ATTACKS.items():
        out.append(f"{stamp} WARNING nova.api.{attack}logger [-] attack {name}: before{attack}after")
    return ("\n".join(out) + "\n").encode("utf-8")


def syslog() -> bytes:
    """Syslog lines whose program tag and oslo payload carry the attacks."""
    out = []
    for n, (name, attack) in enumerate(ATTACKS.items()):
        out.append(
            f"Jun 10 21:49:{n:02d} controller nova-api{attack}[7533]: ERROR nova.api [-] {name}: {attack}"
        )
    return ("\n".join(out) + "\n").encode("utf-8")


FILES = {
    "controller/var/log/nova/nova-api.log": nova_api,
    "controller/var/log/syslog": syslog,
}


def write(dest: Path = HERE) -> list[Path]:
    written = []
    for rel, make in FILES.items():
        path = dest / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(make())
        written.append(path)
    return written


if __name__ == "__main__":
    for path in write(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE):
        print(path)

"""The real servers of the SSO tests, started on 127.0.0.1 with a free port and stopped after the test.

- OidcProvider: tests/sso/oidc_provider/server.js (node-oidc-provider) with its own login page; the
  accounts (sub, password, groups, disabled) live in a JSON file the test rewrites between sign-ins.
- Slapd: Debian's /usr/sbin/slapd with a temporary slapd.conf and mdb database, seeded with ldapadd.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

PROVIDER_DIR = Path(__file__).resolve().parent / "oidc_provider"
CLIENT_ID = "certtrack-tests"
CLIENT_SECRET = "certtrack-tests-secret"  # noqa: S105 - a loopback test provider's
LDAP_SUFFIX = "dc=plant,dc=example"
LDAP_ADMIN_DN = f"cn=admin,{LDAP_SUFFIX}"
LDAP_ADMIN_PASSWORD = "ldap-admin-secret"  # noqa: S105 - a loopback test server's


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, name: str, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read() if process.stdout else ""
            raise RuntimeError(f"{name} exited with {process.returncode}: {output}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{name} did not listen on 127.0.0.1:{port} within {seconds} s")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@dataclass
class OidcProvider:
    issuer: str
    accounts_file: Path
    process: subprocess.Popen

    def set_accounts(self, accounts: list[dict]) -> None:
        """Rewrite the provider's accounts; it reads the file at every sign-in."""
        self.accounts_file.write_text(json.dumps({"accounts": accounts}))

    def set_account(self, login: str, **changes: object) -> None:
        accounts = json.loads(self.accounts_file.read_text())["accounts"]
        for account in accounts:
            if account["login"] == login:
                account.update(changes)
        self.set_accounts(accounts)


def oidc_provider_start(*, redirect_uris: list[str], accounts: list[dict], folder: Path) -> OidcProvider:
    port = free_port()
    accounts_file = folder / "accounts.json"
    accounts_file.write_text(json.dumps({"accounts": accounts}))
    env = {
        **os.environ,
        "PORT": str(port),
        "CLIENT_ID": CLIENT_ID,
        "CLIENT_SECRET": CLIENT_SECRET,
        "REDIRECT_URIS": ",".join(redirect_uris),
        "ACCOUNTS_FILE": str(accounts_file),
    }
    process = subprocess.Popen(
        ["node", "server.js"], cwd=PROVIDER_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    wait_for_port(port, process, "the OIDC provider")
    return OidcProvider(issuer=f"http://127.0.0.1:{port}", accounts_file=accounts_file, process=process)


SLAPD_CONF = """\
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile {folder}/slapd.pid
argsfile {folder}/slapd.args
database mdb
maxsize 33554432
suffix "{suffix}"
rootdn "{admin_dn}"
rootpw {admin_password}
directory {folder}/db
access to attrs=userPassword by anonymous auth by self write by * none
access to * by * read
"""


@dataclass
class Slapd:
    uri: str
    process: subprocess.Popen

    def ldapadd(self, ldif: str) -> None:
        subprocess.run(
            ["ldapadd", "-x", "-H", self.uri, "-D", LDAP_ADMIN_DN, "-w", LDAP_ADMIN_PASSWORD],
            input=ldif,
            text=True,
            check=True,
            capture_output=True,
            timeout=20,
        )

    def ldapmodify(self, ldif: str) -> None:
        subprocess.run(
            ["ldapmodify", "-x", "-H", self.uri, "-D", LDAP_ADMIN_DN, "-w", LDAP_ADMIN_PASSWORD],
            input=ldif,
            text=True,
            check=True,
            capture_output=True,
            timeout=20,
        )


def slapd_start(*, folder: Path) -> Slapd:
    (folder / "db").mkdir()
    conf = folder / "slapd.conf"
    conf.write_text(
        SLAPD_CONF.format(folder=folder, suffix=LDAP_SUFFIX, admin_dn=LDAP_ADMIN_DN, admin_password=LDAP_ADMIN_PASSWORD)
    )
    port = free_port()
    uri = f"ldap://127.0.0.1:{port}"
    # -d 0: stay in the foreground (so the test owns the process) without debug output.
    process = subprocess.Popen(
        ["/usr/sbin/slapd", "-f", str(conf), "-h", uri + "/", "-d", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    wait_for_port(port, process, "slapd")
    return Slapd(uri=uri, process=process)

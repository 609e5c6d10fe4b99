"""custodia.memory_protection() and custodia.disable_core_dumps() (docs/MEMORY.md)."""

from __future__ import annotations

import subprocess
import sys

import custodia
from custodia import Custodian, KeyKind


def test_an_open_custodian_keeps_its_secrets_in_the_locked_pool(tmp_path, anna):
    before = custodia.memory_protection()
    with Custodian(tmp_path / "keys", master_key=bytes(range(32)), create=True) as c:
        c.generate_key(anna, KeyKind.KEK, "kek")
        during = custodia.memory_protection()
        # The keyring's file key and secrets and the audit signing key are in the pool.
        assert during.live_secrets > before.live_secrets
        # Locked, or the refusal is counted: never silent.
        assert during.locked_bytes > 0 or (during.lock_failures > 0 and during.unlocked_bytes > 0)
        assert during.fully_protected == (during.unlocked_bytes == 0 and during.dontdump_failures == 0)
    after = custodia.memory_protection()
    assert after.live_secrets == before.live_secrets, "closing the custodian released (and wiped) its secrets"


def test_disable_core_dumps_shows_in_the_status():
    # In a child process: the setting lasts for the life of the process.
    code = (
        "import custodia\n"
        "assert custodia.memory_protection().dumpable in (True, None)\n"
        "custodia.disable_core_dumps()\n"
        "assert custodia.memory_protection().dumpable is False, custodia.memory_protection()\n"
        "print('undumpable')\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "undumpable"

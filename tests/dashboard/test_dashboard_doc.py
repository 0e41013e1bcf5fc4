"""docs/operations.md, "Using it in another app": its block mounts a dashboard that answers."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient, TestServer

DOC = Path(__file__).resolve().parents[2] / "docs" / "operations.md"


async def test_the_documented_app_serves_the_sign_in_and_guards_the_pages() -> None:
    section = DOC.read_text().split("### Using it in another app", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert code is not None
    scope: dict[str, Any] = {}
    exec(compile(code.group(1), str(DOC), "exec"), scope)
    async with TestClient(TestServer(scope["app"])) as client:
        login = await client.get("/dashboard/login")
        assert login.status == 200
        assert "my agent" in await login.text()
        page = await client.get("/dashboard/calls", allow_redirects=False)
        assert page.status == 303
        assert page.headers["Location"] == "/dashboard/login?next=/dashboard/calls"

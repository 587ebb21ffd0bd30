"""Interop check with a client that is not ours: the Python `mcp` SDK.

Spawns `msf-mcp serve` over stdio, initializes, lists the tools and calls all
four, checking structured results and that a bad call is a tool error.
Usage: python_client.py PATH_TO_MSF_MCP [extra args before `serve`...]
Exits non-zero on any failure.
"""
import asyncio
import sys

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

EXPECTED = ["msf_route", "msf_search", "msf_read", "msf_refs"]


async def main() -> None:
    binary, extra = sys.argv[1], sys.argv[2:]
    params = StdioServerParameters(command=binary, args=[*extra, "serve"])
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            init = await session.initialize()
            assert init.server_info.name == "msf-mcp", init.server_info
            assert "route, read, then answer" in (init.instructions or "")
            tools = (await session.list_tools()).tools
            names = [t.name for t in tools]
            assert names[:4] == EXPECTED, names
            for t in tools[:4]:
                assert t.output_schema is not None, t.name
                a = t.annotations
                assert (a.read_only_hint, a.destructive_hint, a.idempotent_hint, a.open_world_hint) == (True, False, True, False), t.name

            route = await session.call_tool("msf_route", {"question": "checkpoint interval and duration"})
            assert not route.is_error, route
            plan = route.structured_content["read_plan"]
            assert plan, route.structured_content
            search = await session.call_tool("msf_search", {"query": "ParallelismPerKPU", "limit": 3})
            assert not search.is_error and search.structured_content["hits"], search
            read = await session.call_tool("msf_read", {"reference": plan[0], "max_chars": 500})
            assert not read.is_error and read.structured_content["reference"] == plan[0], read
            assert read.structured_content["next_offset"] == 500, read.structured_content
            refs = await session.call_tool("msf_refs", {})
            assert not refs.is_error and refs.structured_content["references"], refs
            bad = await session.call_tool("msf_read", {"reference": "../../etc/passwd"})
            assert bad.is_error and "not a reference name" in bad.content[0].text, bad
            print(f"python mcp client: {len(names)} tools listed, the 4 knowledge tools called; read_plan={plan[:3]}")


asyncio.run(main())

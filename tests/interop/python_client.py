"""Interop check with a client that is not ours: the Python `mcp` SDK.

Spawns `msf-mcp serve` over stdio, initializes, lists the tools and calls all
four, checking structured results and that a bad call is a tool error. Every
input and output schema in `tools/list` is compiled with a strict JSON Schema
validator that is not ours (Python `jsonschema`, draft 2020-12): it must pass
the metaschema, resolve every `$ref`, and carry only known formats; each
structured result must validate against its tool's output schema.
Usage: python_client.py PATH_TO_MSF_MCP [extra args before `serve`...]
Exits non-zero on any failure.
"""
import asyncio
import sys

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from referencing.exceptions import Unresolvable
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

EXPECTED = ["msf_route", "msf_search", "msf_read", "msf_refs"]

# Formats JSON Schema 2020-12 defines, plus the common numeric vocabulary
# (OpenAPI's int32, int64, float, double). Anything else is an unknown format:
# Ajv in strict mode throws on it and some hosts then drop the tool.
KNOWN_FORMATS = {
    "date-time", "date", "time", "duration", "email", "idn-email", "hostname",
    "idn-hostname", "ipv4", "ipv6", "uri", "uri-reference", "iri", "iri-reference",
    "uuid", "uri-template", "json-pointer", "relative-json-pointer", "regex",
    "int32", "int64", "float", "double",
}


def walk(node, path="#"):
    """Yields (json-pointer, sub-schema object) for every object in `node`."""
    if isinstance(node, dict):
        yield path, node
        for k, v in node.items():
            yield from walk(v, f"{path}/{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from walk(v, f"{path}/{i}")


def schema_problems(tool, which, schema):
    """What a strict validator finds wrong with one tool schema."""
    where = f"{tool}.{which}"
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as e:
        return [f"{where}: not a valid 2020-12 schema: {e.message}"]
    problems = []
    resolver = Draft202012Validator(schema)._resolver
    for path, node in walk(schema):
        fmt = node.get("format")
        if isinstance(fmt, str) and fmt not in KNOWN_FORMATS:
            problems.append(f"{where}: unknown format {fmt!r} at {path}")
        ref = node.get("$ref")
        if isinstance(ref, str):
            try:
                resolver.lookup(ref)
            except Unresolvable as e:
                problems.append(f"{where}: $ref {ref!r} at {path} does not resolve: {e}")
    return problems


def check_result(tools_by_name, name, result):
    """A structured result validates against its tool's output schema."""
    schema = tools_by_name[name].output_schema
    errors = sorted(Draft202012Validator(schema).iter_errors(result.structured_content), key=str)
    assert not errors, f"{name} result does not fit its output schema: {errors[0].message}"


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
            problems, compiled = [], 0
            for t in tools:
                problems += schema_problems(t.name, "inputSchema", t.input_schema)
                compiled += 1
                if t.output_schema is not None:
                    problems += schema_problems(t.name, "outputSchema", t.output_schema)
                    compiled += 1
            assert not problems, "\n".join(problems)
            by_name = {t.name: t for t in tools}
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
            for name, result in [("msf_route", route), ("msf_search", search), ("msf_read", read), ("msf_refs", refs)]:
                check_result(by_name, name, result)
            bad = await session.call_tool("msf_read", {"reference": "../../etc/passwd"})
            assert bad.is_error and "not a reference name" in bad.content[0].text, bad
            print(f"python mcp client: {len(names)} tools listed, {compiled} schemas compiled strictly (jsonschema, 2020-12), the 4 knowledge tools called; read_plan={plan[:3]}")


asyncio.run(main())

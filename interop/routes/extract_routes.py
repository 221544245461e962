"""Prints every HTTP route (method, path) that the installed MLflow and databricks-sdk define, as JSON.

MLflow: the HTTP bindings of every RPC in the compiled protos shipped in mlflow/protos/*_pb2.py
(`option (rpc) = { endpoints: [{ method, path, since }] }`), served under /api/<since.major>.0.
databricks-sdk: every `self._api.do("<METHOD>", "<path>")` call in databricks/sdk/service/*.py.
Path parameters become {name} (one segment) or {name+} (one or more segments).

    python interop/routes/extract_routes.py            # all routes
Run in an interop env (it needs mlflow; databricks-sdk routes are listed when it is installed).
"""
import importlib
import importlib.util
import json
import pathlib
import pkgutil
import re
import sys


def mlflow_routes():
    import mlflow
    import mlflow.protos as protos
    from mlflow.protos import databricks_pb2

    routes = []
    for info in sorted(pkgutil.iter_modules(protos.__path__), key=lambda i: i.name):
        if not info.name.endswith("_pb2"):
            continue
        try:
            module = importlib.import_module("mlflow.protos." + info.name)
        except Exception:  # a proto module that needs an optional dependency
            continue
        for service in module.DESCRIPTOR.services_by_name.values():
            for method in service.methods:
                options = method.GetOptions()
                if not options.HasExtension(databricks_pb2.rpc):
                    continue
                for endpoint in options.Extensions[databricks_pb2.rpc].endpoints:
                    path = re.sub(r"<path:(\w+)>", r"{\1+}", endpoint.path)
                    path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", path)
                    routes.append({
                        "method": endpoint.method,
                        "path": "/api/%d.0%s" % (endpoint.since.major, path),
                        "source": "mlflow %s %s.proto %s.%s" % (mlflow.__version__, info.name[: -len("_pb2")], service.name, method.name),
                    })
    return routes


# self._api.do("GET", "/api/…") and f"/api/…{param}"; the files mixin's url=f"{host}/api/…" and
# url=FilesExt._files_api_url(…) (the Files API path of a file).
CALL = re.compile(r"""_api\.do\(\s*"([A-Z]+)"\s*,\s*(?:url=)?(f?)"(?:\{[^}]*(?:hostname|host)[^}]*\})?(/api/[^"]+)\"""")
FILES_URL = re.compile(r"""_api\.do\(\s*"([A-Z]+)"\s*,\s*url=FilesExt\._files_api_url\(""")
PARAM = re.compile(r"\{([^{}]+)\}")


def sdk_routes():
    # Read as text, never imported: the routes are in the source.
    try:
        spec = importlib.util.find_spec("databricks.sdk")
    except ImportError:
        spec = None
    if spec is None or not spec.submodule_search_locations:
        return []
    sdk = pathlib.Path(list(spec.submodule_search_locations)[0])
    __version__ = re.search(r"""__version__\s*=\s*["']([^"']+)""", (sdk / "version.py").read_text()).group(1)
    routes = []
    for file in sorted(sdk.glob("service/*.py")) + sorted(sdk.glob("mixins/*.py")):
        text = file.read_text()
        where = "databricks-sdk %s %s" % (__version__, file.relative_to(sdk))
        for match in FILES_URL.finditer(text):
            routes.append({"method": match.group(1), "path": "/api/2.0/fs/files{file_path+}", "source": where})
        for match in CALL.finditer(text):
            method, is_f, path = match.groups()

            def parameter(m):
                expression = m.group(1)
                multi = "multi_segment" in expression
                name = re.findall(r"[A-Za-z_][A-Za-z0-9_]*", expression.split("(")[-1])[-1]
                return "{%s%s}" % (name, "+" if multi else "")

            if is_f:
                path = PARAM.sub(parameter, path)
            routes.append({"method": method, "path": path, "source": where})
    return routes


def main():
    seen = set()
    out = []
    for route in mlflow_routes() + sdk_routes():
        key = (route["method"], route["path"])
        if key in seen:
            continue
        seen.add(key)
        out.append(route)
    json.dump(out, sys.stdout, indent=None)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()

"""The published contract (`openapi/fulfillment.yaml`) as validators: a real answer is checked against the
schema the document gives its path, method and status, strictly (a field the document does not list fails:
the document must describe every field the service sends)."""
import copy
import os

import jsonschema
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOCUMENT_PATH = os.path.join(ROOT, "openapi", "fulfillment.yaml")


def load():
    with open(DOCUMENT_PATH) as f:
        return yaml.safe_load(f)


def strict(node):
    """Every object schema that lists its properties allows no others (for checking only: the published
    document stays open, since fields may be added)."""
    if isinstance(node, dict):
        node = {key: strict(value) for key, value in node.items()}
        if "properties" in node and "additionalProperties" not in node and node.get("type", "object") == "object":
            node["additionalProperties"] = False
        return node
    if isinstance(node, list):
        return [strict(item) for item in node]
    return node


class Contract:
    def __init__(self):
        self.document = load()
        self.components = strict(self.document["components"])
        self.seen = set()

    def resolve(self, node):
        while isinstance(node, dict) and "$ref" in node and len(node) == 1:
            _, section, kind, name = node["$ref"].split("/")
            node = self.document[section][kind][name]
        return node

    def response_schema(self, path, method, status):
        operation = self.document["paths"][path][method.lower()]
        responses = operation["responses"]
        declared = responses.get(str(status))
        assert declared is not None, f"{method} {path} answered {status}, which the document does not declare"
        content = self.resolve(declared).get("content", {})
        return content.get("application/json", {}).get("schema")

    def check_schema(self, schema, value, what):
        validator = jsonschema.Draft202012Validator({"allOf": [strict(schema)], "components": self.components})
        errors = sorted(validator.iter_errors(value), key=lambda e: list(e.path))
        assert not errors, f"{what}: " + "; ".join(f"{list(e.path)}: {e.message}" for e in errors[:5])

    def check_answer(self, path, method, status, body):
        """Checks one answer; records that the document's (path, method, status) was seen."""
        schema = self.response_schema(path, method, status)
        if schema is not None:
            self.check_schema(schema, body, f"{method} {path} {status}")
        self.seen.add((path, method.lower(), str(status)))

    def check_component(self, name, value, what):
        self.check_schema({"$ref": f"#/components/schemas/{name}"}, value, what)

    def operations(self):
        return {(path, method) for path, item in self.document["paths"].items() for method in item if method in ("get", "post")}

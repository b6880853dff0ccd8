// Screen: the HTTP API's OpenAPI document (GET /openapi.json), read as a reference:
// operations grouped by tag, each a collapsible with its auth, parameters, request
// body and responses. Schemas from components show by name and open on demand.
import {api} from "../api.js";
import {h} from "../dom.js";
import {loadInto} from "../ui.js";

const DOCUMENT_URL = `${(window.HERALD_CONFIG?.apiBase ?? "").replace(/\/+$/, "")}/openapi.json`;
const METHODS = ["get", "head", "post", "put", "delete", "patch"];
const CONSTRAINTS = ["pattern", "minLength", "maxLength", "minimum", "maximum", "minItems",
  "minProperties", "maxProperties", "default", "const"];

// "#/components/schemas/Error" -> ["schemas", "Error"]
function refParts(ref) {
  return ref.replace("#/components/", "").split("/");
}

function resolve(doc, item) {
  if (!item?.$ref) return item;
  const [kind, name] = refParts(item.$ref);
  return doc.components[kind][name];
}

function typeText(schema) {
  if (schema.$ref) return refParts(schema.$ref)[1];
  if (schema.enum) return `one of ${schema.enum.map((v) => JSON.stringify(v)).join(", ")}`;
  const type = [schema.type ?? (schema.anyOf ? "any of" : schema.allOf ? "all of" : "any")].flat();
  if (type.includes("array") && schema.items) return `array of ${typeText(schema.items)}`;
  return type.join(" or ");
}

function constraintsText(schema) {
  return CONSTRAINTS.filter((key) => schema[key] !== undefined)
    .map((key) => `${key} ${JSON.stringify(schema[key])}`).join(", ");
}

// One schema as a nested list; a component opens as a collapsible (once per branch).
function schemaNode(doc, schema, seen = new Set()) {
  if (!schema) return null;
  if (schema.$ref) {
    const name = refParts(schema.$ref)[1];
    if (seen.has(name)) return h("code", {}, name);
    return h("details", {class: "api-schema"}, h("summary", {}, h("code", {}, name)),
      schemaNode(doc, resolve(doc, schema), new Set([...seen, name])));
  }
  const parts = [];
  if (schema.description) parts.push(h("p", {class: "hint"}, schema.description));
  const limits = constraintsText(schema);
  parts.push(h("p", {class: "api-type"}, typeText(schema), limits && ` (${limits})`));
  const required = new Set(schema.required ?? []);
  const properties = Object.entries(schema.properties ?? {});
  if (properties.length) {
    parts.push(h("ul", {class: "api-properties"}, properties.map(([name, property]) => h("li", {},
      h("code", {}, name), required.has(name) ? h("span", {class: "api-required"}, " required") : null,
      ": ", property.$ref ? schemaNode(doc, property, seen) : h("span", {}, typeText(property),
        property.description ? ` - ${property.description}` : "",
        constraintsText(property) && ` (${constraintsText(property)})`),
      property.items?.$ref ? schemaNode(doc, property.items, seen) : null))));
  }
  if (schema.additionalProperties && typeof schema.additionalProperties === "object") {
    parts.push(h("p", {}, "Each value: "), schemaNode(doc, schema.additionalProperties, seen));
  } else if (schema.additionalProperties === false && properties.length) {
    parts.push(h("p", {class: "hint"}, "No other fields."));
  }
  for (const key of ["anyOf", "allOf"]) {
    if (schema[key]) parts.push(h("ol", {}, schema[key].map((choice) => h("li", {}, schemaNode(doc, choice, seen)))));
  }
  if (schema.items?.$ref && !properties.length) parts.push(schemaNode(doc, schema.items, seen));
  return h("div", {class: "api-schema-body"}, parts);
}

function authText(operation) {
  if (operation["x-local-only"]) return "Local stack only (no auth)";
  const scheme = Object.keys(operation.security?.[0] ?? {})[0];
  if (!scheme) return "Public";
  if (scheme === "sigv4") return "Services: AWS SigV4 (IAM)";
  return `Staff (Cognito), groups: ${(operation["x-herald-groups"] ?? []).join(", ")}`;
}

function parametersSection(doc, operation) {
  const parameters = (operation.parameters ?? []).map((item) => resolve(doc, item));
  if (!parameters.length) return null;
  return h("section", {}, h("h4", {}, "Parameters"),
    h("ul", {class: "api-properties"}, parameters.map((parameter) => h("li", {},
      h("code", {}, parameter.name), ` (${parameter.in}${parameter.required ? ", required" : ""}): `,
      typeText(parameter.schema ?? {}),
      constraintsText(parameter.schema ?? {}) && ` (${constraintsText(parameter.schema)})`,
      parameter.description ? ` - ${parameter.description}` : ""))));
}

function contentBlocks(doc, content) {
  return Object.entries(content ?? {}).map(([type, media]) => h("div", {class: "api-content"},
    h("p", {}, h("code", {}, type)), schemaNode(doc, media.schema)));
}

function operationDetails(doc, path, method, operation) {
  const body = operation.requestBody;
  const responses = Object.entries(operation.responses ?? {});
  return h("details", {class: "api-operation", id: `op-${operation.operationId}`},
    h("summary", {},
      h("span", {class: `api-method api-method-${method}`}, method.toUpperCase()), " ",
      h("code", {class: "api-path"}, path), " ", h("span", {class: "api-summary"}, operation.summary ?? "")),
    h("div", {class: "api-operation-body"},
      operation.description && h("p", {}, operation.description),
      h("p", {}, h("strong", {}, "Auth: "), authText(operation)),
      parametersSection(doc, operation),
      body && h("section", {}, h("h4", {}, `Request body${body.required ? "" : " (optional)"}`),
        contentBlocks(doc, body.content)),
      h("section", {}, h("h4", {}, "Responses"),
        h("ul", {class: "api-responses"}, responses.map(([status, item]) => {
          const answer = resolve(doc, item);
          return h("li", {}, h("strong", {}, status), ` ${answer.description ?? ""}`,
            contentBlocks(doc, answer.content));
        })))));
}

function reference(doc) {
  const byTag = new Map((doc.tags ?? []).map((tag) => [tag.name, {tag, operations: []}]));
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS.filter((name) => item[name])) {
      const tag = item[method].tags?.[0] ?? "other";
      if (!byTag.has(tag)) byTag.set(tag, {tag: {name: tag}, operations: []});
      byTag.get(tag).operations.push([path, method, item[method]]);
    }
  }
  return [
    h("p", {}, doc.info.description.split("\n\n")[0]),
    h("p", {}, "The document itself: ", h("a", {href: DOCUMENT_URL}, "openapi.json"), ` (OpenAPI ${doc.openapi}, ${doc.info.title} v${doc.info.version}).`),
    ...[...byTag.values()].filter(({operations}) => operations.length).map(({tag, operations}) =>
      h("section", {class: "api-tag"},
        h("h2", {}, tag.name), tag.description && h("p", {class: "hint"}, tag.description),
        operations.map(([path, method, operation]) => operationDetails(doc, path, method, operation)))),
  ];
}

export function showApiReference(main) {
  const body = h("div", {class: "api-reference"});
  main.append(h("div", {class: "page-head"}, h("h1", {tabindex: "-1"}, "API reference")), body);
  loadInto(body, "the API document", () => api.get("/openapi.json"), (doc) => reference(doc));
}

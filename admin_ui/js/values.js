// Variable values typed into text inputs, kept the JSON type of the declared sample.

// "10" stays the number 10 when the sample was a number, "true" a boolean likewise.
export function parseLike(example, text) {
  if (typeof example === "number" && text.trim() !== "" && Number.isFinite(Number(text))) return Number(text);
  if (typeof example === "boolean" && (text === "true" || text === "false")) return text === "true";
  return text;
}

export function displayValue(value) {
  if (value === undefined || value === null) return "";
  return typeof value === "string" ? value : JSON.stringify(value);
}
